/**
 * Servers a test starts itself, on a spare loopback port in a temporary
 * folder, and stops afterwards: MariaDB (mariadbd) and Memcached. Tests never
 * touch the machine's shared MariaDB on 3306. When a binary is missing the
 * start resolves a reason to skip, which `serviceUnavailable` turns into a
 * failure under CI=true.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A server this test started. */
export interface SpawnedServer {
  readonly port: number;
  /** The folder the server keeps its files in (deleted by `stop`). */
  readonly dir: string;
  /** Stop the server (SIGTERM, then SIGKILL after 10 s) and delete its folder. */
  stop(): Promise<void>;
  /** Kill the server at once (SIGKILL), as a crash would, keeping its folder. */
  kill(): Promise<void>;
}

/** The server, or why it could not be started. */
export type StartResult = { server: SpawnedServer; skip?: undefined } | { server?: undefined; skip: string };

/** A port nothing listens on right now (the kernel's choice; the server binds it a moment later). */
export async function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** Resolve once something accepts TCP connections on `port`, or reject after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode} before it listened`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: "127.0.0.1", port });
      socket.once("connect", () => (socket.destroy(), resolve(true)));
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

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
export async function startMariadb(): Promise<StartResult> {
  const daemon = ["/usr/sbin/mariadbd", "/usr/sbin/mysqld"].find((path) => existsSync(path));
  const installer = spawnSync("sh", ["-c", "command -v mariadb-install-db"], { encoding: "utf8" }).stdout.trim();
  if (!daemon || !installer) return { skip: "MariaDB is not installed (mariadbd, mariadb-install-db; apt-get install mariadb-server)" };
  const dir = await mkdtemp(join(tmpdir(), "sk-mariadb-"));
  const data = join(dir, "data");
  const root = process.getuid?.() === 0 ? ["--user=root"] : [];
  const install = spawnSync(installer, ["--no-defaults", `--datadir=${data}`, "--auth-root-authentication-method=normal", "--skip-test-db", ...root], {
    encoding: "utf8",
    timeout: 120_000,
  });
  if (install.status !== 0) {
    await rm(dir, { recursive: true, force: true });
    return { skip: `mariadb-install-db failed (exit ${install.status ?? install.signal})` };
  }
  const port = await sparePort();
  const child = spawn(
    daemon,
    [
      "--no-defaults",
      `--datadir=${data}`,
      `--socket=${join(dir, "mysqld.sock")}`,
      `--pid-file=${join(dir, "mysqld.pid")}`,
      `--port=${port}`,
      "--bind-address=127.0.0.1",
      "--skip-name-resolve",
      "--skip-log-bin",
      "--innodb-buffer-pool-size=32M",
      "--innodb-log-file-size=16M",
      "--max-connections=200",
      ...root,
    ],
    { stdio: "ignore" },
  );
  const server = stopper(child, dir, port);
  try {
    await waitForPort(port, 60_000, child);
  } catch (error) {
    await server.stop();
    return { skip: `mariadbd did not start (${(error as Error).message})` };
  }
  return { server };
}

/**
 * Start a Memcached server of its own on a spare port, with `extra`
 * arguments (such as `["-I", "2k"]` for a smaller item size limit).
 *
 * @example
 * const { server, skip } = await startMemcached();
 */
export async function startMemcached(extra: readonly string[] = []): Promise<StartResult> {
  const binary = ["/usr/bin/memcached", "/usr/local/bin/memcached"].find((path) => existsSync(path));
  if (!binary) return { skip: "Memcached is not installed (apt-get install memcached)" };
  const dir = await mkdtemp(join(tmpdir(), "sk-memcached-"));
  const port = await sparePort();
  const root = process.getuid?.() === 0 ? ["-u", "root"] : [];
  const child = spawn(binary, ["-l", "127.0.0.1", "-p", String(port), "-U", "0", "-m", "64", ...root, ...extra], { stdio: "ignore" });
  const server = stopper(child, dir, port);
  try {
    await waitForPort(port, 10_000, child);
  } catch (error) {
    await server.stop();
    return { skip: `memcached did not start (${(error as Error).message})` };
  }
  return { server };
}
