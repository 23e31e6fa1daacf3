/**
 * Flask's tagged JSON, reading side: a JSON parser that accepts what Python's
 * `json.loads` accepts (NaN/Infinity, big integers, any JSON whitespace,
 * duplicate keys — last wins) and untags bottom-up in the same pass, as
 * Flask ≥ 3.0.1's `_untag_scan` does (docs/flask-format.md §2.3).
 *
 * Hostile input is bounded: nesting depth, total key count and text length
 * are capped, and every object is built with a null prototype, so
 * `__proto__` and `constructor` are plain data at every depth
 * (R50/R51, docs/security-model.md). Anything wrong throws `BadPayload`
 * whose message gives an offset, never the text.
 */
import { runtime } from "#runtime";
import { BadPayload } from "./errors.js";
import { parseHttpDate } from "./http-date.js";
import { Markup, PyFloat, Tuple, UUID } from "./python-types.js";
import { rememberExactValues, type ExactValue } from "./tagged-json-exact.js";

/** Caps for {@link loads}. */
export interface LoadsOptions {
  /** Deepest nesting of objects/arrays accepted (default 64). */
  maxDepth?: number;
  /** Most object keys accepted in the whole text (default 10,000). */
  maxKeys?: number;
  /** Longest text accepted, in UTF-16 units (default 1 MiB). */
  maxLength?: number;
  /**
   * Give a float that JavaScript would hold as an integer (`1.0`) as a
   * {@link PyFloat}, so that `dumps` writes it back as a float. Default
   * false: it is the number 1.
   */
  exactFloats?: boolean;
}

let text = "";
let pos = 0;
let keysLeft = 0;
let maxDepth = 64;
let exactFloats = false;
/** Set when a float JavaScript holds as an integer was parsed (cleared per top-level member). */
let lossy = false;

function fail(what: string): never {
  throw new BadPayload(`sessionkit/codec: could not decode the payload: ${what} at offset ${pos}`);
}

function skipWs(): void {
  for (;;) {
    const c = text.charCodeAt(pos);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
    else return;
  }
}

function literal(word: string, value: unknown): unknown {
  if (!text.startsWith(word, pos)) fail("invalid literal");
  pos += word.length;
  return value;
}

function hex4(at: number): number {
  let v = 0;
  for (let i = at; i < at + 4; i++) {
    const c = text.charCodeAt(i);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (d < 0) fail("invalid \\u escape");
    v = v * 16 + d;
  }
  return v;
}

function parseString(): string {
  const start = ++pos; // after the opening quote
  // Fast path: no escapes, no control characters (Python's strict mode refuses those).
  for (;;) {
    const c = text.charCodeAt(pos);
    if (c === 0x22) return text.slice(start, pos++);
    if (c === 0x5c || c < 0x20 || pos >= text.length) break;
    pos++;
  }
  let out = text.slice(start, pos);
  for (;;) {
    if (pos >= text.length) fail("unterminated string");
    const c = text.charCodeAt(pos);
    if (c === 0x22) {
      pos++;
      return out;
    }
    if (c < 0x20) fail("control character in string");
    if (c !== 0x5c) {
      const runStart = pos;
      while (pos < text.length) {
        const d = text.charCodeAt(pos);
        if (d === 0x22 || d === 0x5c || d < 0x20) break;
        pos++;
      }
      out += text.slice(runStart, pos);
      continue;
    }
    const e = text.charCodeAt(pos + 1);
    pos += 2;
    if (e === 0x22) out += '"';
    else if (e === 0x5c) out += "\\";
    else if (e === 0x2f) out += "/";
    else if (e === 0x62) out += "\b";
    else if (e === 0x66) out += "\f";
    else if (e === 0x6e) out += "\n";
    else if (e === 0x72) out += "\r";
    else if (e === 0x74) out += "\t";
    else if (e === 0x75) {
      out += String.fromCharCode(hex4(pos));
      pos += 4;
    } else fail("invalid escape");
  }
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Python's NUMBER_RE: `-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?`; ints stay exact (BigInt past 2^53). */
function parseNumber(): number | bigint | PyFloat {
  const start = pos;
  if (text.charCodeAt(pos) === 0x2d) pos++;
  if (text.charCodeAt(pos) === 0x30) pos++;
  else if (isDigit(text.charCodeAt(pos))) while (isDigit(text.charCodeAt(pos))) pos++;
  else fail("invalid number");
  let isFloat = false;
  if (text.charCodeAt(pos) === 0x2e && isDigit(text.charCodeAt(pos + 1))) {
    isFloat = true;
    pos++;
    while (isDigit(text.charCodeAt(pos))) pos++;
  }
  const e = text.charCodeAt(pos);
  if (e === 0x65 || e === 0x45) {
    let p = pos + 1;
    const s = text.charCodeAt(p);
    if (s === 0x2b || s === 0x2d) p++;
    if (isDigit(text.charCodeAt(p))) {
      isFloat = true;
      pos = p;
      while (isDigit(text.charCodeAt(pos))) pos++;
    }
  }
  const literalText = text.slice(start, pos);
  if (isFloat) {
    const n = Number(literalText);
    // 1.0 would print back as the int 1: the one float whose text JavaScript loses (-0.0 prints as -0.0).
    if (Number.isSafeInteger(n) && !Object.is(n, -0)) {
      lossy = true;
      if (exactFloats) return new PyFloat(n);
    }
    return n;
  }
  if (pos - start <= 15) return Number(literalText) + 0; // + 0: Python's int "-0" is 0, not -0
  const big = BigInt(literalText);
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

function parseArray(depth: number): unknown[] {
  pos++;
  const items: unknown[] = [];
  skipWs();
  if (text.charCodeAt(pos) === 0x5d) {
    pos++;
    return items;
  }
  for (;;) {
    if (--keysLeft < 0) fail("too many items");
    items.push(parseValue(depth + 1));
    skipWs();
    const c = text.charCodeAt(pos++);
    if (c === 0x5d) return items;
    if (c !== 0x2c) fail("expected ',' or ']'");
    skipWs();
  }
}

function parseObject(depth: number): unknown {
  pos++;
  const obj: Record<string, unknown> = Object.create(null);
  skipWs();
  if (text.charCodeAt(pos) === 0x7d) {
    pos++;
    return obj;
  }
  let firstKey = "";
  let members = 0;
  // The session dict itself: remember the text of each value holding a float 1.0 (tagged-json-exact.ts).
  let exact: Map<string, ExactValue> | undefined;
  for (;;) {
    if (text.charCodeAt(pos) !== 0x22) fail("expected a key");
    if (--keysLeft < 0) fail("too many keys");
    const key = parseString();
    skipWs();
    if (text.charCodeAt(pos++) !== 0x3a) fail("expected ':'");
    skipWs();
    const start = pos;
    const lossyBefore = lossy;
    lossy = false;
    obj[key] = parseValue(depth + 1); // null prototype: "__proto__" is an ordinary own key here
    if (depth === 0) {
      if (lossy) (exact ??= new Map()).set(key, { source: text.slice(start, pos) });
      else exact?.delete(key); // a duplicate key: the last one wins, as in a dict
    }
    lossy ||= lossyBefore;
    if (members++ === 0) firstKey = key;
    skipWs();
    const c = text.charCodeAt(pos++);
    if (c === 0x7d) break;
    if (c !== 0x2c) fail("expected ',' or '}'");
    skipWs();
  }
  // Flask untags a dict with exactly one key that is a tag key (duplicates collapse first, as in a dict).
  if (firstKey.length > 0 && firstKey.charCodeAt(0) === 0x20 && (members === 1 || Object.keys(obj).length === 1)) {
    const untagged = untag(firstKey, obj[firstKey], obj);
    const escaped = exact?.get(" di");
    if (escaped !== undefined && firstKey === " di") {
      const key = Object.keys(untagged as object)[0]!;
      rememberExactValues(untagged as object, new Map([[key, { source: escaped.source, escaped: true }]]));
    }
    return untagged;
  }
  if (exact !== undefined && exact.size > 0) rememberExactValues(obj, exact);
  return obj;
}

function untag(key: string, value: unknown, obj: Record<string, unknown>): unknown {
  switch (key) {
    case " di": {
      if (typeof value !== "object" || value === null || Object.getPrototypeOf(value) !== null) fail("bad ' di' tag");
      const inner = Object.keys(value);
      if (inner.length === 0) fail("bad ' di' tag");
      const out: Record<string, unknown> = Object.create(null);
      out[inner[0]!.slice(0, -2)] = (value as Record<string, unknown>)[inner[0]!];
      return out;
    }
    case " t":
      return toTuple(value);
    case " b":
      if (typeof value !== "string") fail("bad ' b' tag");
      return Uint8Array.from(runtime.base64Decode(value));
    case " m":
      if (typeof value !== "string") fail("bad ' m' tag");
      return new Markup(value);
    case " u":
      if (typeof value !== "string") fail("bad ' u' tag");
      try {
        return new UUID(value);
      } catch (error) {
        throw new BadPayload("sessionkit/codec: could not decode the payload: bad ' u' tag", { cause: error });
      }
    case " d":
      if (typeof value !== "string") fail("bad ' d' tag");
      return parseHttpDate(value);
    default:
      return obj;
  }
}

/** Python's `tuple(value)`: any iterable. */
function toTuple(value: unknown): Tuple {
  if (Array.isArray(value)) return Tuple.from(value);
  if (typeof value === "string") return Tuple.from(value);
  if (value instanceof Uint8Array) return Tuple.from(value);
  if (value instanceof Markup) return Tuple.from(value.html);
  if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === null) return Tuple.from(Object.keys(value));
  return fail("bad ' t' tag");
}

function parseValue(depth: number): unknown {
  if (depth > maxDepth) fail("nested too deeply");
  skipWs();
  const c = text.charCodeAt(pos);
  switch (c) {
    case 0x7b:
      return parseObject(depth);
    case 0x5b:
      return parseArray(depth);
    case 0x22:
      return parseString();
    case 0x74:
      return literal("true", true);
    case 0x66:
      return literal("false", false);
    case 0x6e:
      return literal("null", null);
    case 0x4e:
      return literal("NaN", NaN);
    case 0x49:
      return literal("Infinity", Infinity);
    case 0x2d:
      if (text.charCodeAt(pos + 1) === 0x49) return literal("-Infinity", -Infinity);
      return parseNumber();
    default:
      if (isDigit(c)) return parseNumber();
      return fail(pos >= text.length ? "unexpected end" : "unexpected character");
  }
}

/**
 * Parse Flask's tagged JSON (anything Python's `json.loads` reads) into
 * JavaScript values: dicts become null-prototype objects, tags become
 * `Tuple`, `Uint8Array`, `Markup`, `UUID`, `Date` (or `null` for an
 * unparsable date, as Werkzeug), ints past ±2^53 become `BigInt`, and a
 * float such as `1.0` the number 1 (a {@link PyFloat} with `exactFloats`).
 * A top-level dict remembers the text of each value holding such a float,
 * so that `dumps(data, { original })` writes it back unchanged.
 * Throws `BadPayload` on anything else.
 *
 * @example
 * loads('{" t":["a",1]}'); // Tuple ["a", 1]
 * loads('{"__proto__":{"admin":true}}').__proto__.admin; // true, and no prototype was touched
 */
export function loads(source: string, options?: LoadsOptions): unknown {
  if (typeof source !== "string") throw new BadPayload("sessionkit/codec: could not decode the payload: not a string");
  if (source.length > (options?.maxLength ?? 1 << 20)) {
    throw new BadPayload("sessionkit/codec: could not decode the payload: longer than maxLength");
  }
  const saved = { text, pos, keysLeft, maxDepth, exactFloats, lossy }; // re-entrancy guard (a cheap object; loads never calls out)
  text = source;
  pos = 0;
  keysLeft = options?.maxKeys ?? 10_000;
  maxDepth = options?.maxDepth ?? 64;
  exactFloats = options?.exactFloats === true;
  lossy = false;
  try {
    const value = parseValue(0);
    skipWs();
    if (pos !== text.length) fail("extra data");
    return value;
  } finally {
    text = saved.text;
    pos = saved.pos;
    keysLeft = saved.keysLeft;
    maxDepth = saved.maxDepth;
    exactFloats = saved.exactFloats;
    lossy = saved.lossy;
  }
}
