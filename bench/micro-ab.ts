/**
 * `npm run bench:micro -- --baseline=<ref>`: each step of the hot path
 * (bench/micro-steps.ts) timed on the current tree and on the ref's, in one
 * process, interleaved: per round one batch of the current step and one of
 * the baseline's, in alternating order, each batch about `--batch-ms` (5)
 * of CPU time (`process.cpuUsage()`, after a young-generation GC). Prints
 * per step the least batch of each (ns per call), their ratio, and the
 * median and middle half of the per-round ratios. Nothing is written.
 *
 * Knobs: `--rounds=31`, `--batch-ms=5`, `--only=<regex of step names>`.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { materialise, bundleAgainst, baselineArg } from "./baseline.js";
import { bundle, ROOT } from "./build.js";
import type { Step } from "./micro-steps.js";

const arg = (name: string, fallback: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;

type Steps = () => Promise<Step[]>;

async function batch(run: () => unknown, calls: number): Promise<number> {
  (globalThis as { gc?: (o: { type: "minor" }) => void }).gc?.({ type: "minor" });
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) {
    const r = run();
    if (r instanceof Promise) await r;
  }
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / calls;
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};

async function child(current: string, base: string): Promise<void> {
  const only = new RegExp(arg("only", "."));
  const rounds = Number(arg("rounds", "31"));
  const batchMs = Number(arg("batch-ms", "5"));
  const a = (await (await import(current) as { steps: Steps }).steps()).filter((s) => only.test(s.name));
  const b = (await (await import(base) as { steps: Steps }).steps()).filter((s) => only.test(s.name));
  process.stdout.write(`${"step".padEnd(44)} ${"now ns".padStart(8)} ${"base ns".padStart(8)}  now/base  per-round ratio median (p25–p75)\n`);
  for (const stepA of a) {
    const stepB = b.find((s) => s.name === stepA.name);
    if (!stepB) continue;
    for (let i = 0; i < 3_000; i++) {
      await stepA.run();
      await stepB.run();
    }
    const calls = Math.max(20, Math.round((batchMs * 1e6) / Math.max(await batch(stepA.run, 500), await batch(stepB.run, 500))));
    const now: number[] = [];
    const was: number[] = [];
    for (let r = 0; r < rounds; r++) {
      if (r % 2 === 0) {
        now.push(await batch(stepA.run, calls));
        was.push(await batch(stepB.run, calls));
      } else {
        was.push(await batch(stepB.run, calls));
        now.push(await batch(stepA.run, calls));
      }
    }
    const ratios = now.map((x, i) => x / was[i]!);
    const least = (xs: number[]): number => Math.min(...xs);
    process.stdout.write(
      `${stepA.name.padEnd(44)} ${least(now).toFixed(0).padStart(8)} ${least(was).toFixed(0).padStart(8)}  ${(least(now) / least(was)).toFixed(2).padStart(8)}  ${quantile(ratios, 0.5).toFixed(2)} (${quantile(ratios, 0.25).toFixed(2)}–${quantile(ratios, 0.75).toFixed(2)})\n`,
    );
  }
}

if (process.argv.includes("--child")) {
  await child(arg("current", ""), arg("base", ""));
  process.exit(0);
}

const ref = baselineArg(process.argv) ?? process.env.npm_config_baseline;
if (!ref) throw new Error("bench/micro-ab.ts needs --baseline=<git ref>");
const base = materialise(ref);
try {
  const out = join(ROOT, "bench", ".out");
  const current = (await bundle(["bench/micro-steps.ts", "bench/micro-ab.ts"], join(out, "micro-now"))).get("micro-steps")!;
  const old = (await bundleAgainst(base, ["bench/micro-steps.ts"], join(out, `micro-${base.commit}`))).get("micro-steps")!;
  process.stderr.write(`baseline: ${ref} (${base.commit})\n`);
  const driver = join(out, "micro-now", "micro-ab.mjs");
  const args = process.argv.slice(2).filter((a) => !a.startsWith("--baseline="));
  const done = spawnSync(process.execPath, ["--expose-gc", driver, "--child", `--current=${current}`, `--base=${old}`, ...args], { cwd: ROOT, stdio: "inherit" });
  if (done.status !== 0) process.exitCode = 1;
} finally {
  base.remove();
}
