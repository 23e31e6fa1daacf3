/**
 * Helpers for the tests that start the tutorial as `npm start` does and
 * watch it fail: run it to its exit, make a folder this process's tutorial
 * cannot write, start a private redis-server that refuses to serve, and log
 * in as a browser would.
 */
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchRedis, relaunchRedis } from "../helpers/redis-launch.js";
import { sparePort } from "../helpers/server-launch.js";
import { form, type Reply, type Visitor } from "./client.js";

const ROOT = new URL("../../", import.meta.url).pathname;
const TUTORIAL = ["--conditions=source", "--import", "tsx", "examples/tutorial/server.ts"];

/**
 * How a run ended.
 *
 * @example
 * const run: Exited = await runToExit({ SESSION_STORE: "redis://127.0.0.1:1" });
 */
export interface Exited {
  /** The exit code, or null when it had to be killed (it did not exit on its own). */
  code: number | null;
  /** stdout and stderr together. */
  output: string;
  /** From spawn to exit. */
  ms: number;
}

/** Run as another user (root cannot be refused a write by a file mode). */
export interface RunAs {
  uid: number;
  gid: number;
}

/**
 * Start the tutorial with `env` added and wait for it to exit (killed after `killAfterMs`).
 *
 * @example
 * const { code, output } = await runToExit({ SESSION_STORE: "postgres://nobody@127.0.0.1:1/x" });
 */
export async function runToExit(env: Record<string, string>, options: { runAs?: RunAs | undefined; killAfterMs?: number } = {}): Promise<Exited> {
  const started = performance.now();
  const child = spawn(process.execPath, TUTORIAL, {
    cwd: ROOT,
    env: { ...process.env, SECRET_KEY: "tutorial-startup-test-secret-0123456789ab", PORT: "0", HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    ...(options.runAs ?? {}),
  });
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString("utf8")));
  child.stderr.on("data", (c: Buffer) => (output += c.toString("utf8")));
  const timer = setTimeout(() => child.kill("SIGKILL"), options.killAfterMs ?? 20_000);
  const [code] = (await once(child, "close")) as [number | null];
  clearTimeout(timer);
  return { code, output, ms: performance.now() - started };
}

/**
 * A folder the tutorial cannot write: mode 0555 for an ordinary user; for
 * root (whom modes do not stop) a root-owned 0755 folder and a tutorial run
 * as `nobody`.
 *
 * @example
 * const { dir, runAs } = unwritableFolder(); await runToExit({ SESSION_STORE: `file:${dir}` }, { runAs });
 */
export function unwritableFolder(): { dir: string; runAs: RunAs | undefined } {
  const dir = mkdtempSync(join(tmpdir(), "sk-unwritable-"));
  if (process.getuid?.() === 0) {
    chmodSync(dir, 0o755);
    return { dir, runAs: { uid: 65534, gid: 65534 } };
  }
  chmodSync(dir, 0o555);
  return { dir, runAs: undefined };
}

/**
 * How long this machine takes to start the tutorial and exit at once (a
 * configuration error found before any store is touched): the cost of
 * booting Node, tsx and Express, which no start-up check can save.
 *
 * @example
 * const bootMs = await bootCost();
 */
export async function bootCost(): Promise<number> {
  const run = await runToExit({ SESSION_STORE: "mongodb://127.0.0.1/x" });
  return run.ms;
}

/**
 * Why redis-server cannot be started here, or undefined.
 *
 * @example
 * const missing = redisServerMissing(); if (missing) serviceUnavailable("auth", missing);
 */
export function redisServerMissing(): string | undefined {
  const probe = spawnSync("redis-server", ["--version"], { encoding: "utf8", timeout: 10_000 });
  return probe.status === 0 ? undefined : "redis-server is not installed (apt-get install redis-server)";
}

/**
 * A private redis-server on `port` (default: a free one), with `args` (as `--requirepass x`).
 * Never the shared one: this one is ours to refuse and to stop.
 *
 * @example
 * const redis = await startRedisServer(["--requirepass", "x"]); await redis.stop();
 */
export async function startRedisServer(args: string[], port?: number): Promise<{ port: number; stop(): Promise<void> }> {
  // The server must be ours (it reports the child's pid), and a spare port taken before it binds is traded for another (server-launch.ts).
  const argv = (p: number): string[] => ["--port", String(p), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...args];
  const server = port === undefined ? await launchRedis(argv, sparePort) : await relaunchRedis(argv, port);
  const { proc: child, exited } = server;
  const stopped = once(child, "exit");
  const stop = async (): Promise<void> => {
    if (exited()) return;
    child.kill("SIGTERM");
    await stopped;
  };
  return { port: server.port, stop };
}

/**
 * Log in through the form as a browser does: GET /login, send back the
 * form's hidden fields (a CSRF token, when the page has one) with this
 * site's Origin. Resolves the reply to the POST.
 *
 * @example
 * await logIn(new Visitor(app.url), "alice");
 */
export async function logIn(visitor: Visitor, username: string): Promise<Reply> {
  const page = await visitor.get("/login");
  const hidden = Object.fromEntries([...page.body.matchAll(/<input type="hidden" name="([\w-]+)" value="([\w-]*)">/g)].map((m) => [m[1]!, m[2]!]));
  return visitor.send("/login", {
    method: "POST",
    body: form({ ...hidden, username, password: "pw" }),
    headers: { "content-type": "application/x-www-form-urlencoded", origin: new URL(visitor.baseUrl).origin },
  });
}
