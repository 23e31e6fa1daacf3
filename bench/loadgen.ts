/**
 * The load generator: a long-lived child process (pinned to its own core by
 * the harness) that runs autocannon on request over IPC, so its own start-up
 * never lands inside a measured round.
 *
 * Message in: a {@link LoadJob}; message out: a {@link LoadResult}.
 */
import autocannon from "autocannon";

/** One measured (or warm-up) run against one route. */
export interface LoadJob {
  id: number;
  url: string;
  path: string;
  /** One Cookie header for every request (warm), or… */
  cookieHeader?: string;
  /** …a pool of Cookie headers sent in turn, each at most once when the pool is large enough (cold reads). */
  cookiePool?: string[];
  durationSec: number;
  connections: number;
  /** Requests per second over all connections (autocannon `overallRate`); absent: as fast as the server answers. */
  rate?: number;
}

/** What the harness needs from autocannon's report. */
export interface LoadResult {
  id: number;
  requests: number;
  durationSec: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Set when autocannon itself failed; names the error class only. */
  failure?: string;
}

/**
 * Run one job with autocannon.
 *
 * @example
 * const result = await runLoad({ id: 1, url: "http://127.0.0.1:3000", path: "/read", cookieHeader, durationSec: 3, connections: 16 });
 */
export async function runLoad(job: LoadJob): Promise<LoadResult> {
  const pool = job.cookiePool;
  let next = 0;
  const request: { method: string; path: string; headers?: Record<string, string>; setupRequest?: (r: { headers?: Record<string, string> }) => never } = { method: "GET", path: job.path };
  if (pool && pool.length > 0) {
    // Walk the pool in order: a cookie the server saw before is only reused after the whole pool.
    request.setupRequest = ((r: { headers?: Record<string, string> }) => {
      r.headers = { ...r.headers, cookie: pool[next++ % pool.length] ?? "" };
      return r;
    }) as never;
  } else if (job.cookieHeader) {
    request.headers = { cookie: job.cookieHeader };
  }
  const result = await autocannon({
    url: job.url,
    connections: job.connections,
    duration: job.durationSec,
    requests: [request],
    timeout: 10,
    ...(job.rate ? { overallRate: job.rate } : {}),
  });
  return {
    id: job.id,
    requests: result.requests.total,
    durationSec: result.duration,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
  };
}

// Started by the harness with an IPC channel: serve jobs until it disconnects.
if (process.send) {
  process.on("message", (job: LoadJob) => {
    runLoad(job).then(
      (result) => process.send?.(result),
      (error: unknown) =>
        process.send?.({ id: job.id, requests: 0, durationSec: 0, non2xx: 0, errors: 1, timeouts: 0, latencyP50Ms: 0, latencyP99Ms: 0, failure: error instanceof Error ? error.name : typeof error }),
    );
  });
  process.on("disconnect", () => process.exit(0));
  process.send({ ready: true });
}
