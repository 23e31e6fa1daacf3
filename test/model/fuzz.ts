/**
 * The long run of the model test, for `npm run fuzz:model`
 * (scripts/fuzz-model.ts) and `npm run fuzz` (scripts/fuzz.ts): a number of
 * interleavings (a million by default) shared between kinds of storage by a
 * plan, and run in rounds. Each round runs one chunk per kind, each chunk
 * under its own seed derived from the base seed, on a freshly opened kind
 * (a new SQLite file, table, directory or Redis prefix, so that no chunk
 * inherits another's millions of rows). Rounds keep every kind covered
 * however early a run is stopped, and a stopped run continues from a round
 * with the same base seed. The first failure prints the shrunk run as a
 * regression test, and its signature: a run given known signatures counts
 * the cases that hit one and goes on.
 */
import { KINDS, kindUnavailable, openKind, type KindName } from "./fixture.js";
import { runModel } from "./run.js";

/** How many cases each kind gets, relative to the others. */
export type Plan = { kind: KindName; share: number }[];

/**
 * The default plan: mostly the in-process kinds (memory, SQLite, cookie with
 * a memory revocation store), which run ten times as many cases per second;
 * some of each server kind.
 */
export const DEFAULT_PLAN: Plan = [
  { kind: "memory", share: 30 },
  { kind: "cookie-memory", share: 30 },
  { kind: "sqlite", share: 25 },
  { kind: "file", share: 6 },
  { kind: "redis", share: 4 },
  { kind: "postgres", share: 2.5 },
  { kind: "cookie-redis", share: 2.5 },
];

/**
 * A plan from its text: `memory:30,redis:5` (shares), `memory,redis` (equal
 * shares), `all` (every kind, equal), `none`, or empty for `fallback`.
 *
 * @example
 * parsePlan("memory:3,sqlite:1", DEFAULT_PLAN); // [{ kind: "memory", share: 3 }, { kind: "sqlite", share: 1 }]
 */
export function parsePlan(value: string | undefined, fallback: Plan): Plan {
  if (value === undefined || value.trim() === "") return fallback;
  if (value === "none") return [];
  if (value === "all") return KINDS.map((kind) => ({ kind, share: 1 }));
  return value.split(",").map((part) => {
    const [name, share = "1"] = part.trim().split(":");
    if (!(KINDS as readonly string[]).includes(name!)) throw new Error(`no kind of storage is named "${name}"; use ${KINDS.join(", ")}, all or none.`);
    const n = Number(share);
    if (!(n > 0 && Number.isFinite(n))) throw new Error(`the share of ${name} must be a positive number, not "${share}".`);
    return { kind: name as KindName, share: n };
  });
}

/**
 * The kinds FUZZ names (`npm run fuzz`): a comma-separated list, `all`, or `none`; default `memory`.
 *
 * @example
 * fuzzKinds("memory,redis"); // ["memory", "redis"]
 */
export function fuzzKinds(value: string | undefined): KindName[] {
  return parsePlan(value, [{ kind: "memory", share: 1 }]).map((p) => p.kind);
}

/**
 * The seed of one chunk: distinct per round and kind, and the same on every
 * run with the same base seed (a fast-check seed is a 32-bit integer).
 *
 * @example
 * chunkSeed(42, 3, 0);
 */
export function chunkSeed(base: number, round: number, kindIndex: number): number {
  let x = Math.imul(base ^ Math.imul(round, 0x9e3779b1), 0x85ebca6b) ^ Math.imul(kindIndex + 1, 0xc2b2ae35);
  x = Math.imul(x ^ (x >>> 16), 0x27d4eb2f);
  return (x ^ (x >>> 15)) | 0;
}

/** Options of {@link fuzzModel}. */
export interface FuzzModelOptions {
  plan: Plan;
  /** Cases in all. */
  runs: number;
  /** The base seed; each chunk's is derived from it. */
  seed: number;
  /** Cases per round, shared between the kinds by the plan. */
  roundSize?: number;
  /** The round to start at (1-based), to continue a stopped run. */
  from?: number;
  maxActions?: number;
  /** Signatures of failures already known (printed with each failure): cases that hit one are counted and passed over. */
  known?: string[];
  log: (line: string) => void;
}

/** What a long run did, per kind. */
export interface FuzzModelReport {
  ok: boolean;
  runs: Map<KindName, number>;
  seconds: Map<KindName, number>;
  /** Cases that hit a known failure, per kind. */
  known: Map<KindName, number>;
  skipped: KindName[];
}

const elapsed = (ms: number): string => {
  const s = Math.round(ms / 1_000);
  return s < 60 ? `${s}s` : s < 3_600 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${Math.floor(s / 3_600)}h${String(Math.floor(s / 60) % 60).padStart(2, "0")}m`;
};
const n = (x: number): string => x.toLocaleString("en");

/**
 * Run the model test long; resolves with ok false on the first failure (printed with its regression test).
 *
 * @example
 * const report = await fuzzModel({ plan: DEFAULT_PLAN, runs: 1_000_000, seed: 42, log: console.log });
 */
export async function fuzzModel(options: FuzzModelOptions): Promise<FuzzModelReport> {
  const roundSize = options.roundSize ?? 10_000;
  const rounds = Math.ceil(options.runs / roundSize);
  const report: FuzzModelReport = { ok: true, runs: new Map(), seconds: new Map(), known: new Map(), skipped: [] };
  const known = new Set(options.known ?? []);
  const plan: Plan = [];
  for (const p of options.plan) {
    const skip = await kindUnavailable(p.kind);
    if (skip === undefined) plan.push(p);
    else {
      report.skipped.push(p.kind);
      options.log(`fuzz:model [${p.kind}]: ${skip}; skipped`);
    }
  }
  const total = plan.reduce((sum, p) => sum + p.share, 0);
  const started = Date.now();
  let done = 0;
  for (let round = options.from ?? 1; round <= rounds && plan.length > 0; round++) {
    const size = Math.min(roundSize, options.runs - (round - 1) * roundSize);
    for (const [i, p] of plan.entries()) {
      const runs = Math.max(1, Math.round((size * p.share) / total));
      const seed = chunkSeed(options.seed, round, KINDS.indexOf(p.kind));
      const t = Date.now();
      const kind = await openKind(p.kind);
      let result;
      let hits = 0;
      const ignore = (signature: string): boolean => known.has(signature) && ++hits > 0;
      try {
        result = await runModel(kind, { numRuns: runs, maxActions: options.maxActions ?? 24, seed, ignore });
      } finally {
        await kind.close();
      }
      const ms = Date.now() - t;
      report.runs.set(p.kind, (report.runs.get(p.kind) ?? 0) + result.runs);
      report.seconds.set(p.kind, (report.seconds.get(p.kind) ?? 0) + ms / 1_000);
      report.known.set(p.kind, (report.known.get(p.kind) ?? 0) + hits);
      done += result.runs;
      if (result.failure) {
        options.log(
          `fuzz:model [${p.kind}]: FAILED in round ${round}, seed ${seed}, after ${n(result.runs)} cases (${elapsed(ms)})\n${result.failure.message}\n\n` +
            `signature (FUZZ_MODEL_KNOWN to pass over it): ${result.failure.signature}\n\n--- regression test ---\n${result.failure.repro}`,
        );
        report.ok = false;
        return report;
      }
      const rate = (result.runs / Math.max(ms, 1)) * 1_000;
      options.log(
        `fuzz:model round ${round}/${rounds} [${p.kind}] ${n(result.runs)} cases${hits > 0 ? ` (${n(hits)} hit a known failure)` : ""}, seed ${seed}, ${(ms / 1_000).toFixed(1)} s (${rate.toFixed(0)}/s); ` +
          `${p.kind} ${n(report.runs.get(p.kind)!)}, all ${n(done)} cases, ${elapsed(Date.now() - started)}${i === plan.length - 1 && round < rounds ? `; continue with FUZZ_MODEL_FROM=${round + 1}` : ""}`,
      );
    }
  }
  return report;
}
