/**
 * Starting, pinning, measuring and stopping the processes of a run: the
 * servers on one core, the load generator on the other, and each server's
 * CPU time read from the kernel's accounting (`/proc/<pid>/stat`).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import type { LoadJob, LoadResult } from "./loadgen.js";

/** Clock ticks per second of `/proc/<pid>/stat`'s utime and stime (`getconf CLK_TCK`; 100 on Linux). */
export const CLOCK_TICKS: number = (() => {
  const r = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  const n = Number(r.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

/** How processes are pinned: `taskset -c <core>` when there are two cores and taskset exists; otherwise not at all. */
export interface Pinning {
  enabled: boolean;
  serverCore: number;
  loadCore: number;
  note: string;
}

/**
 * Decide the pinning once per run, degrading gracefully.
 *
 * @example
 * const pin = detectPinning(); if (!pin.enabled) console.warn(pin.note);
 */
export function detectPinning(): Pinning {
  const cores = availableParallelism();
  const taskset = spawnSync("taskset", ["-c", "0", "true"]).status === 0;
  if (cores >= 2 && taskset) return { enabled: true, serverCore: 0, loadCore: 1, note: `server on core 0, load generator on core 1 (taskset; ${cores} cores)` };
  return {
    enabled: false,
    serverCore: 0,
    loadCore: 0,
    note: cores < 2 ? `only ${cores} core: server and load generator share it, so req/s is pessimistic` : "taskset not found: processes are not pinned",
  };
}

/** The command line for `node <file>` on `core`, through taskset when pinning is on. */
function pinned(pin: Pinning, core: number, args: string[]): [string, string[]] {
  return pin.enabled ? ["taskset", ["-c", String(core), process.execPath, ...args]] : [process.execPath, args];
}

/**
 * A process's CPU time in µs, all its threads (GC and libuv's pool cost the
 * server too): the sum of each thread's on-CPU nanoseconds from
 * `/proc/<pid>/task/<tid>/schedstat`, or, where the kernel keeps no
 * schedstat, user + system time from `/proc/<pid>/stat` in clock ticks
 * (10 ms each, too coarse for a fixed-rate round of a fast server).
 *
 * @example
 * const before = cpuMicros(pid); await load(); const used = cpuMicros(pid) - before;
 */
export function cpuMicros(pid: number): number {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
      } catch (error) {
        // A thread that ended between the listing and the read: its time is gone from both readings alike.
        if ((error as NodeJS.ErrnoException).code !== "ENOENT" && (error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
      }
    }
    if (ns > 0) return ns / 1000;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1_000_000) / CLOCK_TICKS;
}

/** A benchmark server the harness started. */
export interface RunningServer {
  name: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** The last few KB of its stderr, shown when it fails. */
  stderrTail(): string;
  stop(): Promise<void>;
}

/**
 * Start a bundled server on the server core and wait for its `ready <port>` line.
 *
 * @example
 * const server = await startServer("bare-node", bundlePath, pin, { BENCH_PREFIX: "bench:x:" });
 */
export function startServer(name: string, file: string, pin: Pinning, env: Record<string, string> = {}, timeoutMs = 20_000): Promise<RunningServer> {
  const [cmd, args] = pinned(pin, pin.serverCore, [file]);
  const child = spawn(cmd, args, { env: { ...process.env, ...env, PORT: "0", NODE_ENV: "production" }, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-4_000);
  });
  const stop = (): Promise<void> =>
    new Promise((resolveStop) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
      const killer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      child.once("exit", () => {
        clearTimeout(killer);
        resolveStop();
      });
      child.kill("SIGTERM");
    });
  return new Promise((resolveStart, reject) => {
    let stdout = "";
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${name} did not start within ${timeoutMs} ms: ${stderr.slice(-500)}`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with code ${code} before it was ready: ${stderr.slice(-800)}`));
    });
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      if (stdout.includes("\n")) return; // only the first line matters; keep draining the pipe
      stdout += chunk;
      const match = /^ready (\d+)\n/.exec(stdout);
      if (match && child.pid !== undefined) {
        clearTimeout(timer);
        child.removeAllListeners("exit");
        resolveStart({ name, port: Number(match[1]), pid: child.pid, child, stderrTail: () => stderr, stop });
      }
    });
  });
}

/** The load generator process and a promise-returning call into it. */
export interface LoadGenerator {
  run(job: Omit<LoadJob, "id">): Promise<LoadResult>;
  stop(): Promise<void>;
}

/**
 * Start the load generator (a bundled `bench/loadgen.ts`) on the load core.
 *
 * @example
 * const load = await startLoadGenerator(bundlePath, pin); const r = await load.run({ url, path: "/read", cookieHeader, durationSec: 3, connections: 16 });
 */
export function startLoadGenerator(file: string, pin: Pinning): Promise<LoadGenerator> {
  const [cmd, args] = pinned(pin, pin.loadCore, [file]);
  const child = spawn(cmd, args, { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  let nextId = 1;
  const pending = new Map<number, (r: LoadResult) => void>();
  child.on("message", (message: LoadResult | { ready: true }) => {
    if ("id" in message) {
      pending.get(message.id)?.(message);
      pending.delete(message.id);
    }
  });
  const generator: LoadGenerator = {
    run(job) {
      const id = nextId++;
      return new Promise((resolveRun, reject) => {
        // autocannon stops at its duration; allow start-up and a slow last response on top.
        const timer = setTimeout(() => reject(new Error(`load generator gave no result for ${job.path}`)), (job.durationSec + 30) * 1_000);
        pending.set(id, (r) => {
          clearTimeout(timer);
          resolveRun(r);
        });
        child.send({ ...job, id });
      });
    },
    stop: () =>
      new Promise((resolveStop) => {
        if (child.exitCode !== null) return resolveStop();
        child.once("exit", () => resolveStop());
        child.disconnect();
      }),
  };
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error("load generator did not start")), 20_000);
    child.once("message", () => {
      clearTimeout(timer);
      resolveStart(generator);
    });
    child.once("exit", (code) => reject(new Error(`load generator exited with code ${code}`)));
  });
}
