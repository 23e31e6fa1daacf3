/**
 * Run the CLI two ways: in this process through `main(argv, io)` (fast,
 * for hundreds of generated inputs), and as users run it, `bin/sessionkit.mjs`
 * in its own process. Both start from an environment without the variables
 * the CLI reads, so the developer's own SECRET_KEY or SESSION_STORE cannot
 * change a result.
 */
import { spawn } from "node:child_process";
import { main } from "../../src/cli/index.js";

const BIN = new URL("../../bin/sessionkit.mjs", import.meta.url).pathname;
/** The variables the CLI reads, blanked unless a test sets them. */
const CLEAN = { SESSION_STORE: "", SESSION_STORE_PREFIX: "", SECRET_KEY: "", SESSION_FORMAT: "" };

/**
 * What a run printed and returned.
 *
 * @example
 * const { code, out } = await cliInProcess(["decode", cookie]);
 */
export interface CliRun {
  code: number | null;
  out: string;
  err: string;
}

/**
 * `main(argv)` in this process, with `env` as its whole environment and `secret` typed at the prompt.
 *
 * @example
 * const run = await cliInProcess(["verify", cookie], { SECRET_KEY: secret });
 */
export async function cliInProcess(argv: string[], env: Record<string, string> = {}, secret = ""): Promise<CliRun> {
  let out = "";
  let err = "";
  const code = await main(argv, {
    out: (line) => void (out += `${line}\n`),
    err: (line) => void (err += `${line}\n`),
    env: { ...CLEAN, ...env },
    readSecret: async () => secret,
  });
  return { code, out, err };
}

/**
 * `bin/sessionkit.mjs argv` in its own process (killed after 60 s).
 *
 * @example
 * const run = await cliProcess(["sessions", "list"], { SESSION_STORE: "sqlite:./s.db" });
 */
export function cliProcess(argv: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...CLEAN, ...env } });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (err += c.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}
