/**
 * Servers a test starts itself, on a spare loopback port in a temporary
 * folder, and stops afterwards: MariaDB (mariadbd) and Memcached. Tests never
 * touch the machine's shared MariaDB on 3306. When a binary is missing the
 * start resolves a reason to skip, which `serviceUnavailable` turns into a
 * failure under CI=true.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
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
  // A temporary folder of its own: in the shared /tmp, two servers bootstrapping at once remove each
  // other's temporary tables (`#sql-temptable-…`) and the install fails.
  const temp = join(dir, "tmp");
  await mkdir(temp);
  const root = process.getuid?.() === 0 ? ["--user=root"] : [];
  const install = spawnSync(installer, ["--no-defaults", `--datadir=${data}`, `--tmpdir=${temp}`, "--auth-root-authentication-method=normal", "--skip-test-db", ...root], {
    encoding: "utf8",
    timeout: 120_000,
  });
  if (install.status !== 0) {
    await rm(dir, { recursive: true, force: true });
    const said = `${install.stderr ?? ""}\n${install.stdout ?? ""}`.split("\n").find((line) => /ERROR/.test(line))?.trim();
    return { skip: `mariadb-install-db failed (exit ${install.status ?? install.signal})${said ? `: ${said}` : ""}` };
  }
  const socket = join(dir, "mysqld.sock");
  const launch = (port: number): ChildProcess =>
    spawn(
      daemon,
      [
        "--no-defaults",
        `--datadir=${data}`,
        `--tmpdir=${temp}`,
        `--socket=${socket}`,
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
  // mariadbd binds its TCP port before it creates its socket file, and exits if the bind fails: once
  // this server's own socket answers, the port is this server's.
  const ours = (_port: number, child: ChildProcess) => accepts({ path: socket }, 60_000, child);
  try {
    const { child, port } = await listening(launch, ours, 60_000);
    return { server: stopper(child, dir, port) };
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
export async function startMemcached(extra: readonly string[] = []): Promise<StartResult> {
  const binary = ["/usr/bin/memcached", "/usr/local/bin/memcached"].find((path) => existsSync(path));
  if (!binary) return { skip: "Memcached is not installed (apt-get install memcached)" };
  const dir = await mkdtemp(join(tmpdir(), "sk-memcached-"));
  const root = process.getuid?.() === 0 ? ["-u", "root"] : [];
  const launch = (port: number): ChildProcess =>
    spawn(binary, ["-l", "127.0.0.1", "-p", String(port), "-U", "0", "-m", "64", ...root, ...extra], { stdio: "ignore" });
  // The server on the port says its pid in `stats`: it must be this child.
  const ours = async (port: number, child: ChildProcess) => (await memcachedPid(port)) === child.pid;
  try {
    const { child, port } = await listening(launch, ours, 10_000);
    return { server: stopper(child, dir, port) };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    return { skip: `memcached did not start (${(error as Error).message})` };
  }
}

/**
 * Start a server on a spare port and resolve once it is the one listening
 * there. The port is free when chosen but not held, so another process may
 * bind it first: the server then fails to bind and exits, or `ours` finds
 * someone else answering, and the server is started again on another port.
 */
async function listening(
  launch: (port: number) => ChildProcess,
  ours: (port: number, child: ChildProcess) => Promise<boolean>,
  timeoutMs: number,
): Promise<{ child: ChildProcess; port: number }> {
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await sparePort();
    const child = launch(port);
    try {
      await waitForPort(port, timeoutMs, child);
      if ((await ours(port, child)) && child.exitCode === null) return { child, port };
      last = new Error(`another process answered on port ${port}`);
    } catch (error) {
      last = error;
    }
    child.kill("SIGKILL");
    await exited(child);
  }
  throw last;
}

/** Whether something accepts connections at `target` before `child` exits or `timeoutMs` passes. */
async function accepts(target: { path: string }, timeoutMs: number, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (child.exitCode === null && child.signalCode === null && Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection(target);
      socket.once("connect", () => (socket.destroy(), resolve(true)));
      socket.once("error", () => resolve(false));
    });
    if (open) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/** The pid a memcached on `port` reports in `stats`, or undefined when what answers is not one. */
async function memcachedPid(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let text = "";
    const done = (pid: number | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(pid);
    };
    const timer = setTimeout(() => done(undefined), 10_000);
    socket.once("connect", () => socket.write("stats\r\n"));
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      if (/\r\n(END|ERROR)\r\n$|^ERROR\r\n$/.test(text)) done(Number(/^STAT pid (\d+)\r$/m.exec(text)?.[1]) || undefined);
    });
    socket.once("error", () => done(undefined));
    socket.once("close", () => done(undefined));
  });
}
