/**
 * A private redis-server for fault tests: its own spare port and directory,
 * AOF on with fsync on every write (so "committed" means on disk), and
 * methods to pause, resume, kill and restart it on the same port and dir.
 * Never touches the shared Redis on 6379.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchRedis, relaunchRedis, type LaunchedRedis } from "./redis-launch.js";
import { sparePort } from "./server-launch.js";

export { sparePort };

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
 * Start a private redis-server with AOF in a fresh temp directory, on a port
 * from `pickPort` (default: a spare one; tried again on a new port when
 * another process takes it before the server binds it, see redis-launch.ts).
 *
 * @example
 * const redis = await startPrivateRedis(); try { … } finally { await redis.stop(); }
 */
export async function startPrivateRedis(options: { pickPort?: () => Promise<number> } = {}): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), "sk-fault-redis-"));
  const args = (port: number): string[] => ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", dir];
  let server: LaunchedRedis;
  try {
    server = await launchRedis(args, options.pickPort ?? sparePort);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const { port } = server;
  const killNow = async (): Promise<void> => {
    const c = server.proc;
    if (server.exited()) return;
    const exited = new Promise<void>((resolve) => c.once("exit", () => resolve()));
    c.kill("SIGKILL");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
  };
  return {
    port,
    dir,
    pid: () => server.proc.pid!,
    pause: () => void server.proc.kill("SIGSTOP"),
    resume: () => void server.proc.kill("SIGCONT"),
    kill: killNow,
    // The same port and directory: the clients reconnect to it and the AOF is read back.
    restart: async () => {
      server = await relaunchRedis(args, port);
    },
    stop: async () => {
      if (!server.exited()) server.proc.kill("SIGCONT");
      await killNow();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
