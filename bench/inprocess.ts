/**
 * `npm run bench:inprocess`: sessionkit's own CPU cost per request, in
 * process, without sockets or a load generator (issue #20). Each run is a
 * fresh child process (its own JIT and heap) measuring every row in A/B
 * rounds (see inprocess/measure.ts); the parent runs `--runs` of them (3 by
 * default) one after the other and writes the "inprocess" section of
 * `bench/RESULTS.md` with every run's numbers side by side, so the reader
 * sees whether they repeat.
 *
 * Knobs: `--runs=3`, `--rounds=21`, `--batch-ms=2`, `--warmup=800`, `--only=<regex of row ids>`
 * (e.g. `--only=^node-`), `--no-write` (print only), `--no-pieces` (skip the
 * floors of inprocess/pieces.ts), `--baseline=<git ref>`
 * (every row also measures the same app around that ref's sessionkit, in
 * the same rounds; bench/baseline.ts).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { baselineArg, bundleAgainst, materialise } from "./baseline.js";
import { bundle, ROOT } from "./build.js";
import { renderInprocess, type RunInfo } from "./inprocess/report.js";
import { runRows, type BaselineModule, type RowResult } from "./inprocess/rows.js";
import { measurePieces, type PieceResult } from "./inprocess/pieces.js";
import { writeSection } from "./report.js";
import { cpus, loadavg } from "node:os";

const arg = (name: string, fallback: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const only = new RegExp(arg("only", "."));
const options = { rounds: Number(arg("rounds", "21")), batchMs: Number(arg("batch-ms", "2")), warmupRequests: Number(arg("warmup", "800")) };

if (process.argv.includes("--child")) {
  const baselineBundle = arg("baseline-bundle", "");
  const baseline = baselineBundle ? ((await import(baselineBundle)) as BaselineModule) : undefined;
  const results = await runRows(only, options, (line) => process.stderr.write(`  ${line}\n`), baseline);
  const floors = process.argv.includes("--no-pieces") ? [] : measurePieces(options.rounds, options.batchMs);
  process.stdout.write(JSON.stringify({ results, floors }));
  process.exit(0);
}

// The children run a bundle (plain node, as a user's build would), not the TypeScript through tsx:
// tsx names every closure with a `__name` call each time it is created, a cost only the sessionkit side would pay.
const child = (await bundle(["bench/inprocess.ts"], join(ROOT, "bench", ".out"))).get("inprocess")!;
const runs = Number(arg("runs", "3"));
const baselineRef = baselineArg(process.argv);
const base = baselineRef ? materialise(baselineRef) : undefined;
const childArgs = process.argv.slice(2).filter((a) => !a.startsWith("--baseline="));
if (base) {
  try {
    // Beside the node_modules the externals resolve from, as every bundle. The bundle holds all of
    // the baseline's sessionkit, so the extracted tree goes as soon as it is built, whatever follows.
    const file = (await bundleAgainst(base, ["bench/inprocess/baseline-entry.ts"], join(ROOT, "bench", ".out", `baseline-${base.commit}`))).get("baseline-entry")!;
    childArgs.push(`--baseline-bundle=${file}`);
    process.stderr.write(`baseline: ${baselineRef} (${base.commit}), bundled\n`);
  } finally {
    base.remove();
  }
}
const all: RowResult[][] = [];
const floors: PieceResult[][] = [];
const loads: number[][] = [];
for (let run = 1; run <= runs; run++) {
  process.stderr.write(`run ${run} of ${runs}\n`);
  loads.push(loadavg());
  const done = spawnSync(
    process.execPath,
    ["--expose-gc", child, "--child", ...childArgs],
    { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 * 1024 * 1024 },
  );
  if (done.status !== 0) throw new Error(`run ${run} failed (exit ${done.status})`);
  const parsed = JSON.parse(done.stdout) as { results: RowResult[]; floors: PieceResult[] };
  all.push(parsed.results);
  floors.push(parsed.floors);
}
loads.push(loadavg());
const info: RunInfo = { date: new Date().toISOString().slice(0, 10), node: process.versions.node, cpu: cpus()[0]?.model ?? "unknown CPU", cores: cpus().length, loads, options, ...(base ? { baseline: `${base.ref} (${base.commit})` } : {}) };
const table = renderInprocess(all, info, floors);
process.stdout.write(`${table}\n`);
if (!process.argv.includes("--no-write")) {
  writeSection(join(ROOT, "bench", "RESULTS.md"), "inprocess", table);
  process.stderr.write("wrote the inprocess section of bench/RESULTS.md\n");
}
