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
 * Each batch starts after a young-generation `gc()`, so a variant never
 * pays for the garbage of the one measured before it.
 */
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

async function batch(run: () => Promise<void>, requests: number): Promise<number> {
  // A young-generation GC: a request's garbage dies young, and a full GC of the whole heap per batch cost more than the batches.
  gc?.({ type: "minor" });
  const start = process.cpuUsage();
  for (let i = 0; i < requests; i++) await run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / requests;
}

/**
 * Warm every variant up, size the batch, then measure `rounds` rounds, each
 * one batch per variant in an order rotated every round.
 *
 * @example
 * const samples = await measureRow([bare, sk], { rounds: 15, batchMs: 25, warmupRequests: 2000 });
 */
export async function measureRow(variants: Variant[], options: MeasureOptions): Promise<RoundSamples> {
  let slowest = 0;
  for (const v of variants) {
    for (let i = 0; i < options.warmupRequests; i++) await v.run();
    slowest = Math.max(slowest, await batch(v.run, 200));
  }
  const requests = Math.max(50, Math.min(4_000, Math.round((options.batchMs * 1000) / Math.max(slowest, 1))));
  const samples: RoundSamples = Object.fromEntries(variants.map((v) => [v.name, [] as number[]]));
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(round + k) % variants.length]!;
      samples[v.name]!.push(await batch(v.run, requests));
    }
  }
  return samples;
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
