/**
 * Servers a test starts itself, on a spare loopback port in a temporary
 * folder, and stops afterwards: MariaDB (mariadbd) and Memcached. Tests never
 * touch the machine's shared MariaDB on 3306. When a binary is missing the
 * start resolves a reason to skip, which `serviceUnavailable` turns into a
 * failure under CI=true.
 *
 * A start counts only once the server answering on the port reports the
 * child's process id, and moves to a new port when another process took the
 * picked one first (server-launch.ts).
 */
import { execFile as execFileCallback, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import mysql from "mysql2/promise";
import { launchServer, sparePort, type ServerKind } from "./server-launch.js";

export { sparePort };

const execFile = promisify(execFileCallback);

/** A server this test started. */
export interface SpawnedServer {
  readonly port: number;
  /** The server's process id. */
  readonly pid: number;
  /** The folder the server keeps its files in (deleted by `stop`). */
  readonly dir: string;
  /** Stop the server (SIGTERM, then SIGKILL after 10 s) and delete its folder. */
  stop(): Promise<void>;
  /** Kill the server at once (SIGKILL), as a crash would, keeping its folder. */
  kill(): Promise<void>;
}

/** Where a start takes its port from (default: a spare one); a test hands it a taken one. */
export interface StartOptions {
  pickPort?: () => Promise<number>;
}

/** The server, or why it could not be started. */
export type StartResult = { server: SpawnedServer; skip?: undefined } | { server?: undefined; skip: string };

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once("exit", () => resolve()));
}

function stopper(child: ChildProcess, dir: string, port: number): SpawnedServer {
  let stopped: Promise<void> | undefined;
  const kill = async (): Promise<void> => {
    child.kill("SIGKILL");
    await exited(child);
  };
  return {
    port,
    pid: child.pid!,
    dir,
    kill,
    stop: () =>
      (stopped ??= (async () => {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited(child);
        clearTimeout(timer);
        await rm(dir, { recursive: true, force: true });
      })()),
  };
}

/**
 * Start a MariaDB server of its own: `mariadb-install-db` into a temporary
 * folder, then `mariadbd` on a spare port (root, empty password, no binary
 * log, a small buffer pool). About 8 s on this machine.
 *
 * @example
 * const { server, skip } = await startMariadb();
 * after(() => server?.stop());
 */
export async function startMariadb(options: StartOptions = {}): Promise<StartResult> {
  const daemon = ["/usr/sbin/mariadbd", "/usr/sbin/mysqld"].find((path) => existsSync(path));
  const installer = spawnSync("sh", ["-c", "command -v mariadb-install-db"], { encoding: "utf8" }).stdout.trim();
  if (!daemon || !installer) return { skip: "MariaDB is not installed (mariadbd, mariadb-install-db; apt-get install mariadb-server)" };
  const dir = await mkdtemp(join(tmpdir(), "sk-mariadb-"));
  const data = join(dir, "data");
  // A temporary folder of its own: in the shared /tmp, two servers bootstrapping at once remove each
  // other's temporary tables (`#sql-temptable-…`) and the install fails.
  const temp = join(dir, "tmp");
  await mkdir(temp);
  const root = process.getuid?.() === 0 ? ["--user=root"] : [];
  // Run without blocking: the install takes seconds, and a file's other suites probe their services meanwhile
  // (cli-sessions.test.ts's PostgreSQL probe timed out behind a spawnSync here).
  const install = await execFile(installer, ["--no-defaults", `--datadir=${data}`, `--tmpdir=${temp}`, "--auth-root-authentication-method=normal", "--skip-test-db", ...root], {
    encoding: "utf8",
    timeout: 120_000,
  }).then(
    () => undefined,
    (error: { code?: number | string; signal?: string | null; stdout?: string; stderr?: string }) => ({ exit: error.code ?? error.signal, output: `${error.stderr ?? ""}\n${error.stdout ?? ""}` }),
  );
  if (install !== undefined) {
    await rm(dir, { recursive: true, force: true });
    const said = install.output.split("\n").find((line) => /ERROR/.test(line))?.trim();
    return { skip: `mariadb-install-db failed (exit ${install.exit})${said ? `: ${said}` : ""}` };
  }
  const pidFile = join(dir, "mysqld.pid");
  const kind: ServerKind = {
    command: daemon,
    args: (port) => [
      "--no-defaults",
      `--datadir=${data}`,
      `--tmpdir=${temp}`,
      `--socket=${join(dir, "mysqld.sock")}`,
      `--pid-file=${pidFile}`,
      `--port=${port}`,
      "--bind-address=127.0.0.1",
      "--skip-name-resolve",
      "--skip-log-bin",
      "--innodb-buffer-pool-size=32M",
      "--innodb-log-file-size=16M",
      "--max-connections=200",
      ...root,
    ],
    pid: mariadbPid,
    readyMs: 60_000,
  };
  try {
    const { proc, port } = await launchServer(kind, options.pickPort ?? sparePort);
    return { server: stopper(proc, dir, port) };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    return { skip: `mariadbd did not start (${(error as Error).message})` };
  }
}

/**
 * Start a Memcached server of its own on a spare port, with `extra`
 * arguments (such as `["-I", "2k"]` for a smaller item size limit).
 *
 * @example
 * const { server, skip } = await startMemcached();
 */
export async function startMemcached(extra: readonly string[] = [], options: StartOptions = {}): Promise<StartResult> {
  const binary = ["/usr/bin/memcached", "/usr/local/bin/memcached"].find((path) => existsSync(path));
  if (!binary) return { skip: "Memcached is not installed (apt-get install memcached)" };
  const dir = await mkdtemp(join(tmpdir(), "sk-memcached-"));
  const root = process.getuid?.() === 0 ? ["-u", "root"] : [];
  const kind: ServerKind = { command: binary, args: (port) => ["-l", "127.0.0.1", "-p", String(port), "-U", "0", "-m", "64", ...root, ...extra], pid: memcachedPid };
  try {
    const { proc, port } = await launchServer(kind, options.pickPort ?? sparePort);
    return { server: stopper(proc, dir, port) };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    return { skip: `memcached did not start (${(error as Error).message})` };
  }
}

/**
 * The process id of the MariaDB server on `port`: the contents of the pid
 * file it names (`@@pid_file`), or undefined when it does not answer root
 * without a password yet (or at all: it is not a throwaway one).
 *
 * @example
 * (await mariadbPid(server.port)) === server.pid;
 */
export async function mariadbPid(port: number): Promise<number | undefined> {
  try {
    const connection = await mysql.createConnection({ host: "127.0.0.1", port, user: "root", connectTimeout: 1_000 });
    try {
      const [rows] = await connection.query("SELECT @@pid_file AS file");
      const file = (rows as Array<{ file: string }>)[0]?.file;
      return file === undefined ? undefined : Number((await readFile(file, "utf8")).trim()) || undefined;
    } finally {
      connection.destroy();
    }
  } catch {
    return undefined;
  }
}

/**
 * The pid a memcached on `port` reports in `stats`, or undefined when what
 * answers is not one (within a second).
 *
 * @example
 * (await memcachedPid(server.port)) === server.pid;
 */
export async function memcachedPid(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let text = "";
    const done = (pid: number | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(pid);
    };
    const timer = setTimeout(() => done(undefined), 1_000);
    socket.once("connect", () => socket.write("stats\r\n"));
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      if (/\r\n(END|ERROR)\r\n$|^ERROR\r\n$/.test(text)) done(Number(/^STAT pid (\d+)\r$/m.exec(text)?.[1]) || undefined);
    });
    socket.once("error", () => done(undefined));
    socket.once("close", () => done(undefined));
  });
}
