// cookie-session ships no types and has no @types package installed here;
// the benchmark only needs its factory.
declare module "cookie-session" {
  import type { RequestHandler } from "express";
  function cookieSession(options: Record<string, unknown>): RequestHandler;
  export default cookieSession;
}

// autocannon ships no types and @types/autocannon is not installed; the
// load generator uses only this part of its programmatic API.
declare module "autocannon" {
  interface Request {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    setupRequest?: (request: Request) => Request;
  }
  interface Options {
    url: string;
    connections?: number;
    pipelining?: number;
    duration?: number;
    headers?: Record<string, string>;
    requests?: Request[];
    timeout?: number;
  }
  interface Histogram {
    average: number;
    mean: number;
    p50: number;
    p99: number;
    total: number;
  }
  interface Result {
    requests: Histogram;
    latency: Histogram;
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    "2xx": number;
  }
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
