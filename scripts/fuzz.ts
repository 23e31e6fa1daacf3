/**
 * `npm run fuzz`: the properties of test/fuzz/properties.ts for a million
 * cases in total (FUZZ_CASES to change), each property getting its share,
 * then the model test of the session lifecycle (test/model) for a million
 * interleavings (FUZZ_MODEL_RUNS to change) on the kinds of storage FUZZ
 * names (default `memory`; `FUZZ=redis,postgres`, `all`, or `none`), with a
 * fresh random seed printed so a failure can be replayed
 * (FUZZ_SEED=… npm run fuzz). Prints how many cases ran; exits 1 on the
 * first counterexample.
 *
 * Run with the source condition and tsx (the npm script does):
 *   node --conditions=source --import tsx scripts/fuzz.ts
 */
import fc from "fast-check";
import { PROPERTIES } from "../test/fuzz/properties.js";
import { fuzzKinds, fuzzModel } from "../test/model/fuzz.js";

const total = Number(process.env.FUZZ_CASES ?? 1_000_000);
const modelRuns = Number(process.env.FUZZ_MODEL_RUNS ?? 1_000_000);
const modelKinds = fuzzKinds(process.env.FUZZ);
const seed = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : Date.now() ^ (Math.random() * 0x7fffffff);
const shares = PROPERTIES.reduce((sum, p) => sum + p.share, 0);
let ran = 0;
const started = Date.now();
console.log(`fuzz: ${total.toLocaleString("en")} cases over ${PROPERTIES.length} properties, seed ${seed}`);

for (const p of PROPERTIES) {
  const runs = Math.max(1, Math.round((total * p.share) / shares));
  const t = Date.now();
  let counted = 0;
  // Count the cases that really ran (fast-check stops at the first failure).
  const property = p.property() as fc.IAsyncPropertyWithHooks<unknown>;
  const counting = property.afterEach(() => {
    counted += 1;
  });
  try {
    await fc.assert(counting, { numRuns: runs, seed, endOnFailure: true });
  } catch (error) {
    ran += counted;
    console.error(`fuzz: FAILED "${p.name}" after ${counted.toLocaleString("en")} cases (${ran.toLocaleString("en")} in total)`);
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
  ran += counted;
  console.log(`fuzz: ${counted.toLocaleString("en").padStart(9)} cases  ${((Date.now() - t) / 1000).toFixed(1).padStart(6)} s  ${p.name}`);
}
console.log(`fuzz: ran ${ran.toLocaleString("en")} cases in ${((Date.now() - started) / 1000).toFixed(1)} s, no counterexample`);

if (modelKinds.length > 0 && modelRuns > 0) {
  console.log(`fuzz: model test, ${modelRuns.toLocaleString("en")} interleavings over ${modelKinds.join(", ")}, base seed ${seed} (npm run fuzz:model runs it alone, on more kinds)`);
  const plan = modelKinds.map((kind) => ({ kind, share: 1 }));
  if (!(await fuzzModel({ plan, runs: modelRuns, seed, log: (line) => console.log(line) })).ok) process.exit(1);
}
