/**
 * Renders a run: the Markdown tables of `bench/RESULTS.md` (each tool owns
 * one marked section, so `bench`, `bench:micro` and `bench:scale` update the
 * file independently) and a hand-written SVG bar chart.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { RowStats, TargetCheck } from "./stats.js";

const fmt = (n: number | undefined, digits = 1): string => (n === undefined || !Number.isFinite(n) ? "—" : n.toFixed(digits));
const fmtInt = (n: number): string => Math.round(n).toLocaleString("en-US");
const signed = (n: number | undefined): string => (n === undefined ? "—" : `${n >= 0 ? "+" : ""}${n.toFixed(1)}`);

/**
 * Replace (or append) the section `name` of a Markdown file, between
 * `<!-- bench:name -->` and `<!-- /bench:name -->`.
 *
 * @example
 * writeSection("bench/RESULTS.md", "micro", table);
 */
export function writeSection(file: string, name: string, body: string): void {
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${start}\n${body.trim()}\n${end}`;
  const header = "# sessionkit benchmark results\n\nWritten by `npm run bench`, `npm run bench:inprocess`, `npm run bench:micro` and `npm run bench:scale`; see `bench/README.md` for the method.\n";
  const text = existsSync(file) ? readFileSync(file, "utf8") : header;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  const next = from >= 0 && to > from ? text.slice(0, from) + block + text.slice(to + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}

/** Context printed above the tables: how the numbers were taken. */
export interface RunInfo {
  date: string;
  node: string;
  cpu: string;
  pinning: string;
  durationSec: number;
  rounds: number;
  warmupSec: number;
  connections: number;
  /** The fixed request rate of each framework and storage family (`node/cookie`). */
  rates: Record<string, number>;
  refused: { label: string; problems: string[] }[];
  notBuilt: { label: string; reason: string }[];
}

/**
 * The Markdown of the side-by-side run.
 *
 * @example
 * writeSection("bench/RESULTS.md", "main", renderMain(rows, checks, info));
 */
export function renderMain(rows: RowStats[], checks: TargetCheck[], info: RunInfo): string {
  const out: string[] = [];
  out.push("## Side by side (`npm run bench`)", "");
  out.push(
    `${info.date}, Node ${info.node}, ${info.cpu}; ${info.pinning}. ${info.rounds} interleaved round(s) per server and scenario after a ${info.warmupSec} s warm-up, ${info.connections} connections; each round is two runs of ${info.durationSec} s.`,
    "",
    "- **Saturated run** (req/s, ratio): the load generator sends as fast as the server answers.",
    `- **Fixed-rate run** (CPU µs/req at the rate, extra over bare): the rows of one framework and storage family, and the bare framework, get the same request rate (${Object.entries(info.rates)
      .map(([f, r]) => `${f} ${fmtInt(r)}/s`)
      .join(", ")}: half the slowest of the family's sessionkit rows and the bare server in the warm-up; the bare row shows its framework's highest rate). This is the column that gives a library's own cost: at saturation the load generator is the limit for the fastest servers, and a server that is not saturated pays more CPU per request (fewer requests share each wake-up), so the saturated CPU column mixes both effects.`,
    "- CPU is the server process's on-CPU time, all threads, from `/proc/<pid>/task/*/schedstat` (ns), over the requests of the run. Ratio and extras are paired: in each round every row is bracketed by its bare framework, measured just before and after it, and the table gives the median over rounds of the row's ratio and difference to that bracket.",
    "- `read-cold` sends every request a cookie this process has not verified yet (a pool larger than the verified-cookie cache). A rate marked † was not held (below 95% of it in some round): that row's fixed-rate numbers are at its saturation.",
    "",
  );
  out.push("![requests per second relative to the bare framework](chart.svg)", "");
  out.push("| server | framework | family | scenario | req/s median (min–max) | ratio to bare | CPU µs/req saturated | CPU µs/req at the fixed rate | extra µs over bare at the fixed rate |");
  out.push("|---|---|---|---|---|---|---|---|---|");
  for (const r of rows) {
    const extra =
      r.fixedExtraBeyondStoreMicros !== undefined ? `${signed(r.fixedExtraMicros)} (${signed(r.fixedExtraBeyondStoreMicros)} beyond the store)` : signed(r.fixedExtraMicros);
    const name = r.library === "sessionkit" ? `**${r.label}**` : r.label;
    const warn = r.failures > 0 ? ` ⚠ ${r.failures} errors/non-2xx` : "";
    const held = r.rate === undefined ? "" : r.heldRate ? "" : " †";
    out.push(
      `| ${name}${warn} | ${r.framework} | ${r.family} | ${r.scenario} | ${fmtInt(r.rpsMedian)} (${fmtInt(r.rpsMin)}–${fmtInt(r.rpsMax)}) | ${fmt(r.ratio, 2)} | ${fmt(r.cpuMedian)} (${fmt(r.cpuMin)}–${fmt(r.cpuMax)}) | ${fmt(r.fixedCpuMedian)}${held} | ${extra} |`,
    );
  }
  out.push("", "### sessionkit's targets (issue #7)", "");
  if (checks.length === 0) out.push("No sessionkit row was measured in this run.");
  else {
    out.push("| row | scenario | target | limit | measured | met |", "|---|---|---|---|---|---|");
    for (const c of checks) out.push(`| ${c.row.label} on ${c.row.framework} | ${c.row.scenario} | ${c.what} | ${c.limit} | ${fmt(c.value, 2)} | ${c.met ? "yes" : "**no**"} |`);
  }
  if (info.refused.length > 0) {
    out.push("", "### Refused by the sanity check (not measured)", "");
    for (const r of info.refused) out.push(`- ${r.label}: ${r.problems.join("; ")}`);
  }
  if (info.notBuilt.length > 0) {
    out.push("", "### Not run", "");
    for (const r of info.notBuilt) out.push(`- ${r.label}: ${r.reason}`);
  }
  return out.join("\n");
}

const escapeXml = (s: string): string => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/**
 * A horizontal bar chart: for each non-bare row, its read and write req/s as
 * a fraction of its bare framework's, with the extra CPU µs/request printed
 * beside each bar. Plain SVG, no dependency.
 *
 * @example
 * writeFileSync("bench/chart.svg", renderChart(rows));
 */
export function renderChart(rows: RowStats[]): string {
  const measured = rows.filter((r) => r.ratio !== undefined && r.library !== "floor" && r.scenario !== "read-cold");
  const keys = [...new Set(measured.map((r) => r.id))];
  const labelWidth = 330;
  const barWidth = 420;
  const rowHeight = 34;
  const top = 56;
  const height = top + keys.length * rowHeight + 30;
  const width = labelWidth + barWidth + 170;
  const x = (ratio: number): number => labelWidth + Math.max(0, Math.min(ratio, 1.1)) * (barWidth / 1.1);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">Requests per second relative to the same framework bare (1.0 = no session cost)</text>`,
    `<rect x="10" y="31" width="12" height="10" fill="#2b6cb0"/><text x="26" y="40">/read</text>`,
    `<rect x="80" y="31" width="12" height="10" fill="#dd6b20"/><text x="96" y="40">/write</text>`,
    `<text x="160" y="40" fill="#555">labels: ratio · extra server CPU µs per request over bare, at a fixed request rate</text>`,
  ];
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<line x1="${x(tick)}" y1="${top - 6}" x2="${x(tick)}" y2="${height - 24}" stroke="${tick === 1 ? "#888" : "#ddd"}"/>`);
    parts.push(`<text x="${x(tick)}" y="${height - 10}" text-anchor="middle" fill="#555">${tick}</text>`);
  }
  keys.forEach((id, i) => {
    const y = top + i * rowHeight;
    const read = measured.find((r) => r.id === id && r.scenario === "read");
    const write = measured.find((r) => r.id === id && r.scenario === "write");
    const any = read ?? write;
    if (!any) return;
    const bold = any.library === "sessionkit" ? ` font-weight="bold"` : "";
    parts.push(`<text x="${labelWidth - 8}" y="${y + 17}" text-anchor="end"${bold}>${escapeXml(`${any.label} · ${any.framework}`)}</text>`);
    for (const [row, dy, color] of [
      [read, 2, "#2b6cb0"],
      [write, 16, "#dd6b20"],
    ] as const) {
      if (!row || row.ratio === undefined) continue;
      const w = Math.max(1, x(row.ratio) - labelWidth);
      parts.push(`<rect x="${labelWidth}" y="${y + dy}" width="${w.toFixed(1)}" height="12" fill="${color}"/>`);
      parts.push(`<text x="${(labelWidth + w + 4).toFixed(1)}" y="${y + dy + 10}" fill="#333">${row.ratio.toFixed(2)} · ${signed(row.fixedExtraMicros ?? row.extraMicros)} µs</text>`);
    }
  });
  parts.push("</svg>");
  return parts.join("\n");
}
