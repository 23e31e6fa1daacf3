/**
 * Run by cross-runtime.test.ts in a child process, under whichever primitive
 * set the child's conditions pick: reads a JSON job on stdin, answers on
 * stdout with every cookie each format writes for fixed data and time, and
 * what it reads from the cookies it was given. Uses the async API only, the
 * one every runtime has.
 */
import { runtime } from "#runtime";
import { createCookieCodec, type CookieFormat } from "../../src/codec/index.js";

export interface ProbeJob {
  secrets: string[];
  nowSeconds: number;
  data: Record<string, unknown>[];
  /** Cookies to open, per format (made by the other process). */
  open: Partial<Record<CookieFormat, string[]>>;
}

export interface ProbeAnswer {
  runtime: string;
  /** Per format, the cookie written for each `data`. */
  written: Record<CookieFormat, string[]>;
  /** Per format, the JSON of what each given cookie opened to, or the error's class. */
  opened: Partial<Record<CookieFormat, string[]>>;
}

const FORMATS: CookieFormat[] = ["flask", "signed", "encrypted"];

/**
 * Do the job.
 *
 * @example
 * await probe({ secrets: ["s"], nowSeconds: 1_700_000_000, data: [{ a: 1 }], open: {} });
 */
export async function probe(job: ProbeJob): Promise<ProbeAnswer> {
  const written = {} as Record<CookieFormat, string[]>;
  const opened: Partial<Record<CookieFormat, string[]>> = {};
  for (const format of FORMATS) {
    const codec = createCookieCodec({ format, secrets: job.secrets });
    written[format] = await Promise.all(job.data.map((d) => codec.encodeAsync(Object.assign(Object.create(null), d), { nowSeconds: job.nowSeconds })));
    opened[format] = await Promise.all(
      (job.open[format] ?? []).map((cookie) =>
        codec.decodeAsync(cookie, { maxAgeSeconds: 3600, nowSeconds: job.nowSeconds }).then(
          (data) => JSON.stringify(data),
          (error: unknown) => `error: ${(error as Error).constructor.name}`,
        ),
      ),
    );
  }
  return { runtime: runtime.name, written, opened };
}

if (process.argv[1]?.endsWith("codec-probe.ts")) {
  let input = "";
  for await (const chunk of process.stdin) input += chunk;
  process.stdout.write(JSON.stringify(await probe(JSON.parse(input) as ProbeJob)));
}
