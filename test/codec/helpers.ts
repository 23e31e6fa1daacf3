/**
 * Test helpers for the codec: turn the `$`-described values of the Flask
 * vectors (scripts/flask/make_vectors.py) into sessionkit values, and run
 * real Flask on cookies we wrote.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { Markup, Tuple, UUID } from "../../src/codec/index.js";

export type Described = unknown;

export interface FlaskVectors {
  now: number;
  max_age: number;
  encode: EncodeVector[];
  decode_only: EncodeVector[];
  reject: RejectVector[];
  rotation: RotationVector[];
}
export interface EncodeVector {
  name: string;
  secret: string | { $bytes: string };
  derived_key_hex: string;
  data: Described;
  loaded: Described;
  tagged: string;
  cookie: string;
  compressed: boolean;
}
export interface RejectVector {
  name: string;
  secret: string;
  cookie: string;
  now: number;
  flask_error: string;
  flask_session: string;
}
export interface RotationVector {
  secret_key: string;
  secret_key_fallbacks: string[];
  itsdangerous_order: string[];
  cookies: { signed_by: string; cookie: string; flask_error: string; loaded: Described }[];
  app_signs: string;
  app_signs_with: string;
}

export function loadVectors(): FlaskVectors {
  return JSON.parse(readFileSync(new URL("../fixtures/flask-vectors.json", import.meta.url), "utf8")) as FlaskVectors;
}

export function secretOf(secret: string | { $bytes: string }): string | Uint8Array {
  return typeof secret === "string" ? secret : new Uint8Array(Buffer.from(secret.$bytes, "hex"));
}

/** `$`-description → the value sessionkit should produce for it. */
export function revive(d: Described): unknown {
  if (d === null || typeof d !== "object") return d;
  if (Array.isArray(d)) return d.map(revive);
  const o = d as Record<string, unknown>;
  if ("$dict" in o) {
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, v] of Object.entries(o.$dict as object)) out[k] = revive(v);
    return out;
  }
  if ("$tuple" in o) return Tuple.from((o.$tuple as unknown[]).map(revive));
  if ("$bytes" in o) return new Uint8Array(Buffer.from(o.$bytes as string, "hex"));
  if ("$markup" in o) return new Markup(o.$markup as string);
  if ("$uuid" in o) return new UUID(o.$uuid as string);
  if ("$datetime" in o) return new Date((o.$datetime as number) * 1000);
  if ("$int" in o) return BigInt(o.$int as string);
  if ("$float" in o) {
    const r = o.$float as string;
    return r === "nan" ? NaN : r === "inf" ? Infinity : r === "-inf" ? -Infinity : Number(r);
  }
  throw new Error(`unknown description ${Object.keys(o).join(",")}`);
}

/** True when python3 with Flask runs here. */
export function flaskAvailable(): boolean {
  const r = spawnSync("python3", ["-c", "import flask"], { timeout: 20_000 });
  return r.status === 0;
}

/**
 * Skip (or, with CI=true, fail) a test that needs a service it cannot reach.
 */
export function requireService(t: { skip(msg: string): void }, ok: boolean, what: string): boolean {
  if (ok) return true;
  const message = `${what} is not available here`;
  if (process.env.CI === "true") throw new Error(`${message}, and CI=true requires it`);
  console.warn(`\n!!! SKIPPED: ${message}; this test proves Flask compatibility and did not run !!!\n`);
  t.skip(message);
  return false;
}

/** Let real Flask read our cookies (scripts/flask/check_cookies.py). */
export function flaskReads(items: { cookie: string; secret: string | { $bytes: string }; now: number }[]): {
  verdict: string;
  loaded: Described;
}[] {
  const r = spawnSync("python3", ["-W", "ignore", new URL("../../scripts/flask/check_cookies.py", import.meta.url).pathname], {
    input: JSON.stringify(items),
    encoding: "utf8",
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`check_cookies.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { verdict: string; loaded: Described }[];
}
