/**
 * Servers of its own for `npm run bench:scale`: ten million sessions never
 * go into the shared Redis or the shared PostgreSQL's `test` database. A
 * `redis-server` without persistence and a throwaway PostgreSQL cluster
 * (initdb under the temp dir), each on a spare port (proven theirs, see
 * test/helpers/server-launch.ts), stopped and removed at
 * the end, also when the run fails or is interrupted.
 */
import { spawnSync, type ChildProcess } from "node:child_process";
import { chownSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchRedis } from "../../test/helpers/redis-launch.js";
import { lastLine, onSomePort, sparePort } from "../../test/helpers/server-launch.js";

/** A server this run started: where to reach it, and how to end it. */
export interface OwnServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** Cleanups still owed, run synchronously if the process exits before `stop`. */
const owed = new Set<() => void>();
process.once("exit", () => {
  for (const cleanup of owed) cleanup();
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => process.exit(130));
}

export { sparePort };

/**
 * A `redis-server` on a spare port: no RDB snapshots, no AOF, so ten million
 * keys cost memory only, and nothing is written to disk when it stops.
 *
 * @example
 * const redis = await startRedis(); createClient({ url: redis.url }); await redis.stop();
 */
export async function startRedis(): Promise<OwnServer> {
  // Counted as started once the server on the port reports this child's pid; a port taken first is traded for another.
  const { port, proc: child } = await launchRedis((p) => ["--port", String(p), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], sparePort);
  const kill = (): void => void child.kill("SIGKILL");
  owed.add(kill);
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      // Without persistence, SIGTERM ends it at once.
      child.kill("SIGTERM");
      await exited(child);
      owed.delete(kill);
    },
  };
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once("exit", () => resolve()));
}

/** Where the PostgreSQL server's log (statements over a second, with their plans) is kept after the run. */
export const LOG_COPY = join(tmpdir(), "sessionkit-scale-postgres.log");

/** The newest installed PostgreSQL's bin directory (Debian's layout), or undefined. */
function postgresBin(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const version = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))[0];
  return version === undefined ? undefined : join(root, version, "bin");
}

/** The uid and gid of the `postgres` account (PostgreSQL refuses to run as root). */
function postgresAccount(): { uid: number; gid: number } {
  const line = readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith("postgres:"));
  const [, , uid, gid] = line?.split(":") ?? [];
  if (uid === undefined || gid === undefined) throw new Error("running as root and there is no postgres account to run PostgreSQL as");
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * A fresh PostgreSQL cluster under the temp dir on a spare port, trust auth
 * (or one from `pickPort`; a port taken before the postmaster binds it is
 * traded for another) on 127.0.0.1, durable commits as in production (only initdb skips fsync).
 * `sharedBuffersMb` sizes its cache; the rest of the table is read through
 * the OS page cache, as on a real server.
 *
 * @example
 * const pgServer = await startPostgres(1024); new pg.Pool({ connectionString: pgServer.url }); await pgServer.stop();
 */
export async function startPostgres(sharedBuffersMb: number, extraSettings: string[] = [], pickPort: () => Promise<number> = sparePort): Promise<OwnServer> {
  const bin = postgresBin();
  if (bin === undefined) throw new Error("no PostgreSQL server binaries under /usr/lib/postgresql");
  const dir = mkdtempSync(join(tmpdir(), "sessionkit-scale-pg-"));
  const data = join(dir, "data");
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { uid, gid } = postgresAccount();
    chownSync(dir, uid, gid);
  }
  const run = (command: string, args: string[]): void => {
    const [file, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", join(bin, command), ...args]] : [join(bin, command), args];
    const result = spawnSync(file, argv, { encoding: "utf8", timeout: 120_000 });
    if (result.status !== 0) throw new Error(`${command} failed (${result.status}): ${(result.stderr || result.stdout || "").slice(-400)}`);
  };
  const remove = (): void => {
    if (existsSync(join(dir, "server.log"))) copyFileSync(join(dir, "server.log"), LOG_COPY);
    if (existsSync(join(data, "postmaster.pid"))) {
      const [file, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", join(bin, "pg_ctl"), "-D", data, "-m", "immediate", "stop"]] : [join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "stop"]];
      spawnSync(file, argv, { stdio: "ignore", timeout: 60_000 });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  owed.add(remove);
  try {
    run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);
    // auto_explain logs the plan of any statement slower than a second: kept in LOG_COPY after the run.
    const explain = ["-c session_preload_libraries=auto_explain", "-c auto_explain.log_min_duration=1000", "-c log_min_duration_statement=1000"];
    const log = join(dir, "server.log");
    // `pg_ctl -w` returns once the postmaster it started says "ready" in this data directory's postmaster.pid,
    // so the server on the port is ours; when another process took the spare port first, the postmaster
    // exits, pg_ctl fails, and the start moves to a new port.
    const port = await onSomePort("postgres", pickPort, async (port) => {
      const settings = [`-p ${port}`, `-k ${dir}`, "-c listen_addresses=127.0.0.1", `-c shared_buffers=${sharedBuffersMb}MB`, "-c max_wal_size=4GB", ...explain, ...extraSettings.map((setting) => `-c ${setting}`)];
      try {
        run("pg_ctl", ["-D", data, "-l", log, "-w", "-t", "60", "-o", settings.join(" "), "start"]);
        return port;
      } catch (error) {
        return `${(error as Error).message.split("\n")[0]}; its log ends: ${lastLine(existsSync(log) ? readFileSync(log, "utf8").slice(-4_000) : "")}`;
      }
    });
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      stop: async () => {
        run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
        remove();
        owed.delete(remove);
      },
    };
  } catch (error) {
    remove();
    owed.delete(remove);
    throw error;
  }
}
