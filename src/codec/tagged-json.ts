/**
 * Flask's `TaggedJSONSerializer` (`flask/json/tag.py`), writing side: one
 * pass that tags and prints, producing the exact text of Python's
 * `json.dumps(tagged, separators=(",", ":"), sort_keys=True, ensure_ascii=True)`
 * — docs/flask-format.md §2.1–2.2. The reading side is in `tagged-json-parse.ts`.
 *
 * Why a hand-written printer and not `JSON.stringify`: Python sorts keys by
 * code point, escapes everything ≥ U+007F as lower-case `\uXXXX`, prints
 * floats as `repr` (`1e-05`, `1e+16`, `-0.0`), writes big ints exactly and
 * `NaN`/`Infinity` bare. JavaScript does none of these.
 *
 * Value mapping (JavaScript → Python):
 * - safe integers and BigInt → int; other numbers → float (so `1e16` is the
 *   float `1e+16`); a `PyFloat` → float (`1.0`). A Python float `1.0` reads
 *   as the number 1, which alone would be written as the int `1`: given the
 *   dict it was read from (`original`), `dumps` writes every top-level value
 *   the app did not change from its original text, so the float stays a float;
 * - `Tuple` → ` t`, `Uint8Array` → ` b`, `Markup` (or any `__html__()`) → ` m`,
 *   `UUID` → ` u`, `Date` → ` d` (whole seconds);
 * - plain objects (prototype `Object.prototype` or `null`) → dict; a dict
 *   whose single key is a tag key is escaped with ` di`, as Flask does;
 * - `undefined` is skipped in objects and `null` in arrays (as `JSON.stringify`);
 *   anything else (functions, symbols, Map, Set, class instances) throws
 *   {@link UnserializableValueError}, as Python raises `TypeError`.
 */
import { runtime } from "#runtime";
import { PayloadTooLargeError, UnserializableValueError } from "./errors.js";
import { httpDate } from "./http-date.js";
import { PyFloat, Tuple, UUID } from "./python-types.js";
import { exactValues } from "./tagged-json-exact.js";
import { loads } from "./tagged-json-parse.js";

export { loads, type LoadsOptions } from "./tagged-json-parse.js";

/** The keys of Flask's default tags, in Flask's order. A 1-key dict with one of these is escaped with ` di`. */
export const TAG_KEYS: ReadonlySet<string> = new Set([" di", " t", " b", " m", " u", " d"]);

/**
 * The writer refuses what the reader (`loads`) would refuse, counting the
 * same way: `level` is the number of JSON containers around a value (a
 * tag's own `{" t": …}` included), and every object key and list item is
 * one unit. Defaults are `loads`'s own.
 */
const maxLevel = 64;
let unitsLeft = 10_000;

function unit(): void {
  if (--unitsLeft < 0) throw new PayloadTooLargeError("maxKeys", 10_000);
}

const HEX_DIGITS = "0123456789abcdef";

/** `\uXXXX` with lower-case hex, as Python's `ensure_ascii`. */
function uEscape(c: number): string {
  return `\\u${HEX_DIGITS[(c >> 12) & 15]}${HEX_DIGITS[(c >> 8) & 15]}${HEX_DIGITS[(c >> 4) & 15]}${HEX_DIGITS[c & 15]}`;
}

function escapeFrom(s: string, from: number): string {
  let out = s.slice(0, from);
  let runStart = from;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(runStart, i);
    runStart = i + 1;
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c === 0x08) out += "\\b";
    else if (c === 0x0c) out += "\\f";
    else out += uEscape(c); // JS strings are UTF-16 already: astral chars come out as Python's surrogate pair
  }
  return out + s.slice(runStart);
}

/**
 * A JSON string literal exactly as Python's `json.dumps(s, ensure_ascii=True)`.
 *
 * @example
 * quote("é\n"); // '"\\u00e9\\n"'
 */
export function quote(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f || c === 0x22 || c === 0x5c) return `"${escapeFrom(s, i)}"`;
  }
  return `"${s}"`;
}

/**
 * Python's `repr(float)`: JavaScript's shortest round-trip digits, laid out
 * the Python way (`1.0`, `1e-05`, `1e+16`, `-0.0`, `NaN`, `Infinity`).
 *
 * @example
 * pyFloatRepr(1e-5); // "1e-05"
 * pyFloatRepr(100); // "100.0"
 */
export function pyFloatRepr(x: number): string {
  if (x !== x) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const exp = (x < 0 ? -x : x).toExponential(); // "d.ddde+N": shortest digits
  const e = exp.indexOf("e");
  const digits = exp.charCodeAt(1) === 0x2e ? exp[0] + exp.slice(2, e) : exp.slice(0, e);
  const exponent = Number(exp.slice(e + 1));
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
    const intLength = exponent + 1;
    if (digits.length <= intLength) return `${sign}${digits}${"0".repeat(intLength - digits.length)}.0`;
    return `${sign}${digits.slice(0, intLength)}.${digits.slice(intLength)}`;
  }
  const mantissa = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
  const abs = exponent < 0 ? -exponent : exponent;
  return `${sign}${mantissa}e${exponent < 0 ? "-" : "+"}${abs < 10 ? "0" : ""}${abs}`;
}

/**
 * Python sorts str keys by code point; JS `sort()` by UTF-16 unit. They
 * differ only past U+D7FF: a surrogate pair (an astral code point) sorts
 * after U+E000–U+FFFF, while a lone surrogate (which a Python str can hold)
 * is its own code point, below U+E000.
 */
function codePointCompare(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a.charCodeAt(i) === b.charCodeAt(i)) continue;
    // The code points that hold position i: a low surrogate pairs with the (shared) high one before it.
    const high = i > 0 && (a.charCodeAt(i - 1) & 0xfc00) === 0xd800;
    let x = a.codePointAt(high ? i - 1 : i)!;
    let y = b.codePointAt(high ? i - 1 : i)!;
    if (x === y) {
      // The same lone high surrogate before i in both: the code points start at i.
      x = a.codePointAt(i)!;
      y = b.codePointAt(i)!;
    }
    return x - y;
  }
  return a.length - b.length;
}

function sortedKeys(obj: object): string[] {
  const keys = Object.keys(obj);
  if (keys.length < 2) return keys;
  keys.sort();
  for (const k of keys) {
    for (let i = 0; i < k.length; i++) {
      if (k.charCodeAt(i) >= 0xd800) return keys.sort(codePointCompare);
    }
  }
  return keys;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function writeNumber(x: number): string {
  if (Number.isSafeInteger(x)) return Object.is(x, -0) ? "-0.0" : String(x);
  return pyFloatRepr(x);
}

/**
 * The text to write for `original[key]` when `current` (already written as
 * `currentText`) is unchanged from it: Python's text of the value as it was
 * read, floats `1.0` included. Undefined when the app changed the value.
 */
function originalText(exact: ReturnType<typeof exactValues>, original: Record<string, unknown>, key: string, depth: number, currentText: string): string | undefined {
  const entry = exact?.get(key);
  if (entry === undefined) return undefined;
  // The current value's units were counted already: these two writes of the same data count nothing.
  const saved = unitsLeft;
  try {
    entry.js ??= write(original[key], depth);
    if (entry.js !== currentText) return undefined;
    if (entry.python === undefined) {
      // The text passed the codec's caps when it was read: no caps again here.
      const parsed = loads(entry.source, { exactFloats: true, maxDepth: 10_000, maxKeys: Infinity, maxLength: Infinity });
      entry.python = write(entry.escaped ? Object.values(parsed as object)[0] : parsed, depth);
    }
    return entry.python;
  } finally {
    unitsLeft = saved;
  }
}

/** One member of a dict at `depth` (its value one level down), from its original text when unchanged. */
function writeMember(obj: Record<string, unknown>, k: string, depth: number, exact: ReturnType<typeof exactValues>, original: Record<string, unknown> | undefined): string {
  const value = write(obj[k], depth);
  return exact === undefined ? value : (originalText(exact, original!, k, depth, value) ?? value);
}

function writeDict(obj: Record<string, unknown>, depth: number, original?: Record<string, unknown>): string {
  let keys = sortedKeys(obj);
  for (const k of keys) {
    // Skipped `undefined` values must not count toward the 1-key escape check below.
    if (obj[k] === undefined) {
      keys = keys.filter((key) => obj[key] !== undefined);
      break;
    }
  }
  const exact = original === undefined ? undefined : exactValues(original);
  // Flask's TagDict: a dict with exactly one key that is a tag key gets escaped.
  if (keys.length === 1 && TAG_KEYS.has(keys[0]!)) {
    const k = keys[0]!;
    unit();
    unit();
    level(depth + 1);
    return `{" di":{${quote(`${k}__`)}:${writeMember(obj, k, depth + 2, exact, original)}}}`;
  }
  let out = "{";
  let first = true;
  for (const k of keys) {
    unit();
    out += `${first ? "" : ","}${quote(k)}:${writeMember(obj, k, depth + 1, exact, original)}`;
    first = false;
  }
  return `${out}}`;
}

function writeList(items: readonly unknown[], depth: number): string {
  let out = "[";
  for (let i = 0; i < items.length; i++) {
    const v = items[i];
    unit();
    out += `${i === 0 ? "" : ","}${v === undefined ? "null" : write(v, depth + 1)}`;
  }
  return `${out}]`;
}

/** A value at JSON nesting `depth`: refused past the reader's depth limit, as `loads` refuses it. */
function level(depth: number): void {
  if (depth > maxLevel) throw new PayloadTooLargeError("maxDepth", maxLevel);
}

/** A tag object (`{" b": "…"}` and the like) at `depth`: one key, its string one level down. */
function tagged(depth: number): void {
  unit();
  level(depth + 1);
}

function write(value: unknown, depth: number): string {
  level(depth);
  switch (typeof value) {
    case "string":
      return quote(value);
    case "number":
      return writeNumber(value);
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      return value.toString();
    case "object":
      break;
    default:
      throw new UnserializableValueError(typeof value);
  }
  if (value === null) return "null";
  if (isPlainObject(value)) return writeDict(value as Record<string, unknown>, depth);
  if (value instanceof Tuple) {
    unit();
    level(depth + 1);
    return `{" t":${writeList(value, depth + 1)}}`;
  }
  if (Array.isArray(value)) return writeList(value, depth);
  if (value instanceof Uint8Array) {
    tagged(depth);
    return `{" b":"${runtime.base64Encode(value)}"}`;
  }
  const html = (value as { __html__?: unknown }).__html__;
  if (typeof html === "function") {
    tagged(depth);
    return `{" m":${quote(String(html.call(value)))}}`;
  }
  if (value instanceof UUID) {
    tagged(depth);
    return `{" u":"${value.hex}"}`;
  }
  if (value instanceof PyFloat) return pyFloatRepr(value.value);
  if (value instanceof Date) {
    if (!Number.isFinite(value.getTime())) throw new UnserializableValueError("Date", "is an invalid Date");
    tagged(depth);
    return `{" d":"${httpDate(value)}"}`;
  }
  throw new UnserializableValueError(value.constructor?.name ?? "object");
}

/** Options of {@link dumps}. */
export interface DumpsOptions {
  /**
   * The dict `loads` gave when the session was read. A top-level value the
   * app left unchanged is written from the text it was read from, so that a
   * Python float `1.0` (the number 1 in JavaScript) is written `1.0` again.
   */
  original?: Record<string, unknown>;
}

/**
 * Serialize one value to Flask's tagged JSON, byte for byte as Python writes
 * it. Used for the whole cookie session and, by server-side stores, for each
 * session value on its own. Throws PayloadTooLargeError for a value `loads`
 * would refuse to read back (nested deeper than 64, or more than 10,000
 * keys and list items), and UnserializableValueError for one with no
 * tagged-JSON form.
 *
 * @example
 * dumps({ user: "Tom", cart: tuple(1, 2), at: new Date(0) });
 * // '{"at":{" d":"Thu, 01 Jan 1970 00:00:00 GMT"},"cart":{" t":[1,2]},"user":"Tom"}'
 * const read = loads('{"ratio":1.0,"n":1}'); // { ratio: 1, n: 1 }
 * dumps({ ...read, n: 2 }, { original: read }); // '{"n":2,"ratio":1.0}'
 */
export function dumps(value: unknown, options?: DumpsOptions): string {
  if (value === undefined) throw new UnserializableValueError("undefined");
  // Re-entrancy guard: a Markup's __html__() is app code and could call dumps.
  const saved = unitsLeft;
  unitsLeft = 10_000;
  try {
    const original = options?.original;
    if (original !== undefined && typeof value === "object" && value !== null && isPlainObject(value)) {
      level(0);
      return writeDict(value as Record<string, unknown>, 0, original);
    }
    return write(value, 0);
  } finally {
    unitsLeft = saved;
  }
}
