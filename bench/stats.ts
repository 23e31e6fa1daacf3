/**
 * Summaries of a run: per server and scenario, the median and range of
 * requests per second and of server CPU µs per request, each row's ratio to
 * its bare framework, and sessionkit's targets checked against them.
 */
import type { Family, Framework, Scenario, ServerSpec } from "./registry.js";

/** One measured round of one scenario on one server. */
export interface Sample {
  rps: number;
  cpuMicrosPerRequest: number;
  requests: number;
  non2xx: number;
  errors: number;
  /**
   * The same framework bare, measured right before and after this server in
   * the same round (mean of the two): a paired baseline, so slow drift on a
   * shared machine cancels out of the extra and the ratio.
   */
  baseCpuMicrosPerRequest?: number;
  baseRps?: number;
  /** The fixed request rate of the second run of the round, and what that run achieved. */
  rate?: number;
  fixedRps?: number;
  /** CPU µs per request at `rate`, and the paired bare framework's at the same rate. */
  fixedCpuMicrosPerRequest?: number;
  baseFixedCpuMicrosPerRequest?: number;
}

/** The aggregate of a server's rounds in one scenario. */
export interface RowStats {
  id: string;
  label: string;
  framework: Framework;
  library: ServerSpec["library"];
  family: Family;
  scenario: Scenario;
  rounds: number;
  rpsMedian: number;
  rpsMin: number;
  rpsMax: number;
  cpuMedian: number;
  cpuMin: number;
  cpuMax: number;
  /** Median over rounds of req/s over the paired bare framework's (same scenario; `read-cold` uses `read`); ratio of medians without pairing. */
  ratio: number | undefined;
  /** Median over rounds of CPU µs/request minus the paired bare framework's (same scenario rule). */
  extraMicros: number | undefined;
  /** For store rows: extra µs beyond the store's own round trip (the floor row's extra over bare node:http). */
  extraBeyondStoreMicros: number | undefined;
  /** The framework's fixed rate, and whether this row achieved at least 95% of it in every round. */
  rate: number | undefined;
  heldRate: boolean;
  /** Median CPU µs/request at the fixed rate, and its paired extra over bare at the same rate. */
  fixedCpuMedian: number | undefined;
  fixedExtraMicros: number | undefined;
  fixedExtraBeyondStoreMicros: number | undefined;
  failures: number;
}

/**
 * The median of a non-empty list (mean of the middle two when even).
 *
 * @example
 * median([3, 1, 2]); // 2
 */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Aggregate samples into rows, with ratios and extras against each bare framework.
 *
 * @example
 * const rows = summarize(SERVERS, samples); // samples: Map<"id/scenario", Sample[]>
 */
export function summarize(specs: readonly ServerSpec[], samples: Map<string, Sample[]>): RowStats[] {
  const base = new Map<string, RowStats>();
  const rows: RowStats[] = [];
  for (const spec of specs) {
    for (const scenario of ["read", "write", "read-cold"] as Scenario[]) {
      const list = samples.get(`${spec.id}/${scenario}`);
      if (!list || list.length === 0) continue;
      const rps = list.map((s) => s.rps);
      const cpu = list.map((s) => s.cpuMicrosPerRequest);
      const paired = list.filter((x) => x.baseCpuMicrosPerRequest !== undefined && x.baseRps !== undefined);
      const row: RowStats = {
        id: spec.id,
        label: spec.label,
        framework: spec.framework,
        library: spec.library,
        family: spec.family,
        scenario,
        rounds: list.length,
        rpsMedian: median(rps),
        rpsMin: Math.min(...rps),
        rpsMax: Math.max(...rps),
        cpuMedian: median(cpu),
        cpuMin: Math.min(...cpu),
        cpuMax: Math.max(...cpu),
        ratio: undefined,
        extraMicros: undefined,
        extraBeyondStoreMicros: undefined,
        rate: list[0]?.rate,
        heldRate: list.every((x) => x.rate !== undefined && (x.fixedRps ?? 0) >= 0.95 * x.rate),
        fixedCpuMedian: list.every((x) => x.fixedCpuMicrosPerRequest !== undefined) ? median(list.map((x) => x.fixedCpuMicrosPerRequest as number)) : undefined,
        fixedExtraMicros: undefined,
        fixedExtraBeyondStoreMicros: undefined,
        failures: list.reduce((n, s) => n + s.non2xx + s.errors, 0),
      };
      if (paired.length > 0 && spec.library !== "bare") {
        row.ratio = median(paired.map((x) => x.rps / (x.baseRps as number)));
        row.extraMicros = median(paired.map((x) => x.cpuMicrosPerRequest - (x.baseCpuMicrosPerRequest as number)));
        const fixedPaired = paired.filter((x) => x.fixedCpuMicrosPerRequest !== undefined && x.baseFixedCpuMicrosPerRequest !== undefined);
        if (fixedPaired.length > 0) {
          row.fixedExtraMicros = median(fixedPaired.map((x) => (x.fixedCpuMicrosPerRequest as number) - (x.baseFixedCpuMicrosPerRequest as number)));
        }
      }
      rows.push(row);
      base.set(`${spec.id}/${scenario}`, row);
    }
  }
  for (const row of rows) {
    const ref = base.get(`bare-${row.framework}/${row.scenario === "read-cold" ? "read" : row.scenario}`);
    if (ref && row.library !== "bare" && row.extraMicros === undefined) {
      row.ratio = row.rpsMedian / ref.rpsMedian;
      row.extraMicros = row.cpuMedian - ref.cpuMedian;
    }
    if (row.family === "redis" || row.family === "sqlite") {
      const floor = base.get(`floor-node-${row.family}/${row.scenario}`);
      if (floor?.extraMicros !== undefined && row.extraMicros !== undefined && row.library !== "floor") {
        row.extraBeyondStoreMicros = row.extraMicros - floor.extraMicros;
      }
      if (floor?.fixedExtraMicros !== undefined && row.fixedExtraMicros !== undefined && row.library !== "floor") {
        row.fixedExtraBeyondStoreMicros = row.fixedExtraMicros - floor.fixedExtraMicros;
      }
    }
  }
  return rows;
}

/** One target of issue #7 and whether a row met it. */
export interface TargetCheck {
  row: RowStats;
  what: string;
  limit: string;
  value: number;
  met: boolean;
}

/**
 * The targets of issue #7, checked on every sessionkit row they apply to.
 *
 * @example
 * const misses = checkTargets(rows).filter((t) => !t.met);
 */
export function checkTargets(rows: RowStats[]): TargetCheck[] {
  const out: TargetCheck[] = [];
  const add = (row: RowStats, what: string, value: number | undefined, limit: number, kind: "max" | "min"): void => {
    if (value === undefined) return;
    out.push({ row, what, limit: `${kind === "max" ? "≤" : "≥"} ${limit}`, value, met: kind === "max" ? value <= limit : value >= limit });
  };
  for (const row of rows.filter((r) => r.library === "sessionkit")) {
    const mode = row.id.split("-").pop();
    const ratioFrameworks = row.framework === "node" || row.framework === "fastify";
    // CPU targets are read at the fixed rate (see run.ts); a row that could not hold it is judged at saturation, and says so.
    const fixed = row.heldRate && row.fixedExtraMicros !== undefined;
    const at = fixed ? ` at ${row.rate} req/s` : " (saturated: did not hold the fixed rate)";
    const extra = fixed ? row.fixedExtraMicros : row.extraMicros;
    const beyond = fixed ? row.fixedExtraBeyondStoreMicros : row.extraBeyondStoreMicros;
    if (mode === "signed") {
      if (row.scenario === "read") add(row, `extra CPU µs, warm read${at}`, extra, 2, "max");
      if (row.scenario === "read-cold") add(row, `extra CPU µs, cold read${at}`, extra, 14, "max");
      if (row.scenario === "write") add(row, `extra CPU µs, write${at}`, extra, 14, "max");
      if (ratioFrameworks && row.scenario === "read") add(row, "req/s ratio, read", row.ratio, 0.95, "min");
      if (ratioFrameworks && row.scenario === "write") add(row, "req/s ratio, write", row.ratio, 0.75, "min");
    } else if (mode === "encrypted") {
      if (row.scenario === "read") add(row, `extra CPU µs, warm read${at}`, extra, 3, "max");
      if (row.scenario === "write") add(row, `extra CPU µs, write${at}`, extra, 20, "max");
      if (ratioFrameworks && row.scenario === "write") add(row, "req/s ratio, write", row.ratio, 0.65, "min");
    } else if (mode === "redis" || mode === "sqlite") {
      if (row.scenario === "read") add(row, `extra CPU µs beyond the store round trip, read${at}`, beyond, 10, "max");
      if (row.scenario === "write") add(row, `extra CPU µs beyond the store round trip, write${at}`, beyond, 15, "max");
    }
  }
  // Every sessionkit row must beat every peer on the same framework and family.
  for (const row of rows.filter((r) => r.library === "sessionkit" && r.scenario !== "read-cold")) {
    for (const p of rows.filter((r) => r.library === "peer" && r.framework === row.framework && r.family === row.family && r.scenario === row.scenario)) {
      // At the framework's fixed rate; a peer that cannot hold it is measured at saturation, its cheapest per request.
      const mine = row.fixedCpuMedian ?? row.cpuMedian;
      const theirs = p.fixedCpuMedian ?? p.cpuMedian;
      out.push({ row, what: `CPU µs/request vs ${p.label} (${theirs.toFixed(1)})`, limit: `< ${theirs.toFixed(1)}`, value: mine, met: mine < theirs });
    }
  }
  return out;
}
