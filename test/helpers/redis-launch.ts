/**
 * Starting a throwaway redis-server on a port of its own, for the helpers
 * that run one (fault-redis.ts, redis-cluster.ts).
 *
 * Redis cannot pick its own port (`--port 0` turns TCP off), so a spare port
 * is found first, and another process may take it before redis-server binds
 * it. The server then exits ("Address already in use"), or the check that it
 * is up meets the other process and reports a server that is not there. So a
 * start counts only once the server answering on the port reports our child's
 * process id (`INFO server`); a child that exits first, or a port another
 * Redis answers on, is tried again on a new port (server-launch.ts).
 */
import { connect } from "node:net";
import { launchServer, relaunchServer, type LaunchedServer, type ServerKind } from "./server-launch.js";

/** A redis-server this process started, answering on `port`. */
export type LaunchedRedis = LaunchedServer;

function redisKind(args: (port: number) => string[]): ServerKind {
  // A server started with --requirepass answers INFO only after AUTH with it.
  const argv = args(0);
  const at = argv.indexOf("--requirepass");
  const password = at >= 0 ? argv[at + 1] : undefined;
  return { command: "redis-server", args, pid: (port) => serverPid(port, password) };
}

/**
 * Start redis-server with `args(port)` on a port from `pickPort`, trying
 * again on another port when the first is taken by the time the server binds.
 *
 * @example
 * const { port, proc } = await launchRedis((p) => ["--port", String(p), "--bind", "127.0.0.1"], sparePort);
 */
export function launchRedis(args: (port: number) => string[], pickPort: () => Promise<number>): Promise<LaunchedRedis> {
  return launchServer(redisKind(args), pickPort);
}

/**
 * Start redis-server on `port` again (a restart on the same port and
 * directory); rejects, saying why, when it cannot have that port.
 *
 * @example
 * await relaunchRedis(args, port);
 */
export function relaunchRedis(args: (port: number) => string[], port: number): Promise<LaunchedRedis> {
  return relaunchServer(redisKind(args), port);
}

/**
 * The process id the Redis server on `port` reports (`INFO server`, after
 * `AUTH password` when given), or undefined when nothing answers as Redis
 * within a second.
 *
 * @example
 * (await serverPid(port)) === child.pid; // the server there is ours
 */
export function serverPid(port: number, password?: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    let text = "";
    const socket = connect(port, "127.0.0.1");
    const done = (pid: number | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(pid);
    };
    const timer = setTimeout(() => done(undefined), 1_000);
    const command = (...words: string[]): string => `*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join("")}`;
    socket.on("connect", () => socket.write((password === undefined ? "" : command("AUTH", password)) + command("INFO", "server")));
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
