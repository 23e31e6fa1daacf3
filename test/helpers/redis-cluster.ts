/**
 * Throwaway Redis servers for tests that must not touch the shared one:
 * a single `redis-server` (fault tests: kill it, flush its scripts) and a
 * 3-master Redis Cluster, each on spare ports in a temp dir, stopped and
 * removed after.
 */
import { spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchRedis } from "./redis-launch.js";

/** A running throwaway server. */
export interface RedisProcess {
  port: number;
  proc: ChildProcess;
  /** Stop it now (SIGKILL: a crash, not a clean shutdown). Idempotent. */
  kill(): Promise<void>;
}

/** A running throwaway cluster. */
export interface RedisClusterHandle {
  ports: number[];
  rootNodes: Array<{ url: string }>;
  stop(): Promise<void>;
}

/** True when `redis-server` and `redis-cli` are on the PATH. */
export function haveRedisBinaries(): boolean {
  const probe = (bin: string) => spawnSync(bin, ["--version"], { encoding: "utf8" }).status === 0;
  return probe("redis-server") && probe("redis-cli");
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A port in 20000–29999 whose cluster bus port (+10000) is free too, when looked at (another process may take either before the server binds it). */
async function sparePort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    if (taken.has(port)) continue;
    if ((await portFree(port)) && (await portFree(port + 10_000))) {
      taken.add(port);
      return port;
    }
  }
  throw new Error("no spare port found for a test redis-server");
}

async function waitFor(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

function cli(port: number, ...args: string[]): string {
  const run = spawnSync("redis-cli", ["-p", String(port), ...args], { encoding: "utf8", timeout: 10_000 });
  return run.stdout ?? "";
}

/** A redis-server on a port from `pickPort`, tried again on a new port when the picked one is taken by the time it binds (see redis-launch.ts). */
async function startServer(dir: string, pickPort: () => Promise<number>, extra: (port: number) => string[]): Promise<RedisProcess> {
  const { port, proc, exited } = await launchRedis(
    (p) => ["--port", String(p), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no", "--daemonize", "no", ...extra(p)],
    pickPort,
  );
  return {
    port,
    proc,
    kill: () =>
      new Promise<void>((resolve) => {
        if (exited()) return resolve();
        proc.once("exit", () => resolve());
        proc.kill("SIGKILL");
      }),
  };
}

/**
 * Start one standalone redis-server on a spare port (or one from
 * `pickPort`; tried again on a new port when the picked one is taken by the
 * time the server binds it).
 *
 * @example
 * const server = await startRedisServer(); try { ... } finally { await server.stop(); }
 */
export async function startRedisServer(options: { pickPort?: () => Promise<number> } = {}): Promise<RedisProcess & { stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "sk-redis-"));
  const taken = new Set<number>();
  let server: RedisProcess;
  try {
    server = await startServer(dir, options.pickPort ?? (() => sparePort(taken)), () => []);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    ...server,
    stop: async () => {
      await server.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Start a 3-master Redis Cluster (no replicas) on spare ports, built with
 * `redis-cli --cluster create`, and wait until every node reports
 * `cluster_state:ok`.
 *
 * @example
 * const cluster = await startRedisCluster();
 * const client = await createCluster({ rootNodes: cluster.rootNodes }).connect();
 * after(() => cluster.stop());
 */
export async function startRedisCluster(): Promise<RedisClusterHandle> {
  const dir = mkdtempSync(join(tmpdir(), "sk-redis-cluster-"));
  const taken = new Set<number>();
  const servers: RedisProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.kill()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 3; i += 1) {
      servers.push(
        await startServer(dir, () => sparePort(taken), (port) => [
          "--cluster-enabled", "yes",
          "--cluster-config-file", `nodes-${port}.conf`,
          "--cluster-node-timeout", "5000",
        ]),
      );
    }
    const ports = servers.map((s) => s.port);
    const create = spawnSync(
      "redis-cli",
      ["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", "0", "--cluster-yes"],
      { encoding: "utf8", timeout: 30_000 },
    );
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
    await waitFor(
      "cluster_state:ok on every node",
      () => ports.every((p) => cli(p, "CLUSTER", "INFO").includes("cluster_state:ok")),
      30_000,
    );
    return { ports, rootNodes: ports.map((p) => ({ url: `redis://127.0.0.1:${p}` })), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
