/**
 * JavaScript stand-ins for the Python types Flask's tagged JSON carries that
 * JavaScript lacks: `tuple`, `markupsafe.Markup` and `uuid.UUID`. (bytes are
 * `Uint8Array`, datetime is `Date`, big ints are `BigInt`.)
 */

/**
 * A Python tuple: an Array that tagged JSON writes as `{" t": [...]}`.
 * Build one with {@link tuple} (or `Tuple.from(items)`); `new Tuple(3)` is an
 * Array quirk (three holes), avoid it.
 *
 * @example
 * dumps(tuple("message", "Hello")); // '{" t":["message","Hello"]}'
 */
export class Tuple<T = unknown> extends Array<T> {}

/**
 * Make a {@link Tuple} from its items (Flask's flashes are `(category, message)` tuples).
 *
 * @example
 * const flash = tuple("success", "Saved");
 */
export function tuple<T extends unknown[]>(...items: T): Tuple<T[number]> {
  return Tuple.from(items) as Tuple<T[number]>;
}

/**
 * True for a {@link Tuple}.
 *
 * @example
 * isTuple(tuple(1, 2)); // true
 * isTuple([1, 2]); // false
 */
export function isTuple(value: unknown): value is Tuple {
  return value instanceof Tuple;
}

/**
 * A Python float whose value JavaScript holds as an integer (`1.0`,
 * `-3.0`, `100.0`): a plain number 1 is written as the int `1`, a
 * `PyFloat` as Python's `1.0`. `loads(text, { exactFloats: true })` gives
 * these for such floats; `valueOf()` makes it work in arithmetic.
 *
 * @example
 * dumps({ ratio: new PyFloat(1) }); // '{"ratio":1.0}'
 */
export class PyFloat {
  readonly value: number;
  constructor(value: number) {
    this.value = Number(value);
  }
  valueOf(): number {
    return this.value;
  }
  /** The number's own text (`"1"`), as the number it stands for prints in JavaScript. */
  toString(): string {
    return String(this.value);
  }
  toJSON(): number {
    return this.value;
  }
}

/**
 * markupsafe's `Markup`: a string already safe to put in HTML. Tagged JSON
 * writes it as `{" m": html}`; any object with an `__html__()` method is
 * written the same way, as in Flask.
 *
 * @example
 * String(new Markup("<b>Saved</b>")); // "<b>Saved</b>"
 */
export class Markup {
  readonly html: string;
  constructor(html: string) {
    this.html = String(html);
  }
  /** The HTML text, as Python's `str(markup)`. */
  toString(): string {
    return this.html;
  }
  /** The protocol Flask's tag checks for (`callable(getattr(value, "__html__"))`). */
  __html__(): string {
    return this.html;
  }
  toJSON(): string {
    return this.html;
  }
}

const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX["0123456789abcdef".charCodeAt(i)] = i;
  HEX["0123456789ABCDEF".charCodeAt(i)] = i;
}

/**
 * Python's `uuid.UUID`. Accepts what Python's constructor accepts for a hex
 * string (with or without dashes, braces, `urn:uuid:`); prints the canonical
 * dashed lower-case form. Tagged JSON writes `{" u": hex}` (32 digits).
 *
 * @example
 * String(new UUID("{12345678-1234-5678-1234-567812345678}")); // "12345678-1234-5678-1234-567812345678"
 */
export class UUID {
  /** 32 lower-case hex digits, Python's `uuid.hex`. */
  readonly hex: string;
  constructor(text: string) {
    if (typeof text !== "string") throw new TypeError("UUID: expected a string");
    // Python: hex.replace("urn:", "").replace("uuid:", "").strip("{}").replace("-", "")
    let s = text.split("urn:").join("").split("uuid:").join("");
    let start = 0;
    let end = s.length;
    while (start < end && (s.charCodeAt(start) === 0x7b || s.charCodeAt(start) === 0x7d)) start++;
    while (end > start && (s.charCodeAt(end - 1) === 0x7b || s.charCodeAt(end - 1) === 0x7d)) end--;
    s = s.slice(start, end).split("-").join("");
    if (s.length !== 32) throw new TypeError("UUID: badly formed hexadecimal UUID string");
    for (let i = 0; i < 32; i++) {
      const c = s.charCodeAt(i);
      if (c >= 128 || HEX[c] === -1) throw new TypeError("UUID: badly formed hexadecimal UUID string");
    }
    this.hex = s.toLowerCase();
  }
  /** Canonical form: 8-4-4-4-12 lower-case hex digits. */
  toString(): string {
    const h = this.hex;
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  toJSON(): string {
    return this.toString();
  }
}
