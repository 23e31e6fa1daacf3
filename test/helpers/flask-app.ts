/**
 * Child processes for the tutorial tests: a real Flask app, or a real
 * tutorial process, started on a spare port, waited for, and stopped after.
 * Every wait is bounded; a process that does not come up fails with the tail
 * of its stderr, which is the first thing one needs to see.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { sparePort as freePort } from "./server-launch.js";

/**
 * A child process serving HTTP.
 *
 * @example
 * const flask: ServedProcess = await startFlaskPeer(secret); await flask.stop();
 */
export interface ServedProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** What the process wrote on stderr so far (last 8 KB). */
  stderr(): string;
  /** Stop it (SIGTERM, then SIGKILL after 3 s) and wait for it to exit. */
  stop(): Promise<void>;
}

// A TCP port nobody listens on right now (the system picks it; another process may take it before it is used).
export { freePort };

/**
 * Options of {@link serveProcess}.
 *
 * @example
 * const options: ServeOptions = { cwd: "/work/main", timeoutMs: 30_000 };
 */
export interface ServeOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** How long to wait for the first answer (default 60 s: booting Python or tsx on a loaded machine). */
  timeoutMs?: number;
}

/**
 * Start `command args` and wait until `http://127.0.0.1:PORT/` answers.
 *
 * @example
 * const app = await serveProcess("python3", [script, String(port), secret], port);
 * await app.stop();
 */
export async function serveProcess(command: string, args: string[], port: number, options: ServeOptions = {}): Promise<ServedProcess> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    err = (err + chunk.toString("utf8")).slice(-8192);
  });
  const exited = once(child, "exit");
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${command} exited with ${child.exitCode} before serving: ${err.trim()}`);
    const up = await fetch(url, { signal: AbortSignal.timeout(1_000), redirect: "manual" }).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${command} did not serve ${url} within ${timeoutMs} ms: ${err.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  return { url, port, child, stderr: () => err, stop };
}

/**
 * Why real Flask cannot run here, or undefined when `python3 -c "import flask"` works.
 *
 * @example
 * const reason = flaskUnavailable(); if (reason) serviceUnavailable("flask interop", reason);
 */
export function flaskUnavailable(): string | undefined {
  const probe = spawnSync("python3", ["-c", "import flask"], { encoding: "utf8", timeout: 15_000 });
  if (probe.error) return `python3 cannot be run (${(probe.error as NodeJS.ErrnoException).code ?? probe.error.name})`;
  if (probe.status !== 0) return "python3 has no Flask (pip install Flask==3.1.3)";
  return undefined;
}

/**
 * Start the tutorial (`examples/tutorial/server.ts`) as its own process, as
 * `npm start` does, with `env` added to this process's environment.
 *
 * @example
 * const a = await startTutorialProcess({ SECRET_KEY: secret, SESSION_STORE: "redis://127.0.0.1:6379" });
 */
export async function startTutorialProcess(env: Record<string, string>): Promise<ServedProcess> {
  const root = new URL("../../", import.meta.url).pathname;
  const port = await freePort();
  const args = ["--conditions=source", "--import", "tsx", "examples/tutorial/server.ts"];
  // HOST: listen on 127.0.0.1 only, where serveProcess looks.
  return serveProcess(process.execPath, args, port, { cwd: root, env: { ...process.env, ...env, PORT: String(port), HOST: "127.0.0.1" } });
}

/**
 * Start scripts/flask/tutorial_peer.py with `secret` on a spare port.
 *
 * @example
 * const flask = await startFlaskPeer(secret); await fetch(`${flask.url}/whoami`); await flask.stop();
 */
export async function startFlaskPeer(secret: string): Promise<ServedProcess> {
  const script = new URL("../../scripts/flask/tutorial_peer.py", import.meta.url).pathname;
  const port = await freePort();
  return serveProcess("python3", ["-W", "ignore", script, String(port), secret], port);
}
