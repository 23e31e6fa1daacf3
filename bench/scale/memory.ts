/**
 * The machine's memory during `npm run bench:scale`: it is shared, has no
 * swap to fall back on, and ten million sessions are gigabytes. Used memory
 * is MemTotal − MemAvailable from /proc/meminfo (what the kernel could not
 * hand out without swapping: page cache it can drop does not count).
 */
import { existsSync, readFileSync } from "node:fs";

const GiB = 1024 ** 3;

/** MemTotal and MemAvailable in bytes (Linux); undefined elsewhere. */
function meminfo(): { total: number; available: number } | undefined {
  if (!existsSync("/proc/meminfo")) return undefined; // not Linux: no guard, nothing reported
  const text = readFileSync("/proc/meminfo", "utf8");
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? Number.NaN) * 1024;
  return { total: kb("MemTotal"), available: kb("MemAvailable") };
}

/**
 * Samples the machine's used memory once a second (every process's, not
 * only this run's: the machine is shared); `check()` throws once less than
 * `floorGiB` is available, so a fill stops before the machine swaps or
 * starves the other processes on it. A run bounds its own servers itself
 * (bench/scale.ts: Redis's `used_memory`).
 *
 * @example
 * const memory = watchMemory(2); memory.check(); memory.peakGiB();
 */
export function watchMemory(floorGiB: number): { check(): void; baselineGiB: number; peakGiB(): number; stop(): void } {
  const start = meminfo();
  const baseline = start ? start.total - start.available : 0;
  let peak = baseline;
  const sample = (): { total: number; available: number } | undefined => {
    const now = meminfo();
    if (now) peak = Math.max(peak, now.total - now.available);
    return now;
  };
  const timer = setInterval(sample, 1_000);
  timer.unref();
  return {
    baselineGiB: baseline / GiB,
    check: () => {
      const now = sample();
      if (now !== undefined && now.available / GiB < floorGiB) {
        throw new Error(`memory guard: ${(now.available / GiB).toFixed(1)} GiB available (floor ${floorGiB}); stopping before the machine swaps`);
      }
    },
    peakGiB: () => peak / GiB,
    stop: () => clearInterval(timer),
  };
}
