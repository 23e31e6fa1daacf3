/**
 * `npm run fuzz:model`: the model test of the session lifecycle (test/model)
 * for a million cases (FUZZ_MODEL_RUNS to change), shared between kinds of
 * storage by a plan (FUZZ_MODEL_KINDS: `memory:30,redis:4` for shares,
 * `memory,redis` for equal ones, `all`; default test/model/fuzz.ts's
 * DEFAULT_PLAN), in rounds of FUZZ_MODEL_ROUND cases (default 10,000), one
 * chunk per kind and round, each under its own seed derived from the base
 * seed (FUZZ_MODEL_SEED, default random, printed). Prints a line per chunk
 * (kind, cases, seed, elapsed) and a summary; on the first counterexample,
 * the shrunk run as a regression test and its signature, and exits 1.
 * FUZZ_MODEL_KNOWN (signatures, one a line) names failures already known:
 * cases that hit one are counted and passed over. A stopped run continues
 * with the same FUZZ_MODEL_SEED and FUZZ_MODEL_FROM=<round>.
 *
 * Run with the source condition and tsx (the npm script does):
 *   node --conditions=source --import tsx scripts/fuzz-model.ts
 */
import { DEFAULT_PLAN, fuzzModel, parsePlan } from "../test/model/fuzz.js";

const runs = Number(process.env.FUZZ_MODEL_RUNS ?? 1_000_000);
const roundSize = Number(process.env.FUZZ_MODEL_ROUND ?? 10_000);
const from = Number(process.env.FUZZ_MODEL_FROM ?? 1);
const maxActions = Number(process.env.MODEL_ACTIONS ?? 24);
const plan = parsePlan(process.env.FUZZ_MODEL_KINDS, DEFAULT_PLAN);
const known = (process.env.FUZZ_MODEL_KNOWN ?? "").split("\n").map((s) => s.trim()).filter(Boolean);
const seed = process.env.FUZZ_MODEL_SEED !== undefined ? Number(process.env.FUZZ_MODEL_SEED) : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
for (const [name, value] of Object.entries({ FUZZ_MODEL_RUNS: runs, FUZZ_MODEL_ROUND: roundSize, FUZZ_MODEL_FROM: from, MODEL_ACTIONS: maxActions, FUZZ_MODEL_SEED: seed })) {
  if (!Number.isSafeInteger(value) || (value < 1 && name !== "FUZZ_MODEL_SEED")) {
    console.error(`fuzz:model: ${name} must be a whole number${name === "FUZZ_MODEL_SEED" ? "" : " above 0"}`);
    process.exit(2);
  }
}

const started = Date.now();
const shares = plan.map((p) => `${p.kind}:${p.share}`).join(",");
console.log(`fuzz:model: ${runs.toLocaleString("en")} cases in rounds of ${roundSize.toLocaleString("en")} over ${shares}, base seed ${seed}${from > 1 ? `, from round ${from}` : ""}`);
// Single-quoted for the shell: signatures hold backquotes.
const knownEnv = known.length > 0 ? ` FUZZ_MODEL_KNOWN='${known.join("\n").replaceAll("'", "'\\''")}'` : "";
console.log(`fuzz:model: to replay this run: FUZZ_MODEL_SEED=${seed} FUZZ_MODEL_RUNS=${runs} FUZZ_MODEL_ROUND=${roundSize} FUZZ_MODEL_KINDS=${shares}${knownEnv} npm run fuzz:model`);
if (known.length > 0) console.log(`fuzz:model: passing over ${known.length} known failure(s): ${known.join("; ")}`);
const report = await fuzzModel({ plan, runs, seed, roundSize, from, maxActions, known, log: (line) => console.log(line) });
const seconds = (Date.now() - started) / 1_000;
for (const [kind, n] of report.runs) {
  const hits = report.known.get(kind) ?? 0;
  console.log(`fuzz:model: ${kind.padEnd(13)} ${n.toLocaleString("en").padStart(9)} cases in ${report.seconds.get(kind)!.toFixed(0).padStart(5)} s${hits > 0 ? `, ${hits.toLocaleString("en")} hit a known failure` : ""}`);
}
const all = [...report.runs.values()].reduce((a, b) => a + b, 0);
const knownHits = [...report.known.values()].reduce((a, b) => a + b, 0);
console.log(
  `fuzz:model: ${report.ok ? (knownHits > 0 ? `no new counterexample (${knownHits.toLocaleString("en")} cases hit a known failure)` : "no counterexample") : "FAILED"} in ${all.toLocaleString("en")} cases, ${seconds.toFixed(0)} s, base seed ${seed}` +
    (report.skipped.length > 0 ? `; skipped (service unreachable): ${report.skipped.join(", ")}` : ""),
);
process.exit(report.ok ? 0 : 1);
