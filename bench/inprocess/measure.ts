/**
 * The in-process A/B measurement: CPU time per injected request, with the
 * variants of one row (bare framework, the store's floor, sessionkit)
 * interleaved round by round, so that drift on a shared machine (another
 * process taking the core, a frequency change) lands on every variant alike
 * and cancels out of the per-round differences.
 *
 * Why CPU time and not wall time: requests are sent one at a time and the
 * process waits for Redis or PostgreSQL between them; waiting is not cost.
 * `process.cpuUsage()` (getrusage: every thread of the process, so the
 * concurrent GC's helpers count) is read once per batch, never per request.
 * Each batch starts after a turn of the event loop and a young-generation
 * `gc()`, both untimed, so a variant never pays for the garbage of the one
 * measured before it; each row starts its rounds after one full GC, so none
 * pays for the old generation left by the rows, cold pools and warm-ups
 * before it.
 *
 * The loop turns the event loop every {@link TURN_EVERY} requests, inside
 * the timed batch, and every batch ends on such a turn. An injected request
 * resolves in microtasks, but light-my-request (node:http, Express, Koa,
 * Fastify's `inject`) gives each response a null socket whose write
 * callback waits for a `setImmediate`, and until the loop turns that
 * callback holds the whole request and response alive. A
 * loop of `await run()` alone never turns it, so on the cookie rows no
 * request was ever freed (about 11 kB each: after a full GC the heap held
 * 287 MB once node:http's cold pool was made and 850 MB after seven
 * node:http, Express and Fastify scenarios), the forced young GCs promoted
 * it all, and the old generation's marking and its pauses landed in
 * whichever variant's batch was running. With the turns it stays at
 * 15-89 MB over a whole run, with no trend. A turn costs about 3 µs of CPU here, 0.06 µs per request, the
 * same for every variant of a row (its batches have one request count, a
 * multiple of TURN_EVERY); the deferred work of a batch's requests runs in
 * that batch's own turns and is counted with it.
 */
import { performance, PerformanceObserver } from "node:perf_hooks";
import { median } from "../stats.js";

/** One way of serving the row's request: `run` sends one injected request and checks its status. */
export interface Variant {
  /** `base`: sessionkit at the `--baseline` ref, the same app bundled against the older tree. */
  name: "bare" | "floor" | "sk" | "base";
  run: () => Promise<void>;
}

/** Per variant, CPU µs per request in each round (same index = same round). */
export type RoundSamples = Record<string, number[]>;

/** How long a row is measured. */
export interface MeasureOptions {
  rounds: number;
  /** CPU time one batch should take, in ms (its request count is calibrated from the warm-up). */
  batchMs: number;
  warmupRequests: number;
}

const gc = (globalThis as { gc?: (options?: { type: "minor" | "major" }) => void }).gc;

/** Requests between two turns of the event loop (and the granularity of a batch's request count). */
export const TURN_EVERY = 50;

/** One turn of the event loop: every `setImmediate` queued before it runs first. */
export const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** `requests` requests one after the other, turning the event loop after every TURN_EVERY of them and after the last. */
async function drive(run: () => Promise<void>, requests: number): Promise<void> {
  for (let i = 1; i <= requests; i++) {
    await run();
    if (i % TURN_EVERY === 0) await turn();
  }
  if (requests % TURN_EVERY !== 0) await turn();
}

/** GC pauses seen by a `PerformanceObserver` (their entries arrive on a later turn, with their start time). */
const pauses: { start: number; ms: number }[] = [];
let observer: PerformanceObserver | undefined;

/** A batch's wall-clock window, to find the GC pauses that fell inside it. */
interface Window {
  variant: string;
  from: number;
  to: number;
}

const heapMB = (): number => process.memoryUsage().heapUsed / 1e6;

async function batch(run: () => Promise<void>, requests: number, windows?: Window[], variant = ""): Promise<number> {
  // Whatever the previous batch left to a later turn runs now, untimed, then its garbage goes.
  await turn();
  // A young-generation GC: a request's garbage dies young, and a full GC of the whole heap per batch cost more than the batches.
  gc?.({ type: "minor" });
  const from = performance.now();
  const start = process.cpuUsage();
  await drive(run, requests);
  const used = process.cpuUsage(start);
  windows?.push({ variant, from, to: performance.now() });
  return (used.user + used.system) / requests;
}

/** How a row's measurement went, beside its numbers: did the heap stay flat, and how much of the timed CPU was GC. */
export interface RowHealth {
  /** Requests per batch, the same for every variant of the row. */
  requests: number;
  /**
   * `heapUsed` in MB after a full GC with no turn of the event loop first, before the row's warm-up and after its
   * last batch: what the row keeps alive, including whatever waits for the next turn.
   */
  heapStartMB: number;
  heapEndMB: number;
  /** Per variant: the GC pauses' wall time inside its timed batches over the batches' wall time (0.05 = 5%). */
  gcShare: Record<string, number>;
}

/** A row's samples and how the measurement went. */
export interface RowMeasurement {
  samples: RoundSamples;
  health: RowHealth;
}

/**
 * Warm every variant up, size the batch, then measure `rounds` rounds, each
 * one batch per variant in an order rotated every round.
 *
 * @example
 * const { samples } = await measureRow([bare, sk], { rounds: 15, batchMs: 25, warmupRequests: 2000 });
 */
export async function measureRow(variants: Variant[], options: MeasureOptions): Promise<RowMeasurement> {
  if (!observer) {
    observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) pauses.push({ start: e.startTime, ms: e.duration });
    });
    observer.observe({ entryTypes: ["gc"] });
  }
  gc?.({ type: "major" });
  const heapStartMB = heapMB();
  // The batch size: each variant's least of three 200-request batches (one batch alone is at the mercy of a time slice), the slowest of those.
  let slowest = 0;
  for (const v of variants) {
    await drive(v.run, options.warmupRequests);
    let least = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 3; i++) least = Math.min(least, await batch(v.run, 4 * TURN_EVERY));
    slowest = Math.max(slowest, least);
  }
  const fit = Math.round((options.batchMs * 1000) / Math.max(slowest, 1) / TURN_EVERY) * TURN_EVERY;
  const requests = Math.max(TURN_EVERY, Math.min(4_000, fit));
  // Once per row, untimed: the old generation left by the rows, cold pools and warm-ups before this one.
  gc?.({ type: "major" });
  const samples: RoundSamples = Object.fromEntries(variants.map((v) => [v.name, [] as number[]]));
  const windows: Window[] = [];
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(round + k) % variants.length]!;
      samples[v.name]!.push(await batch(v.run, requests, windows, v.name));
    }
  }
  gc?.({ type: "major" });
  const heapEndMB = heapMB();
  // The last GC entries arrive a turn after their pause.
  await turn();
  await turn();
  // Wall time on both sides: a pause's duration is wall time, and on a loaded machine a batch's wall time exceeds its CPU time.
  const gcShare: Record<string, number> = {};
  for (const v of variants) {
    const mine = windows.filter((w) => w.variant === v.name);
    const inside = (w: Window): number => pauses.reduce((sum, p) => sum + Math.max(0, Math.min(p.start + p.ms, w.to) - Math.max(p.start, w.from)), 0);
    gcShare[v.name] = mine.reduce((sum, w) => sum + inside(w), 0) / Math.max(mine.reduce((sum, w) => sum + (w.to - w.from), 0), 1e-9);
  }
  pauses.length = 0;
  return { samples, health: { requests, heapStartMB, heapEndMB, gcShare } };
}

/** A distribution in one line: median, and the middle half (p25–p75). */
export interface Spread {
  median: number;
  p25: number;
  p75: number;
}

/**
 * Median and quartiles (nearest rank) of a non-empty list.
 *
 * @example
 * spread([1, 2, 3, 4]); // { median: 2.5, p25: 1, p75: 3 }
 */
export function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  return { median: median(values), p25: at(0.25), p75: at(0.75) };
}

/**
 * Per round, `a` minus `b`: the paired difference, taken within one round.
 *
 * @example
 * pairedDiff({ sk: [30, 31], bare: [25, 27] }, "sk", "bare"); // [5, 4]
 */
export function pairedDiff(samples: RoundSamples, a: string, b: string): number[] {
  const xs = samples[a] ?? [];
  const ys = samples[b] ?? [];
  return xs.map((x, i) => x - (ys[i] ?? Number.NaN));
}
