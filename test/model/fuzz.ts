/**
 * The long run of the model test, for `npm run fuzz` (scripts/fuzz.ts):
 * FUZZ_MODEL_RUNS interleavings (default a million) split evenly between the
 * kinds of storage named in FUZZ (default `memory`; `all` for every kind,
 * `none` to skip), each with the printed seed, progress every ten thousand
 * runs, and on failure the shrunk run as a regression test.
 */
import { KINDS, kindUnavailable, openKind, type KindName } from "./fixture.js";
import { runModel } from "./run.js";

/** Options of {@link fuzzModel}. */
export interface FuzzModelOptions {
  kinds: KindName[];
  runs: number;
  seed: number;
  maxActions?: number;
  log: (line: string) => void;
}

/**
 * The kinds FUZZ names: a comma-separated list, `all`, or `none`.
 *
 * @example
 * fuzzKinds("memory,redis"); // ["memory", "redis"]
 */
export function fuzzKinds(value: string | undefined): KindName[] {
  if (value === undefined || value === "") return ["memory"];
  if (value === "none") return [];
  if (value === "all") return [...KINDS];
  const names = value.split(",").map((s) => s.trim());
  const unknown = names.filter((n) => !(KINDS as readonly string[]).includes(n));
  if (unknown.length > 0) throw new Error(`FUZZ names no kind of storage "${unknown.join('", "')}"; use ${KINDS.join(", ")}, all or none.`);
  return names as KindName[];
}

/**
 * Run the model test long; resolves false on the first failure (printed).
 *
 * @example
 * const ok = await fuzzModel({ kinds: ["memory"], runs: 1_000_000, seed: 42, log: console.log });
 */
export async function fuzzModel(options: FuzzModelOptions): Promise<boolean> {
  const share = Math.max(1, Math.round(options.runs / Math.max(1, options.kinds.length)));
  for (const name of options.kinds) {
    const skip = await kindUnavailable(name);
    if (skip !== undefined) {
      options.log(`fuzz: model [${name}]: ${skip}; skipped`);
      continue;
    }
    const kind = await openKind(name);
    const started = Date.now();
    try {
      const report = await runModel(kind, {
        numRuns: share,
        maxActions: options.maxActions ?? 24,
        seed: options.seed,
        onRun: (runs) => {
          if (runs % 10_000 === 0) options.log(`fuzz: model [${name}]: ${runs.toLocaleString("en")} runs, ${((Date.now() - started) / 1000).toFixed(0)} s`);
        },
      });
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (report.failure) {
        options.log(`fuzz: model [${name}]: FAILED (${seconds} s)\n${report.failure.message}\n\n--- regression test ---\n${report.failure.repro}`);
        return false;
      }
      options.log(`fuzz: model [${name}]: ${report.runs.toLocaleString("en")} interleavings in ${seconds} s, seed ${report.seed}, no counterexample`);
    } finally {
      await kind.close();
    }
  }
  return true;
}
