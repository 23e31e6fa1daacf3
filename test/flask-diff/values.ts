/**
 * The value language of the differential harness, TypeScript side (the
 * Python side is scripts/flask/diff_values.py): JSON with `$`-wrappers for
 * what JSON cannot say, a builder to sessionkit's values, a describer back,
 * and fast-check arbitraries for every type Flask's tagged JSON carries.
 */
import fc from "fast-check";
import { Markup, PyFloat, Tuple, UUID, isTuple, pyFloatRepr } from "sessionkit/codec";

/** A described value. */
export type Desc =
  | null
  | boolean
  | string
  | number
  | Desc[]
  | { $dict: { [key: string]: Desc } }
  | { $tuple: Desc[] }
  | { $float: string }
  | { $int: string }
  | { $bytes: string }
  | { $markup: string }
  | { $uuid: string }
  | { $datetime: number };

function isTagged(d: object): d is Record<string, unknown> {
  return !Array.isArray(d) && Object.keys(d).length === 1 && Object.keys(d)[0]!.startsWith("$");
}

/**
 * sessionkit's value for a description. With `exactFloats`, a float such as
 * `1.0` is a `PyFloat` (what Python would write), else the number 1.
 *
 * @example
 * build({ $tuple: [1, "a"] }); // Tuple [1, "a"]
 */
export function build(d: Desc, exactFloats = false): unknown {
  if (d === null || typeof d !== "object") return d;
  if (Array.isArray(d)) return d.map((x) => build(x, exactFloats));
  const [tag, v] = Object.entries(d)[0]! as [string, any];
  switch (tag) {
    case "$dict": {
      const out = Object.create(null) as Record<string, unknown>;
      for (const [k, x] of Object.entries(v as Record<string, Desc>)) out[k] = build(x, exactFloats);
      return out;
    }
    case "$tuple":
      return Tuple.from((v as Desc[]).map((x) => build(x, exactFloats)));
    case "$float": {
      const n = Number(v);
      return exactFloats && Number.isSafeInteger(n) && !Object.is(n, -0) ? new PyFloat(n) : n;
    }
    case "$int": {
      const big = BigInt(v as string);
      return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    }
    case "$bytes":
      return new Uint8Array(Buffer.from(v as string, "hex"));
    case "$markup":
      return new Markup(v as string);
    case "$uuid":
      return new UUID(v as string);
    case "$datetime":
      return new Date(v as number);
    default:
      throw new Error(`unknown tag ${tag}`);
  }
}

/**
 * The description of a sessionkit value (the inverse of build).
 *
 * @example
 * describe(1.5); // { $float: "1.5" }
 */
export function describe(v: unknown): Desc {
  if (v === undefined || v === null) return null;
  switch (typeof v) {
    case "boolean":
    case "string":
      return v;
    case "number":
      return Number.isSafeInteger(v) && !Object.is(v, -0) ? v : { $float: pyFloatRepr(v) };
    case "bigint":
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : { $int: v.toString() };
    default:
      break;
  }
  if (v instanceof Markup) return { $markup: v.html };
  if (v instanceof UUID) return { $uuid: String(v) };
  if (v instanceof Date) return { $datetime: v.getTime() };
  if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString("hex") };
  if (isTuple(v)) return { $tuple: [...v].map(describe) };
  if (Array.isArray(v)) return v.map(describe);
  const out: Record<string, Desc> = {};
  for (const k of Object.keys(v as object)) Object.defineProperty(out, k, { value: describe((v as any)[k]), enumerable: true });
  return { $dict: out };
}

/**
 * What a Python description reads as in JavaScript, which has one number
 * type: an integral float such as `1.0` is the number `1` (README: "a Python
 * float 1.0 reads as 1"). Everything else is unchanged.
 *
 * @example
 * jsView({ $float: "1.0" }); // 1
 */
export function jsView(d: Desc): Desc {
  if (d === null || typeof d !== "object") return d;
  if (Array.isArray(d)) return d.map(jsView);
  if (!isTagged(d)) return d;
  const [tag, v] = Object.entries(d)[0]! as [string, any];
  if (tag === "$float") return describe(Number(v));
  if (tag === "$dict") {
    const out: Record<string, Desc> = {};
    for (const [k, x] of Object.entries(v as Record<string, Desc>)) Object.defineProperty(out, k, { value: jsView(x), enumerable: true });
    return { $dict: out };
  }
  if (tag === "$tuple") return { $tuple: (v as Desc[]).map(jsView) };
  return d;
}

/** Python's sort order for str: by code point (JavaScript's sort() compares UTF-16 units). */
export function codePointCompare(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/**
 * JSON text with every object's keys sorted, so that two descriptions compare as text.
 *
 * @example
 * canonical({ $dict: { b: 1, a: 2 } }); // '{"$dict":{"a":2,"b":1}}'
 */
export function canonical(d: unknown): string {
  if (d === null || typeof d !== "object") return JSON.stringify(d) ?? "undefined";
  if (Array.isArray(d)) return `[${d.map(canonical).join(",")}]`;
  const keys = Object.keys(d).sort(codePointCompare);
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((d as any)[k])}`).join(",")}}`;
}

/** Keys that make the interesting cases: tag-like, prototype-like, non-ASCII, astral, empty. */
export const KEYS = ["a", "b", "user", "cart", " t", " di", "__proto__", "é😀", "\uff01", "_x", ""] as const;

/** A surrogate not part of a pair. */
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const strings = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 8 }) },
  { weight: 2, arbitrary: fc.constantFrom("", " t", " di", "é", "😀", "\u0000\u001f\u007f", "\ud800", "\udfff x", 'a"b\\c/', "<b>x</b>", "\u2028") },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 6 }) },
);

/** Floats JavaScript writes as Python does: all but the integral ones that fit a safe integer (those become ints). */
const jsExactFloat = fc.double().filter((x) => !(Number.isSafeInteger(x) && !Object.is(x, -0)));
const integralFloat = fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.maxSafeInteger()).map((x) => ({ $float: pyFloatRepr(x) }));

/**
 * Values of every type Flask's tagged JSON carries. `integralFloats` adds
 * Python floats such as `1.0`, which only a Flask app can write (a JavaScript
 * number 1 is an int); `msgspec` keeps to what Flask-Session can store.
 *
 * @example
 * fc.sample(valueArb({ integralFloats: false }), 1);
 */
export function valueArb(options: { integralFloats: boolean; msgspec?: boolean }): fc.Arbitrary<Desc> {
  const floats: fc.Arbitrary<Desc>[] = [jsExactFloat.map((x) => ({ $float: pyFloatRepr(x) }))];
  if (options.integralFloats) floats.push(integralFloat);
  // msgspec (Flask-Session) holds ints of 64 bits at most and refuses Markup: such values are a 500 there.
  const big = options.msgspec ? { min: -(2n ** 63n), max: 2n ** 64n - 1n } : { min: -(2n ** 80n), max: 2n ** 80n };
  // msgspec writes str as UTF-8 and refuses a lone surrogate (a 500 in Flask-Session).
  const text = options.msgspec ? strings.filter((x) => !LONE_SURROGATE.test(x)) : strings;
  const leaf: fc.Arbitrary<Desc> = fc.oneof(
    text,
    fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.maxSafeInteger(), fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER)),
    fc.bigInt(big).filter((b) => b > BigInt(Number.MAX_SAFE_INTEGER) || b < BigInt(Number.MIN_SAFE_INTEGER)).map((b) => ({ $int: b.toString() })),
    fc.oneof(...floats),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 6 }).map((b) => ({ $bytes: Buffer.from(b).toString("hex") })),
    options.msgspec ? fc.constant(null) : text.map((s) => ({ $markup: s })),
    fc.uuid().map((u) => ({ $uuid: u })),
    // Whole milliseconds from 1970 to 2100: a Date holds milliseconds, Flask's cookie whole seconds. sessionkit's
    // flask-session store keeps whole seconds too (its values go through tagged JSON), msgspec microseconds.
    fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => ({ $datetime: options.msgspec ? ms - (ms % 1000) : ms })),
  );
  const { value } = fc.letrec<{ value: Desc }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      leaf,
      fc.array(tie("value"), { maxLength: 3 }),
      fc.array(tie("value"), { maxLength: 3 }).map((items) => ({ $tuple: items })),
      fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), text), tie("value"), { maxKeys: 3 }).map((d) => ({ $dict: d })),
    ),
  }));
  return value;
}
