/**
 * Starting a throwaway redis-server on a port of its own, for the helpers
 * that run one (fault-redis.ts, redis-cluster.ts).
 *
 * Redis cannot pick its own port (`--port 0` turns TCP off), so a spare port
 * is found first, and another process may take it before redis-server binds
 * it. The server then exits ("Address already in use"), or the check that it
 * is up meets the other process and reports a server that is not there. So a
 * start counts only once the server answering on the port reports our child's
 * process id; a child that exits first, or a port another Redis answers on,
 * is tried again on a new port.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { connect } from "node:net";

/** A redis-server this process started, answering on `port`. */
export interface LaunchedRedis {
  port: number;
  proc: ChildProcess;
  /** Whether the process has exited (killed or crashed). */
  exited(): boolean;
}

/** How many ports one start tries before it gives up. */
const ATTEMPTS = 5;
/** How long one try waits for its server to answer. */
const READY_MS = 10_000;

/**
 * Start redis-server with `args(port)` on a port from `pickPort`, trying
 * again on another port when the first is taken by the time the server binds.
 *
 * @example
 * const { port, proc } = await launchRedis((p) => ["--port", String(p), "--bind", "127.0.0.1"], sparePort);
 */
export async function launchRedis(args: (port: number) => string[], pickPort: () => Promise<number>): Promise<LaunchedRedis> {
  const failures: string[] = [];
  for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
    const port = await pickPort();
    const started = await tryLaunch(args(port), port);
    if (typeof started !== "string") return started;
    failures.push(`port ${port}: ${started}`);
  }
  throw new Error(`redis-server did not start on any of ${ATTEMPTS} ports:\n${failures.join("\n")}`);
}

/**
 * Start redis-server on `port` again (a restart on the same port and
 * directory); rejects, saying why, when it cannot have that port.
 *
 * @example
 * await relaunchRedis(args, port);
 */
export async function relaunchRedis(args: (port: number) => string[], port: number): Promise<LaunchedRedis> {
  const started = await tryLaunch(args(port), port);
  if (typeof started === "string") throw new Error(`redis-server did not start again on port ${port}: ${started}`);
  return started;
}

/** One try: the running server, or why it is not (the child is gone by then). */
async function tryLaunch(argv: string[], port: number): Promise<LaunchedRedis | string> {
  const proc = spawn("redis-server", argv, { stdio: ["ignore", "pipe", "pipe"] });
  // Kept for the error message; read continuously, so that a full pipe never blocks the server.
  let log = "";
  const keep = (chunk: Buffer): void => void (log = (log + chunk.toString()).slice(-1_000));
  proc.stdout!.on("data", keep);
  proc.stderr!.on("data", keep);
  let exit: string | undefined;
  const ended = new Promise<undefined>((resolve) => {
    proc.once("exit", (code, signal) => resolve(void (exit = `exited at start (${signal ?? `code ${code}`})`)));
    proc.once("error", (err) => resolve(void (exit = `could not be run (${err.message})`)));
  });
  const deadline = Date.now() + READY_MS;
  for (;;) {
    if (exit !== undefined) return `${exit}; its log ends: ${lastLine(log)}`;
    // A process holding the port that is not Redis never answers: the child's exit ends the wait.
    const pid = await Promise.race([serverPid(port), ended]);
    if (pid !== undefined && pid === proc.pid) return { port, proc, exited: () => exit !== undefined };
    if (pid !== undefined || Date.now() > deadline) {
      await killed(proc, () => exit !== undefined);
      return pid !== undefined ? `another redis-server (pid ${pid}) answers there` : `no answer in ${READY_MS} ms`;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function lastLine(log: string): string {
  return log.trim().split("\n").pop()?.trim() || "(nothing)";
}

async function killed(proc: ChildProcess, exited: () => boolean): Promise<void> {
  if (exited()) return;
  const gone = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  proc.kill("SIGKILL");
  await gone;
}

/**
 * The process id the Redis server on `port` reports (`INFO server`), or
 * undefined when nothing answers as Redis within a second.
 *
 * @example
 * (await serverPid(port)) === child.pid; // the server there is ours
 */
export function serverPid(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    let text = "";
    const socket = connect(port, "127.0.0.1");
    const done = (pid: number | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(pid);
    };
    const timer = setTimeout(() => done(undefined), 1_000);
    socket.on("connect", () => socket.write("*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n"));
    socket.on("data", (chunk) => {
      text += chunk.toString();
      const match = /\r\nprocess_id:(\d+)\r\n/.exec(text);
      if (match) done(Number(match[1]));
      else if (text.startsWith("-")) done(undefined); // an error reply (LOADING, or a password): not answering yet
    });
    socket.on("error", () => done(undefined));
    socket.on("close", () => done(undefined));
  });
}
