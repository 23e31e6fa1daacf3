/**
 * What a step was told, reduced to what the model predicts: a plain JSON
 * value (no ids, no cookie values), so the model's alternatives and the
 * observation compare with one function, and a failure prints as a
 * ready-to-paste assertion.
 */
import { SessionInterruptedError, StoreError } from "../../src/index.js";
import type { Value } from "./view.js";

/** `"*"` in an expected outcome matches any observed value. */
export const ANY = "*";

/** A failed step: the error's class, and for a StoreError whether the write may have landed. */
export interface Failed {
  ok: false;
  error: string;
  mayHaveApplied?: boolean | typeof ANY;
}

export type LoadOutcome = { ok: true; isNew: boolean; data: Record<string, Value>; flashes?: string[] } | Failed;
export type HandlerOutcome = { ok: true; results: unknown[] };
/** "new": a Set-Cookie with a value never issued before; "delete": the deletion cookie; "none": no Set-Cookie. */
export type CommitOutcome = { ok: true; cookie: "new" | "delete" | "none" | "several" } | Failed;
export type DestroyAllOutcome = { ok: true; count: number | typeof ANY } | Failed;
/** listForUser, with ids named by their issue number (`#3`) or `?` for an id the client was never told. */
export type ListOutcome = { ok: true; sessions: { id: string; createdAtMs: number; expiresAtMs: number }[] } | Failed;

export type Outcome = LoadOutcome | HandlerOutcome | CommitOutcome | DestroyAllOutcome | ListOutcome;

/**
 * An error as the model sees it. Anything but a StoreError or a
 * SessionInterruptedError is named by its class and is never expected.
 *
 * @example
 * failed(new SessionInterruptedError("destroyed")); // { ok: false, error: "SessionInterruptedError" }
 */
export function failed(error: unknown): Failed {
  if (error instanceof StoreError) return { ok: false, error: "StoreError", mayHaveApplied: error.mayHaveApplied };
  if (error instanceof SessionInterruptedError) return { ok: false, error: "SessionInterruptedError" };
  return { ok: false, error: error instanceof Error ? error.name : typeof error };
}

/**
 * The session cookie's fate in a commit's Set-Cookie list, and the value
 * when one was set.
 *
 * @example
 * cookieOutcome(["session=abc; HttpOnly; Path=/; SameSite=Lax"]); // { outcome: { ok: true, cookie: "new" }, value: "abc" }
 */
export function cookieOutcome(setCookie: readonly string[]): { outcome: CommitOutcome; value?: string } {
  const ours = setCookie.filter((line) => line.startsWith("session="));
  if (ours.length === 0) return { outcome: { ok: true, cookie: "none" } };
  if (ours.length > 1) return { outcome: { ok: true, cookie: "several" } };
  const value = ours[0]!.slice("session=".length).split(";")[0]!;
  if (value === "" && /;\s*Max-Age=0(;|$)/i.test(ours[0]!)) return { outcome: { ok: true, cookie: "delete" } };
  return { outcome: { ok: true, cookie: "new" }, value };
}

/**
 * Whether an observed outcome is the expected one (`"*"` matches anything).
 *
 * @example
 * matches({ ok: true, count: ANY }, { ok: true, count: 3 }); // true
 */
export function matches(expected: unknown, observed: unknown): boolean {
  if (expected === ANY) return true;
  if (Array.isArray(expected)) {
    return Array.isArray(observed) && expected.length === observed.length && expected.every((e, i) => matches(e, observed[i]));
  }
  if (expected !== null && typeof expected === "object") {
    if (observed === null || typeof observed !== "object" || Array.isArray(observed)) return false;
    const ek = Object.keys(expected).filter((k) => (expected as Record<string, unknown>)[k] !== undefined);
    const ok = Object.keys(observed).filter((k) => (observed as Record<string, unknown>)[k] !== undefined);
    if (ek.length !== ok.length) return false;
    return ek.every((k) => matches((expected as Record<string, unknown>)[k], (observed as Record<string, unknown>)[k]));
  }
  return Object.is(expected, observed);
}

/**
 * A stable one-line rendering (keys sorted) for messages, dedup keys and generated code.
 * It is what `JSON.stringify` gives with Maps as objects, Sets as sorted
 * arrays and every object's keys sorted, built by hand: the checker keys
 * every world it keeps with it, and a replacer that copies each object to
 * sort it cost a fifth of a run (test/model/show.test.ts holds it to that
 * definition).
 *
 * `rendered` keeps the text of each Map, Set and object (not array) it
 * renders, and gives it again for the same object: only for objects never
 * changed once rendered (the model's worlds, see cloneWorld in
 * server-rules.ts).
 *
 * @example
 * show({ b: 1, a: new Map([["x", 2]]) }); // '{"a":{"x":2},"b":1}'
 */
export function show(value: unknown, rendered?: WeakMap<object, string>): string {
  return text(value, rendered) ?? (undefined as unknown as string);
}

/** JSON text of a value, or undefined where JSON.stringify leaves it out (undefined, a function, a symbol). */
function text(v: unknown, rendered: WeakMap<object, string> | undefined): string | undefined {
  if (v === null) return "null";
  switch (typeof v) {
    case "string":
      return JSON.stringify(v);
    case "number":
      return Number.isFinite(v) ? String(v) : "null";
    case "boolean":
      return v ? "true" : "false";
    case "object":
      break;
    case "bigint":
      return JSON.stringify(v); // throws, as JSON.stringify does
    default:
      return undefined;
  }
  if (typeof (v as { toJSON?: unknown }).toJSON === "function") return text((v as { toJSON(): unknown }).toJSON(), rendered);
  if (Array.isArray(v)) return list(v, rendered);
  const known = rendered?.get(v as object);
  if (known !== undefined) return known;
  let out: string;
  if (v instanceof Set) out = list([...v].sort(), rendered);
  else if (v instanceof Map) out = object([...v].map(([k, x]) => [String(k), x] as [string, unknown]).sort(([a], [b]) => (a < b ? -1 : 1)), rendered);
  else out = object(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)), rendered);
  rendered?.set(v as object, out);
  return out;
}

function list(items: readonly unknown[], rendered: WeakMap<object, string> | undefined): string {
  let out = "[";
  for (let i = 0; i < items.length; i++) out += `${i > 0 ? "," : ""}${text(items[i], rendered) ?? "null"}`;
  return `${out}]`;
}

/** Sorted entries as JSON.stringify writes an object made of them: integer keys first, in numeric order (the property order of JavaScript objects), a repeated key once, where it first stood, with its last value. */
function object(sorted: [string, unknown][], rendered: WeakMap<object, string> | undefined): string {
  const index = /^(0|[1-9]\d*)$/;
  const seen = new Map<string, unknown>();
  const integers: string[] = [];
  const names: string[] = [];
  for (const [k, x] of sorted) {
    if (!seen.has(k)) (index.test(k) && Number(k) < 4_294_967_295 ? integers : names).push(k);
    seen.set(k, x);
  }
  integers.sort((a, b) => Number(a) - Number(b));
  let out = "{";
  let first = true;
  for (const k of [...integers, ...names]) {
    const t = text(seen.get(k), rendered);
    if (t === undefined) continue;
    out += `${first ? "" : ","}${JSON.stringify(k)}:${t}`;
    first = false;
  }
  return `${out}}`;
}
