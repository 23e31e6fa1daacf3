/**
 * A private redis-server for fault tests: its own spare port and directory,
 * AOF on with fsync on every write (so "committed" means on disk), and
 * methods to pause, resume, kill and restart it on the same port and dir.
 * Never touches the shared Redis on 6379.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A spare TCP port on 127.0.0.1 (bound then released). */
export async function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolve once something accepts TCP connections on `port`, or reject after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; Date.now() < deadline && i < 1_000; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1", () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
}

/** A private Redis. */
export interface PrivateRedis {
  port: number;
  dir: string;
  pid(): number;
  pause(): void;
  resume(): void;
  kill(): Promise<void>;
  restart(): Promise<void>;
  /** Kill (if running) and remove the directory. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Start a private redis-server with AOF in a fresh temp directory.
 *
 * @example
 * const redis = await startPrivateRedis(); try { … } finally { await redis.stop(); }
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await sparePort();
  const dir = mkdtempSync(join(tmpdir(), "sk-fault-redis-"));
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    child = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", dir],
      { stdio: "ignore" },
    );
    await waitForPort(port);
  };
  const killNow = async (): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once("exit", () => resolve()));
    c.kill("SIGKILL");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
  };
  await launch();
  return {
    port,
    dir,
    pid: () => child!.pid!,
    pause: () => void child!.kill("SIGSTOP"),
    resume: () => void child!.kill("SIGCONT"),
    kill: killNow,
    restart: launch,
    stop: async () => {
      if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGCONT");
      await killNow();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
