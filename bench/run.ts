/**
 * `npm run bench`: the side-by-side benchmark of issue #7.
 *
 * Bundles every server, starts them one after another on the server core
 * (sanity check, then warm-up; a server that fails the check is refused),
 * then runs interleaved rounds across all of them with the load generator on
 * the other core, reading each server's CPU time from the kernel around each
 * round. Each framework's rows are bracketed by its bare server, measured
 * just before and after them in the same round (a paired baseline). Writes `bench/RESULTS.md` (section "main"), `bench/chart.svg` and
 * `bench/results.json`.
 *
 * Every row is measured twice per round: as fast as it answers (req/s and the
 * ratio to bare), and at a fixed request rate, the same for the bare server
 * and every row of one framework and storage family (CPU µs per request and
 * the extra over bare). At saturation the load generator, not the server, is the
 * limit for the fastest servers, and a server that is not saturated pays
 * more CPU per request (fewer requests share each wake-up), so only a
 * fixed-rate comparison gives a session library's own cost.
 *
 * Options: `--quick` (a few seconds per server), `--only=<regex>` (row ids;
 * bare rows are always kept so ratios exist), `--baseline=<git ref>` (every
 * sessionkit server is also bundled against that ref's sessionkit and
 * measured in the same rounds; `npm run bench --baseline=<ref>` works too,
 * npm hands it over as npm_config_baseline). Environment knobs:
 * BENCH_DURATION_SEC (2), BENCH_ROUNDS (3), BENCH_WARMUP_SEC (1.5),
 * BENCH_CONNECTIONS (16), BENCH_COLD_POOL (25000), BENCH_RATE (one fixed rate
 * for every row; default: per framework and family, see ratesFor), REDIS_URL.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "redis";
import { baselineArg, materialise, type Baseline } from "./baseline.js";
import { bundleTwins, renderBaseline } from "./baseline-report.js";
import { ROOT, bundle } from "./build.js";
import { cpuMicros, detectPinning, startLoadGenerator, startServer, type LoadGenerator, type RunningServer } from "./processes.js";
import { endpointProbe, redisProbe, sqliteProbe, type RedisLike } from "./probes.js";
import { SERVERS, baselineTwin, scenariosOf, type Scenario, type ServerSpec } from "./registry.js";
import { renderChart, renderMain, writeSection, type RunInfo } from "./report.js";
import { checkServer, cookieHeaderFrom, type StoreProbe } from "./sanity.js";
import { checkTargets, summarize, type Sample } from "./stats.js";
import { SECRET } from "./servers/shared.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const only = args.find((a) => a.startsWith("--only="))?.slice("--only=".length);
const num = (name: string, fallback: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
const durationSec = num("BENCH_DURATION_SEC", quick ? 1 : 2);
const rounds = Math.min(num("BENCH_ROUNDS", quick ? 1 : 3), 20);
const warmupSec = num("BENCH_WARMUP_SEC", quick ? 0.5 : 1.5);
const connections = num("BENCH_CONNECTIONS", 16);
const coldPoolSize = Math.min(num("BENCH_COLD_POOL", 25_000), 500_000);
const fixedRate = process.env.BENCH_RATE ? num("BENCH_RATE", 5000) : undefined;
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const runTag = `${process.pid}`;
const baselineRef = baselineArg(args) ?? (process.env.npm_config_baseline || undefined);

const log = (line: string): void => void process.stderr.write(`${line}\n`);

interface Live {
  spec: ServerSpec;
  server: RunningServer;
  cookieHeader: string;
  coldPool?: string[];
  /** Req/s per scenario in the warm-up, which sets the framework's fixed rate. */
  warmRps: Map<Scenario, number>;
}

/** Where a row's fixed rate comes from: its framework and storage family (bare rows run at every rate of their framework). */
const rateKey = (spec: ServerSpec): string => `${spec.framework}/${spec.family}`;

/**
 * One fixed rate per framework and storage family: half the slowest of the
 * family's sessionkit (and floor) rows and the bare server in the warm-up,
 * rounded down to 100, at most 10,000. Per family, so that the cookie rows
 * are not measured at the rate a store row can hold. A family with no
 * sessionkit row (a peer's store) takes the framework's slowest sessionkit row.
 */
function ratesFor(live: Live[]): Map<string, number> {
  const rates = new Map<string, number>();
  const slowestOf = (entries: Live[]): number => Math.min(...entries.flatMap((e) => [...e.warmRps.values()]));
  for (const entry of live.filter((e) => e.spec.library !== "bare")) {
    const key = rateKey(entry.spec);
    if (rates.has(key)) continue;
    if (fixedRate) {
      rates.set(key, fixedRate);
      continue;
    }
    const { framework, family } = entry.spec;
    const bare = live.filter((e) => e.spec.framework === framework && e.spec.library === "bare");
    const own = live.filter((e) => e.spec.framework === framework && e.spec.family === family && (e.spec.library === "sessionkit" || e.spec.library === "floor"));
    const basis = own.length > 0 ? own : live.filter((e) => e.spec.framework === framework && e.spec.library === "sessionkit");
    rates.set(key, Math.max(100, Math.floor(Math.min(10_000, slowestOf([...basis, ...bare]) * 0.5) / 100) * 100));
  }
  return rates;
}

/** A pool of distinct valid cookies for cold reads, signed by sessionkit itself with the servers' secret. */
async function makeColdPool(format: "signed" | "encrypted", size: number): Promise<string[]> {
  const { createSessions } = await import("sessionkit");
  const manager = createSessions<{ user?: string; n?: number }>({ secret: SECRET, format });
  const pool: string[] = [];
  for (let i = 0; i < size; i++) {
    const session = await manager.load(undefined, { secure: false });
    session.set("user", "alice");
    session.set("n", i); // distinct data, so each cookie string is distinct even within one second
    pool.push(cookieHeaderFrom((await manager.commit(session, { status: 200 })).setCookie));
  }
  return pool;
}

async function main(): Promise<void> {
  const pin = detectPinning();
  log(`pinning: ${pin.note}`);
  const chosen = SERVERS.filter((s) => s.library === "bare" || !only || new RegExp(only).test(s.id));
  const base: Baseline | undefined = baselineRef ? materialise(baselineRef) : undefined;
  if (base) log(`baseline: ${base.ref} (${base.commit}), extracted to ${base.dir}`);
  const specs = base ? chosen.flatMap((s) => (s.library === "sessionkit" ? [s, baselineTwin(s, base.commit)] : [s])) : chosen;
  /** The bundle of a spec: the baseline's twin has its own, from the same script. */
  const bundleKey = (spec: ServerSpec): string => (spec.library === "baseline" ? `${spec.script}@base` : spec.script);

  // Bundle each script on its own, so one that cannot build yet (a missing adapter) skips only its rows.
  const notBuilt: RunInfo["notBuilt"] = [];
  const bundles = new Map<string, string>();
  const notBuiltAtBase: RunInfo["notBuilt"] = [];
  if (base) {
    const twins = await bundleTwins(base, specs, log);
    for (const [key, file] of twins.bundles) bundles.set(key, file);
    notBuiltAtBase.push(...twins.notBuilt);
  }
  for (const script of [...new Set(specs.filter((s) => s.library !== "baseline").map((s) => s.script))]) {
    try {
      for (const [name, file] of await bundle([`bench/servers/${script}.ts`])) bundles.set(name, file);
    } catch (error) {
      const reason = `bench/servers/${script}.ts does not build yet (${error instanceof Error ? error.name : "error"}; is its sessionkit entry point there?)`;
      for (const s of specs.filter((x) => x.script === script)) notBuilt.push({ label: `${s.label} on ${s.framework}`, reason });
      log(`skip ${script}: ${reason}`);
    }
  }
  const loadFile = (await bundle(["bench/loadgen.ts"])).get("loadgen");
  if (!loadFile) throw new Error("the load generator did not build");

  const redis = createClient({ url: redisUrl });
  let redisUp = true;
  await redis.connect().catch((error: unknown) => {
    redisUp = false;
    log(`Redis at ${redisUrl} is not reachable (${error instanceof Error ? error.name : "error"}): Redis rows are skipped`);
  });
  const tmp = mkdtempSync(join(tmpdir(), "sessionkit-bench-"));
  const load: LoadGenerator = await startLoadGenerator(loadFile, pin);
  const live: Live[] = [];
  const refused: RunInfo["refused"] = [];
  const probes: StoreProbe[] = [];
  try {
    for (const spec of specs) {
      const file = bundles.get(bundleKey(spec));
      if (!file) continue;
      if (spec.family === "redis" && !redisUp) {
        notBuilt.push({ label: `${spec.label} on ${spec.framework}`, reason: "Redis is not reachable" });
        continue;
      }
      const prefix = `bench:${runTag}:${spec.id}:`;
      const sqliteFile = join(tmp, `${spec.id}.db`);
      const env: Record<string, string> = { ...spec.env, BENCH_PREFIX: prefix, BENCH_SQLITE_FILE: sqliteFile, REDIS_URL: redisUrl };
      let server: RunningServer;
      try {
        server = await startServer(spec.id, file, pin, env);
      } catch (error) {
        refused.push({ label: `${spec.label} on ${spec.framework}`, problems: [`did not start: ${error instanceof Error ? error.message.slice(0, 300) : "error"}`] });
        continue;
      }
      const baseUrl = `http://127.0.0.1:${server.port}`;
      let probe: StoreProbe | undefined;
      if (spec.library !== "bare" && spec.library !== "floor") {
        if (spec.family === "redis") probe = redisProbe(redis as unknown as RedisLike, prefix);
        else if (spec.family === "sqlite") {
          const { default: Database } = await import("better-sqlite3");
          probe = sqliteProbe(new Database(sqliteFile, { readonly: true, fileMustExist: true }));
          probes.push(probe);
        } else if (spec.family === "memory") probe = endpointProbe(baseUrl, "memory");
      }
      const kind = spec.library === "bare" || spec.library === "floor" ? "bare" : "session";
      const verdict = await checkServer({ baseUrl, kind, family: spec.family === "cookie" ? "cookie" : "store", ...(probe ? { probe } : {}) }).catch((error: unknown) => ({
        ok: false,
        problems: [`sanity check failed to run: ${error instanceof Error ? error.name : "error"}`],
        cookieHeader: "",
      }));
      if (!verdict.ok) {
        refused.push({ label: `${spec.label} on ${spec.framework}`, problems: verdict.problems });
        log(`REFUSED ${spec.id}: ${verdict.problems.join("; ")}`);
        await server.stop();
        continue;
      }
      const entry: Live = { spec, server, cookieHeader: verdict.cookieHeader, warmRps: new Map() };
      if (spec.coldFormat) entry.coldPool = await makeColdPool(spec.coldFormat, coldPoolSize);
      for (const scenario of scenariosOf(spec)) entry.warmRps.set(scenario, (await measure(load, entry, scenario, warmupSec)).rps);
      live.push(entry);
      log(`ready ${spec.id} (sanity ok, warmed up)`);
    }

    const rates = ratesFor(live);
    log(`fixed rates: ${[...rates].map(([k, r]) => `${k} ${r} req/s`).join(", ")}`);
    const samples = new Map<string, Sample[]>();
    const record = (key: string, sample: Sample, round: number): void => {
      samples.set(key, [...(samples.get(key) ?? []), sample]);
      const paired = sample.baseFixedCpuMicrosPerRequest === undefined ? "" : ` (bare ${sample.baseFixedCpuMicrosPerRequest.toFixed(1)})`;
      const fixed = sample.rate === undefined ? "" : `; at ${sample.rate} req/s (held ${Math.round(sample.fixedRps ?? 0)}): ${sample.fixedCpuMicrosPerRequest?.toFixed(1)} µs/req${paired}`;
      log(`round ${round + 1}/${rounds} ${key}: ${Math.round(sample.rps)} req/s, ${sample.cpuMicrosPerRequest.toFixed(1)} µs/req${fixed}`);
    };
    const frameworks = [...new Set(live.map((e) => e.spec.framework))];
    for (let round = 0; round < rounds; round++) {
      // Framework by framework, each group bracketed by its bare server measured just before and
      // just after it: every row gets a baseline from the same minute, so drift on a shared
      // machine cancels. Orders rotate each round.
      for (const framework of frameworks.map((_, i) => frameworks[(i + round) % frameworks.length] as string)) {
        const bareEntry = live.find((e) => e.spec.library === "bare" && e.spec.framework === framework);
        const others = live.filter((e) => e.spec.library !== "bare" && e.spec.framework === framework);
        const ordered = others.map((_, i) => others[(i + round) % others.length] as Live);
        const before = new Map<Scenario, Bracket>();
        const after = new Map<Scenario, Bracket>();
        const rateOf = (entry: Live): number => rates.get(rateKey(entry.spec)) as number;
        const groupRates = [...new Set(ordered.map(rateOf))].sort((a, b) => b - a);
        if (bareEntry) for (const scenario of scenariosOf(bareEntry.spec)) before.set(scenario, await measureRuns(load, bareEntry, scenario, groupRates));
        const pending: [string, Sample, Scenario][] = [];
        for (const entry of ordered) {
          for (const scenario of scenariosOf(entry.spec)) pending.push([`${entry.spec.id}/${scenario}`, (await measureRuns(load, entry, scenario, [rateOf(entry)])).sample, scenario]);
        }
        if (bareEntry && ordered.length > 0) for (const scenario of scenariosOf(bareEntry.spec)) after.set(scenario, await measureRuns(load, bareEntry, scenario, groupRates));
        if (bareEntry) for (const [scenario, b] of before) record(`${bareEntry.spec.id}/${scenario}`, b.sample, round);
        for (const [key, sample, scenario] of pending) {
          const baseScenario: Scenario = scenario === "read-cold" ? "read" : scenario;
          const b1 = before.get(baseScenario);
          const b2 = after.get(baseScenario) ?? b1;
          if (b1 && b2) {
            sample.baseCpuMicrosPerRequest = (b1.sample.cpuMicrosPerRequest + b2.sample.cpuMicrosPerRequest) / 2;
            sample.baseRps = (b1.sample.rps + b2.sample.rps) / 2;
            const f1 = b1.fixed.get(sample.rate as number);
            const f2 = b2.fixed.get(sample.rate as number) ?? f1;
            if (f1 !== undefined && f2 !== undefined) sample.baseFixedCpuMicrosPerRequest = (f1 + f2) / 2;
          }
          record(key, sample, round);
        }
      }
    }

    const rows = summarize(specs, samples);
    const checks = checkTargets(rows);
    const info: RunInfo = {
      date: new Date().toISOString().slice(0, 10),
      node: process.versions.node,
      cpu: `${cpus()[0]?.model ?? "unknown CPU"} × ${cpus().length}`,
      pinning: pin.note,
      durationSec,
      rounds,
      warmupSec,
      connections,
      rates: Object.fromEntries(rates),
      refused,
      notBuilt,
    };
    const resultsFile = join(ROOT, "bench", "RESULTS.md");
    const againstBase = base ? renderBaseline(specs, samples, `${base.ref} (${base.commit})`, notBuiltAtBase) : "";
    writeSection(resultsFile, "main", `${renderMain(rows, checks, info)}${againstBase}`);
    if (againstBase) process.stdout.write(`${againstBase}\n`);
    writeFileSync(join(ROOT, "bench", "chart.svg"), renderChart(rows.filter((r) => r.library !== "baseline")));
    writeFileSync(join(ROOT, "bench", "results.json"), `${JSON.stringify({ info, rows }, null, 2)}\n`);
    log(`wrote bench/RESULTS.md, bench/chart.svg, bench/results.json; ${checks.filter((c) => !c.met).length} target(s) missed, ${refused.length} server(s) refused`);
  } finally {
    for (const entry of live) await entry.server.stop();
    await load.stop();
    for (const p of probes) await p.close?.();
    if (redisUp) {
      // Leave nothing behind in the shared Redis.
      for await (const batch of redis.scanIterator({ MATCH: `bench:${runTag}:*`, COUNT: 1000 })) {
        const keys = Array.isArray(batch) ? batch : [batch];
        if (keys.length > 0) await redis.del(keys);
      }
      await redis.quit();
    }
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** A scenario's runs in one round: saturated, then one at each fixed rate (CPU µs/request by rate). */
interface Bracket {
  sample: Sample;
  fixed: Map<number, number>;
}

/** A row runs at its own rate; the bare server at every rate of the rows it brackets, its row showing the first (highest). */
async function measureRuns(load: LoadGenerator, entry: Live, scenario: Scenario, rates: number[]): Promise<Bracket> {
  const sample = await measure(load, entry, scenario, durationSec);
  const fixed = new Map<number, number>();
  for (const rate of rates) {
    const run = await measure(load, entry, scenario, durationSec, rate);
    fixed.set(rate, run.cpuMicrosPerRequest);
    sample.non2xx += run.non2xx;
    sample.errors += run.errors;
    if (sample.rate === undefined) {
      sample.rate = rate;
      sample.fixedRps = run.rps;
      sample.fixedCpuMicrosPerRequest = run.cpuMicrosPerRequest;
    }
  }
  return { sample, fixed };
}

/** One timed run of one scenario (as fast as it answers, or at `rate` req/s); CPU is read from the kernel right around it. */
async function measure(load: LoadGenerator, entry: Live, scenario: Scenario, seconds: number, rate?: number): Promise<Sample> {
  const url = `http://127.0.0.1:${entry.server.port}`;
  const job = scenario === "read-cold" ? { url, path: "/read", cookiePool: entry.coldPool ?? [] } : { url, path: `/${scenario}`, cookieHeader: entry.cookieHeader };
  const before = cpuMicros(entry.server.pid);
  const result = await load.run({ ...job, durationSec: seconds, connections, ...(rate ? { rate } : {}) });
  const used = cpuMicros(entry.server.pid) - before;
  if (result.failure) throw new Error(`load generator failed on ${entry.spec.id}/${scenario}: ${result.failure}`);
  const requests = Math.max(result.requests, 1);
  return { rps: result.requests / Math.max(result.durationSec, 0.001), cpuMicrosPerRequest: used / requests, requests: result.requests, non2xx: result.non2xx, errors: result.errors + result.timeouts };
}

await main();
