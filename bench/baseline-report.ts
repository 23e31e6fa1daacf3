/**
 * The side-by-side run's baseline twins: their bundles, and its table against `--baseline=<ref>`: per sessionkit
 * row and scenario, its samples paired round by round with its baseline
 * twin's (the same server bundled against the older sessionkit, measured
 * in the same round at the same fixed rate), so that "no row slower than
 * before" is read from one run.
 */
import { join } from "node:path";
import { bundleAgainst, type Baseline } from "./baseline.js";
import { ROOT } from "./build.js";
import type { ServerSpec } from "./registry.js";
import { scenariosOf } from "./registry.js";
import { median, type Sample } from "./stats.js";

const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : "—");
const range = (xs: number[]): string => (xs.length === 0 ? "—" : `${f2(median(xs))} (${f2(Math.min(...xs))}–${f2(Math.max(...xs))})`);

/**
 * The section's markdown: per row, current over baseline per round, for CPU
 * µs per request at the fixed rate and for saturated req/s.
 *
 * @example
 * renderBaseline(specs, samples, "4a05fee (4a05fee)", notBuilt);
 */
export function renderBaseline(specs: readonly ServerSpec[], samples: Map<string, Sample[]>, ref: string, missing: { label: string; reason: string }[]): string {
  const out = [
    "",
    `### Against the baseline ${ref}, in the same rounds`,
    "",
    "Each sessionkit server is also bundled against the baseline's sessionkit (the same server file; bench/baseline.ts) and measured in every round beside the current one, at the same fixed rate. Per round, current over baseline; the table gives the median over rounds (min–max). *CPU* below 1 and *req/s* above 1 are better now. A row is *slower* when its fixed-rate CPU ratio is above 1 in every round (at least 3). Noise alone does that to 1 row in 8 at 3 rounds, so re-run a flagged row alone with more rounds (\`--only=<id> BENCH_ROUNDS=9\`) before calling it a regression.",
    "",
    "| row | framework | scenario | CPU µs/req at the fixed rate, now/base | req/s saturated, now/base | slower |",
    "|---|---|---|---|---|---|",
  ];
  for (const spec of specs.filter((s) => s.library === "sessionkit")) {
    for (const scenario of scenariosOf(spec)) {
      const now = samples.get(`${spec.id}/${scenario}`) ?? [];
      const base = samples.get(`${spec.id}@base/${scenario}`) ?? [];
      if (now.length === 0) continue;
      if (base.length === 0) {
        // Not built is listed below with its reason; a twin that did not start or failed the sanity check is in the main section's lists.
        if (!missing.some((m) => m.label.startsWith(`${spec.label} @ `) && m.label.endsWith(` on ${spec.framework}`))) {
          out.push(`| ${spec.label} | ${spec.framework} | ${scenario} | not measured at the baseline: refused or did not start (see above) | | |`);
        }
        continue;
      }
      const rounds = Math.min(now.length, base.length);
      const cpu: number[] = [];
      const rps: number[] = [];
      for (let i = 0; i < rounds; i++) {
        const a = now[i]!;
        const b = base[i]!;
        if (a.fixedCpuMicrosPerRequest !== undefined && b.fixedCpuMicrosPerRequest !== undefined) cpu.push(a.fixedCpuMicrosPerRequest / b.fixedCpuMicrosPerRequest);
        rps.push(a.rps / b.rps);
      }
      const verdict = cpu.length < 3 ? "— (under 3 rounds)" : cpu.every((r) => r > 1) ? "**yes**" : "no";
      out.push(`| ${spec.label} | ${spec.framework} | ${scenario} | ${range(cpu)} | ${range(rps)} | ${verdict} |`);
    }
  }
  for (const m of missing) out.push(`| ${m.label} | | | not measured: ${m.reason} | | |`);
  return out.join("\n");
}

/**
 * Bundle the script of every `baseline` spec against `base` (keys `<script>@base`), then remove
 * the extracted tree: the bundles hold all of the old sessionkit. A script the old tree cannot
 * build skips its twins, with esbuild's first error as the reason (it names what the tree lacks).
 *
 * @example
 * const { bundles, notBuilt } = await bundleTwins(base, specs, console.error);
 */
export async function bundleTwins(base: Baseline, specs: readonly ServerSpec[], log: (line: string) => void): Promise<{ bundles: Map<string, string>; notBuilt: { label: string; reason: string }[] }> {
  const bundles = new Map<string, string>();
  const notBuilt: { label: string; reason: string }[] = [];
  try {
    for (const script of [...new Set(specs.filter((s) => s.library === "baseline").map((s) => s.script))]) {
      try {
        const built = await bundleAgainst(base, [`bench/servers/${script}.ts`], join(ROOT, "bench", ".out", `baseline-${base.commit}`));
        bundles.set(`${script}@base`, built.get(script)!);
      } catch (error) {
        const first = (error as { errors?: { text?: string }[] }).errors?.[0]?.text ?? (error instanceof Error ? error.name : "error");
        const reason = `bench/servers/${script}.ts does not build against ${base.commit} (${first.slice(0, 200)})`;
        for (const s of specs.filter((x) => x.library === "baseline" && x.script === script)) notBuilt.push({ label: `${s.label} on ${s.framework}`, reason });
        log(`skip ${script}@base: ${reason}`);
      }
    }
  } finally {
    base.remove();
  }
  return { bundles, notBuilt };
}
