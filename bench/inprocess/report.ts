/**
 * The "inprocess" section of bench/RESULTS.md: per row, each run's median
 * extra CPU µs per request over bare (and, for stores, beyond the floor),
 * their spread across runs, the widest middle half of the per-round
 * differences within one run, and issue #20's targets.
 */
import type { MeasureOptions } from "./measure.js";
import { pairedDiff, spread, TURN_EVERY } from "./measure.js";
import type { RowResult } from "./rows.js";
import type { PieceResult } from "./pieces.js";
import { median } from "../stats.js";

/** The conditions of the runs, printed above the table. */
export interface RunInfo {
  date: string;
  node: string;
  cpu: string;
  cores: number;
  /** `os.loadavg()` before each run and after the last. */
  loads: number[][];
  options: MeasureOptions;
  /** The `--baseline` ref and its commit, when one was measured. */
  baseline?: string;
}

/** Issue #20's target for a row, and what its extra is measured against. */
export function targetOf(r: Pick<RowResult, "framework" | "mode" | "scenario">): { limit: number; basis: "bare" | "floor" } | undefined {
  if (r.scenario === "read-cold" || r.framework === "core") return undefined;
  const cookie = r.mode === "signed" || r.mode === "encrypted";
  if (r.mode === "signed" && (r.framework === "node" || r.framework === "fastify")) return { limit: r.scenario === "read" ? 2 : 14, basis: "bare" };
  if (cookie && (r.framework === "express" || r.framework === "koa")) return { limit: 15, basis: "bare" };
  if (!cookie) return { limit: r.scenario === "read" ? 10 : 15, basis: "floor" };
  return undefined;
}

const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : "—");
const signed = (x: number): string => (x >= 0 ? `+${f1(x)}` : f1(x));

/** One row across runs. */
interface Line {
  key: string;
  framework: string;
  mode: string;
  scenario: RowResult["scenario"];
  bare: number;
  sk: number;
  /** Per run: min over rounds of sessionkit minus min over rounds of bare (or of the floor). */
  extras: number[];
  beyond: number[];
  /** Per run: the floor's least minus bare's least (what the floor's work costs). */
  floorCost: number[];
  /** Per run: the median of the per-round paired differences, and the widest middle half of them. */
  paired: number[];
  iqrWidth: number;
  /** Per run, against the baseline: sessionkit's least over the baseline's least, and the paired µs difference (median over rounds). */
  ratio: number[];
  basePaired: number[];
  baseIqr: number;
  base: number;
  noBaseline?: string;
}

function lines(runs: RowResult[][]): Line[] {
  const byKey = new Map<string, Line>();
  for (const run of runs) {
    for (const r of run) {
      const key = `${r.id}/${r.scenario}`;
      const line = byKey.get(key) ?? { key, framework: r.framework, mode: r.mode, scenario: r.scenario, bare: 0, sk: 0, extras: [], beyond: [], floorCost: [], paired: [], iqrWidth: 0, ratio: [], basePaired: [], baseIqr: 0, base: 0 };
      const paired = spread(pairedDiff(r.samples, "sk", "bare"));
      const least = (name: string): number => Math.min(...(r.samples[name] ?? []));
      line.extras.push(least("sk") - least("bare"));
      line.paired.push(paired.median);
      line.iqrWidth = Math.max(line.iqrWidth, paired.p75 - paired.p25);
      if (r.samples.floor) {
        line.beyond.push(least("sk") - least("floor"));
        line.floorCost.push(least("floor") - least("bare"));
      }
      else if (r.mode === "memory") line.beyond.push(least("sk") - least("bare"));
      line.bare += least("bare") / runs.length;
      line.sk += least("sk") / runs.length;
      if (r.samples.base) {
        const vsBase = spread(pairedDiff(r.samples, "sk", "base"));
        line.ratio.push(least("sk") / least("base"));
        line.basePaired.push(vsBase.median);
        line.baseIqr = Math.max(line.baseIqr, vsBase.p75 - vsBase.p25);
        line.base += least("base") / runs.length;
      }
      if (r.noBaseline) line.noBaseline = r.noBaseline;
      byKey.set(key, line);
    }
  }
  return [...byKey.values()];
}

/**
 * The section, as markdown.
 *
 * @example
 * writeSection(file, "inprocess", renderInprocess(runs, info));
 */
export function renderInprocess(runs: RowResult[][], info: RunInfo, floors: PieceResult[][] = []): string {
  const out = [
    "## In process, A/B (`npm run bench:inprocess`)",
    "",
    `${info.date}, Node ${info.node}, ${info.cpu} × ${info.cores}. ${runs.length} runs, each a fresh process; ${info.options.rounds} interleaved rounds per row after ${info.options.warmupRequests} warm-up requests per variant, batches of about ${info.options.batchMs} ms of CPU. Load average (1 min) before each run and after: ${info.loads.map((l) => (l[0] ?? 0).toFixed(2)).join(", ")} on ${info.cores} cores.`,
    "",
    ...health(runs),
    `CPU µs per request (user + system, all threads, from \`process.cpuUsage()\` per batch; an untimed event-loop turn and young-generation GC before every batch, one full GC before each row's rounds). Inside a batch the event loop turns every ${TURN_EVERY} requests and after the last, and the turn is timed with the batch: light-my-request's null socket keeps each injected request alive until the loop turns, so a loop that never turned kept every request of a run alive (850 MB of heap after seven cookie scenarios) and put the old generation's GC into whichever variant's batch was running; a turn costs about 3 µs, ${(3 / TURN_EVERY).toFixed(2)} µs per request, alike for every variant of a row (one request count per row, a multiple of ${TURN_EVERY}). Each variant's cost in a run is its **least** batch over the rounds (µs columns: mean over runs): on a shared core, another process's time slices only ever add cache misses and migrations to a batch, never remove work, so the least-disturbed batch is the steadiest estimate of the work itself. *Extra* is sessionkit's minus the bare framework's, one value per run; *spread* the largest minus the smallest of them. *Paired* is the median over rounds of the per-round difference (each round measures every variant back to back) and *IQR* the widest middle half of those differences in one run: how noisy the rounds were. *Floor* is the least the row's work can cost, done by hand on the same framework with no session code, over bare: for a cookie row, the headers sessionkit must send (\`Vary: Cookie\` on a read; on a write also \`Cache-Control: private, no-store\` and a Set-Cookie whose value is signed with one HMAC-SHA256); for a store row (on node:http), the same driver sending the store's round trips (memory: none, so its floor is bare). *Beyond* is sessionkit's least minus the floor's, per run: sessionkit's own code. Store targets are judged on *beyond*, cookie targets on *extra*.`,
    "",
    "| row | scenario | bare µs | sessionkit µs | extra over bare, per run | spread | paired, per run | IQR | floor over bare | beyond the floor, per run | target | met |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const l of lines(runs)) {
    const target = targetOf(l);
    const judged = target?.basis === "floor" ? l.beyond : l.extras;
    const value = median(judged);
    const spreadRuns = Math.max(...l.extras) - Math.min(...l.extras);
    const met = target === undefined ? "" : value <= target.limit ? "yes" : "**no**";
    out.push(
      `| ${l.framework} ${l.mode} | ${l.scenario} | ${f1(l.bare)} | ${f1(l.sk)} | ${l.extras.map(signed).join(" / ")} | ${f1(spreadRuns)} | ${l.paired.map(signed).join(" / ")} | ${f1(l.iqrWidth)} | ${l.floorCost.length ? signed(median(l.floorCost)) : ""} | ${l.beyond.length ? l.beyond.map(signed).join(" / ") : ""} | ${target ? `≤ ${target.limit} (${target.basis === "floor" ? "beyond" : "extra"})` : ""} | ${met} |`,
    );
  }
  if (floors.some((f) => f.length > 0)) out.push("", ...renderPieces(floors));
  if (info.baseline) out.push("", ...renderBaseline(lines(runs), info.baseline));
  return out.join("\n");
}

/** One line on how the measurement went: the heap each row kept alive, and the GC pauses inside the timed batches (empty when no row recorded it). */
function health(runs: RowResult[][]): string[] {
  const all = runs.flat().flatMap((r) => (r.health ? [r.health] : []));
  if (all.length === 0) return [];
  const heaps = all.flatMap((h) => [h.heapStartMB, h.heapEndMB]);
  const growth = Math.max(...all.map((h) => h.heapEndMB - h.heapStartMB));
  const shares = all.flatMap((h) => Object.values(h.gcShare)).map((x) => x * 100);
  const pct = (x: number): string => `${x.toFixed(1)}%`;
  return [
    `Heap in use after a full GC (no event-loop turn first) at each row's start and end: ${Math.min(...heaps).toFixed(0)}–${Math.max(...heaps).toFixed(0)} MB, at most ${signed(growth)} MB within a row. GC pauses inside the timed batches, per row and variant, share of the batches' wall time: median ${pct(median(shares))}, at most ${pct(Math.max(...shares))}.`,
    "",
  ];
}

/** The irreducible pieces (inprocess/pieces.ts): per run, the least batch's ns per call, and the median batch's. */
function renderPieces(floors: PieceResult[][]): string[] {
  const out = [
    "### The pieces a request cannot skip (`inprocess/pieces.ts`)",
    "",
    "Each piece alone, in the same process after the rows, in interleaved rounds of batches of about the rows' CPU time, each after a young-generation GC: ns per call, the least batch per run (the median batch in brackets). These are the floors the targets are judged against below the table of rows.",
    "",
    "| piece | ns per call, per run: least (median) |",
    "|---|---|",
  ];
  const names = floors.find((f) => f.length > 0)!.map((p) => p.name);
  for (const name of names) {
    out.push(`| ${name} | ${floors.map((run) => run.find((p) => p.name === name)).filter((p) => p !== undefined).map((p) => `${p.least.toFixed(0)} (${p.median.toFixed(0)})`).join(" / ")} |`);
  }
  return out;
}

/** The table against the baseline: is any row slower than before? */
function renderBaseline(all: Line[], ref: string): string[] {
  const out = [
    `### Against the baseline ${ref}, in the same rounds`,
    "",
    "The same app bundled against the baseline's sessionkit, measured in every round beside the current one (bench/baseline.ts). *Now/base* is the current least batch over the baseline's, per run (below 1: faster now); *spread* the largest minus the smallest of them; *paired Δ* the median over rounds of the per-round difference in µs (current minus baseline), per run, and *IQR* its widest middle half in one run. A row is *slower* when every run's ratio is above 1 and its paired Δ is above the IQR.",
    "",
    "| row | scenario | sessionkit µs | baseline µs | now/base, per run | spread | paired Δ µs, per run | IQR | slower |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const l of all) {
    if (l.ratio.length === 0) {
      out.push(`| ${l.framework} ${l.mode} | ${l.scenario} | ${f1(l.sk)} | — | ${l.noBaseline ?? "not measured"} | | | | |`);
      continue;
    }
    const slower = l.ratio.every((r) => r > 1) && median(l.basePaired) > l.baseIqr;
    out.push(
      `| ${l.framework} ${l.mode} | ${l.scenario} | ${f1(l.sk)} | ${f1(l.base)} | ${l.ratio.map((r) => r.toFixed(2)).join(" / ")} | ${(Math.max(...l.ratio) - Math.min(...l.ratio)).toFixed(2)} | ${l.basePaired.map(signed).join(" / ")} | ${f1(l.baseIqr)} | ${slower ? "**yes**" : "no"} |`,
    );
  }
  return out;
}
