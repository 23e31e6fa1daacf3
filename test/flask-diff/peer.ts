/**
 * A Python peer of the differential harness as a child process speaking
 * JSON lines: one script out, one answer back, in order. Used for
 * scripts/flask/diff_peer.py (Flask cookie sessions) and
 * scripts/flask/diff_session_peer.py (Flask-Session on Redis).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

/**
 * A running peer.
 *
 * @example
 * const peer = await startPeer("python3", ["scripts/flask/diff_peer.py"]);
 * const answer = await peer.run({ config, steps });
 * await peer.stop();
 */
export interface Peer {
  run<T>(message: unknown): Promise<T>;
  stop(): Promise<void>;
}

/**
 * Start `command args`; each `run` writes one JSON line and resolves the next
 * line the peer answers. A peer that dies rejects every pending call with the
 * tail of its stderr.
 *
 * @example
 * const peer = await startPeer(".venv/bin/python", ["scripts/flask/diff_session_peer.py", "--redis-port", "6379"]);
 */
export async function startPeer(command: string, args: string[]): Promise<Peer> {
  const child: ChildProcess = spawn(command, ["-W", "ignore", ...args], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-4_000);
  });
  const waiting: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  const lines = createInterface({ input: child.stdout! });
  lines.on("line", (line) => waiting.shift()?.resolve(line));
  let dead: Error | undefined;
  child.once("exit", (code, signal) => {
    dead = new Error(`the Python peer ${args[0]} exited (${code ?? signal}): ${stderr.trim()}`);
    for (const w of waiting.splice(0)) w.reject(dead);
  });
  child.stdin!.on("error", () => {}); // a dead peer is reported through `exit`
  return {
    run<T>(message: unknown): Promise<T> {
      if (dead) return Promise.reject(dead);
      return new Promise<T>((resolve, reject) => {
        waiting.push({
          resolve: (line) => {
            const answer = JSON.parse(line) as { error?: string };
            if (answer.error !== undefined) reject(new Error(`the Python peer failed: ${answer.error}`));
            else resolve(answer as T);
          },
          reject,
        });
        child.stdin!.write(`${JSON.stringify(message)}\n`);
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin!.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await new Promise((resolve) => child.once("exit", resolve));
      clearTimeout(timer);
    },
  };
}
