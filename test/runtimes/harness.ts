/**
 * What the runtime conformance tests share: bundling the conformance app
 * for a runtime (esbuild, resolving `sessionkit/*` to the sources through
 * the "source" condition), and asking real Flask to read a cookie.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = fileURLToPath(new URL(".", import.meta.url));
const checkCookies = fileURLToPath(new URL("../../scripts/flask/check_cookies.py", import.meta.url));

/**
 * Bundle `app/<entry>.ts` into one ESM file for a non-Node runtime, for a
 * neutral platform: without the "node" condition, `#runtime` resolves to the
 * Web seam (src/runtime/web.ts), and a `node:` import fails the build
 * (workerd without nodejs_compat has none).
 */
export async function bundleApp(entry: string): Promise<string> {
  const outfile = join(mkdtempSync(join(tmpdir(), "sk-runtime-")), `${entry}.js`);
  await build({
    entryPoints: [join(here, "app", `${entry}.ts`)],
    outfile,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["source", "workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    logLevel: "silent",
  });
  return outfile;
}

/** What real Flask made of one cookie: `ok` and the data (described as scripts/flask/make_vectors.py does), or the itsdangerous error. */
export interface FlaskVerdict {
  verdict: string;
  loaded: unknown;
}

/**
 * Ask Flask (scripts/flask/check_cookies.py, clock frozen at `nowSeconds`)
 * to load each cookie with `secret`.
 */
export function flaskReads(python: string, secret: string, nowSeconds: number, cookies: string[]): FlaskVerdict[] {
  const input = JSON.stringify(cookies.map((cookie) => ({ cookie, secret, now: nowSeconds })));
  const run = spawnSync(python, [checkCookies], { input, encoding: "utf8", timeout: 60_000 });
  if (run.status !== 0) throw new Error(`check_cookies.py failed (status ${run.status}): ${run.stderr.slice(-500)}`);
  return JSON.parse(run.stdout) as FlaskVerdict[];
}

/**
 * Plain JSON as make_vectors.py describes Python data: a dict is `{"$dict": …}`, lists and scalars as they are.
 * The result is rebuilt by JSON.parse (as a parsed reply is), so a `__proto__` key is an own key and deepEqual compares like with like.
 */
export function described(value: unknown): unknown {
  return JSON.parse(JSON.stringify(describe(value)));
}

function describe(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(describe);
  if (value !== null && typeof value === "object") {
    const out = Object.create(null) as Record<string, unknown>;
    for (const [key, item] of Object.entries(value)) out[key] = describe(item);
    return { $dict: out };
  }
  return value;
}

/** The reverse, for vectors whose data is plain JSON (rebuilt by JSON.parse, as {@link described}). */
export function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(undescribe(value)));
}

function undescribe(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(undescribe);
  if (value !== null && typeof value === "object") {
    const dict = (value as { $dict?: Record<string, unknown> }).$dict;
    if (dict === undefined) throw new Error(`not plain JSON: ${JSON.stringify(value)}`);
    const out = Object.create(null) as Record<string, unknown>;
    for (const [key, item] of Object.entries(dict)) out[key] = undescribe(item);
    return out;
  }
  return value;
}
