/**
 * Starting a throwaway server (redis-server, memcached, mariadbd, a
 * PostgreSQL cluster) on a port of its own, for the helpers that run one.
 *
 * The port is found free and released, then handed to the server, so another
 * process may take it before the server binds it. The server then exits
 * ("Address already in use"), or a check that only asks whether something
 * accepts connections there meets the other process and reports a server that
 * is not there. So a start counts only once the server answering on the port
 * reports our child's process id; a child that exits first, or a port another
 * server answers on, is tried again on a new port, a bounded number of times.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";

/** A server this process started, answering on `port`. */
export interface LaunchedServer {
  port: number;
  proc: ChildProcess;
  /** Whether the process has exited (killed or crashed). */
  exited(): boolean;
}

/** How to run one kind of server and tell that the one on a port is ours. */
export interface ServerKind {
  /** The program, named in messages ("redis-server"). */
  command: string;
  args(port: number): string[];
  /**
   * The process id the server answering on `port` reports, or undefined
   * when nothing answers there as this kind of server (yet). Settles within
   * a few seconds.
   */
  pid(port: number): Promise<number | undefined>;
  /** How long one try waits for its server to answer (default 10 s). */
  readyMs?: number;
}

/** How many ports one start tries before it gives up. */
export const ATTEMPTS = 5;

/**
 * A TCP port nothing listens on right now on 127.0.0.1 (the kernel's pick;
 * bound then released: another process may take it before it is used).
 *
 * @example
 * const port = await sparePort();
 */
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

/**
 * Run `tryOn` on ports from `pickPort` until one try gives a server, at most
 * {@link ATTEMPTS} ports; a try that fails resolves why (a string), and the
 * error then lists each port with its reason.
 *
 * @example
 * const cluster = await onSomePort("postgres", sparePort, async (port) => (await started(port)) ?? "exited");
 */
export async function onSomePort<T>(name: string, pickPort: () => Promise<number>, tryOn: (port: number) => Promise<T | string>): Promise<T> {
  const failures: string[] = [];
  for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
    const port = await pickPort();
    const started = await tryOn(port);
    if (typeof started !== "string") return started;
    failures.push(`port ${port}: ${started}`);
  }
  throw new Error(`${name} did not start on any of ${ATTEMPTS} ports:\n${failures.join("\n")}`);
}

/**
 * Start a server of `kind` on a port from `pickPort`, trying again on another
 * port when the first is taken by the time the server binds it.
 *
 * @example
 * const { port, proc } = await launchServer(memcachedKind, sparePort);
 */
export function launchServer(kind: ServerKind, pickPort: () => Promise<number>): Promise<LaunchedServer> {
  return onSomePort(kind.command, pickPort, (port) => tryLaunch(kind, port));
}

/**
 * Start a server of `kind` on `port` again (a restart on the same port and
 * folder); rejects, saying why, when it cannot have that port.
 *
 * @example
 * await relaunchServer(kind, port);
 */
export async function relaunchServer(kind: ServerKind, port: number): Promise<LaunchedServer> {
  const started = await tryLaunch(kind, port);
  if (typeof started === "string") throw new Error(`${kind.command} did not start again on port ${port}: ${started}`);
  return started;
}

/** One try: the running server, or why it is not (the child is gone by then). */
async function tryLaunch(kind: ServerKind, port: number): Promise<LaunchedServer | string> {
  const readyMs = kind.readyMs ?? 10_000;
  const proc = spawn(kind.command, kind.args(port), { stdio: ["ignore", "pipe", "pipe"] });
  // Kept for the error message; read continuously, so that a full pipe never blocks the server.
  let log = "";
  const keep = (chunk: Buffer): void => void (log = (log + chunk.toString()).slice(-2_000));
  proc.stdout!.on("data", keep);
  proc.stderr!.on("data", keep);
  let exit: string | undefined;
  const ended = new Promise<undefined>((resolve) => {
    proc.once("exit", (code, signal) => resolve(void (exit = `exited at start (${signal ?? `code ${code}`})`)));
    proc.once("error", (err) => resolve(void (exit = `could not be run (${err.message})`)));
  });
  const deadline = Date.now() + readyMs;
  for (;;) {
    if (exit !== undefined) return `${exit}; its log ends: ${lastLine(log)}`;
    // A process holding the port that is not this kind of server never answers: the child's exit ends the wait.
    const pid = await Promise.race([kind.pid(port), ended]);
    if (pid !== undefined && pid === proc.pid && exit === undefined) return { port, proc, exited: () => exit !== undefined };
    if (pid !== undefined || Date.now() > deadline) {
      await killed(proc, () => exit !== undefined);
      const why = pid !== undefined ? `another ${kind.command} (pid ${pid}) answers there` : `no answer in ${readyMs} ms`;
      return `${why}; its log ends: ${lastLine(log)}`;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The line of a server's output that says why it stopped: its last error
 * line (ERROR, FATAL or PANIC, but not a bare "Aborting") when it wrote one,
 * else its last line.
 *
 * @example
 * lastLine("[ERROR] Bind on TCP/IP port: in use\n[ERROR] Aborting\n"); // "[ERROR] Bind on TCP/IP port: in use"
 */
export function lastLine(log: string): string {
  const lines = log.split("\n").map((line) => line.trim()).filter((line) => line !== "" && !/\bAborting$/.test(line));
  return lines.filter((line) => /\b(ERROR|FATAL|PANIC)\b/.test(line)).pop() ?? lines.pop() ?? "(nothing)";
}

async function killed(proc: ChildProcess, exited: () => boolean): Promise<void> {
  if (exited()) return;
  const gone = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  proc.kill("SIGKILL");
  await gone;
}
