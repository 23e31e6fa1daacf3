/**
 * A small MessagePack encoder and decoder that writes what msgspec writes for
 * the values a Flask session holds, so a record sessionkit writes is byte for
 * byte the record Flask-Session 0.8 would write for the same dict
 * (docs/flask-format.md §10.6). Written here because the runtime package has zero
 * dependencies.
 *
 * Mapping (JavaScript ↔ msgpack), as msgspec does it:
 * - string ↔ str (never bin); safe integers and BigInt ↔ int in the smallest
 *   encoding (unsigned family for ≥ 0, signed for < 0); other numbers ↔ float64;
 * - boolean ↔ true/false, null ↔ nil, Uint8Array ↔ bin;
 * - Array (and Tuple, which msgspec also writes as a list) → array → Array;
 * - plain objects ↔ maps, keys in insertion order;
 * - Date ↔ the timestamp extension (type -1), as msgspec writes an aware datetime;
 * - Markup and UUID → str, as msgspec writes UUID (Markup it refuses; a string
 *   is the nearest thing a Flask app can read back);
 * - any other extension type decodes to {@link MsgpackExt}.
 */

/** An extension value this codec does not interpret (msgspec's `msgpack.Ext`). */
export class MsgpackExt {
  readonly type: number;
  readonly data: Uint8Array;
  constructor(type: number, data: Uint8Array) {
    this.type = type;
    this.data = data;
  }
}

/** Thrown when a value has no msgpack form msgspec would write (a cycle, a class instance, an int past 64 bits). */
export class MsgpackEncodeError extends TypeError {
  readonly code = "MSGPACK_UNENCODABLE";
  constructor(what: string) {
    super(`sessionkit/flask-session: cannot encode ${what} as msgpack`);
    this.name = "MsgpackEncodeError";
  }
}

/** Thrown for bytes that are not one well-formed msgpack value (the message gives an offset, never data). */
export class MsgpackDecodeError extends Error {
  readonly code = "MSGPACK_INVALID";
  constructor(what: string, offset: number) {
    super(`sessionkit/flask-session: invalid msgpack: ${what} at offset ${offset}`);
    this.name = "MsgpackDecodeError";
  }
}

const MAX_DEPTH = 64;
const TIMESTAMP_EXT = -1;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A growable byte buffer; chunks are joined once at the end. */
class Writer {
  readonly parts: Buffer[] = [];
  byte(...bytes: number[]): void {
    this.parts.push(Buffer.from(bytes));
  }
  raw(bytes: Uint8Array): void {
    this.parts.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
  sized(head8: number | undefined, head16: number, head32: number, length: number): void {
    if (head8 !== undefined && length < 256) this.byte(head8, length);
    else if (length < 65_536) this.byte(head16, length >> 8, length & 255);
    else this.u32(head32, length);
  }
  u32(head: number, value: number): void {
    const b = Buffer.alloc(5);
    b[0] = head;
    b.writeUInt32BE(value, 1);
    this.parts.push(b);
  }
}

function writeInt(w: Writer, value: number | bigint): void {
  if (typeof value === "number" && value >= 0) {
    if (value < 128) return w.byte(value);
    if (value < 256) return w.byte(0xcc, value);
    if (value < 65_536) return w.byte(0xcd, value >> 8, value & 255);
    if (value < 4_294_967_296) return w.u32(0xce, value);
  } else if (typeof value === "number") {
    if (value >= -32) return w.byte(value & 255);
    if (value >= -128) return w.byte(0xd0, value & 255);
    if (value >= -32_768) return w.byte(0xd1, (value >> 8) & 255, value & 255);
    if (value >= -2_147_483_648) {
      const b = Buffer.alloc(5);
      b[0] = 0xd2;
      b.writeInt32BE(value, 1);
      return w.raw(b);
    }
  }
  const big = BigInt(value);
  const b = Buffer.alloc(9);
  if (big >= 0n && big <= 0xffff_ffff_ffff_ffffn) {
    b[0] = 0xcf;
    b.writeBigUInt64BE(big, 1);
  } else if (big < 0n && big >= -(1n << 63n)) {
    b[0] = 0xd3;
    b.writeBigInt64BE(big, 1);
  } else {
    throw new MsgpackEncodeError("an integer outside the 64-bit range (msgspec cannot either)");
  }
  w.raw(b);
}

function writeString(w: Writer, s: string): void {
  const bytes = Buffer.from(s, "utf8");
  if (bytes.length < 32) w.byte(0xa0 | bytes.length);
  else w.sized(0xd9, 0xda, 0xdb, bytes.length);
  w.raw(bytes);
}

function writeDate(w: Writer, date: Date): void {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new MsgpackEncodeError("an invalid Date");
  const seconds = Math.floor(ms / 1000);
  const nanos = (ms - seconds * 1000) * 1_000_000;
  // The three timestamp layouts of the msgpack spec, smallest first, as msgspec picks them.
  if (nanos === 0 && seconds >= 0 && seconds < 2 ** 32) {
    const b = Buffer.alloc(6);
    b.set([0xd6, 0xff]);
    b.writeUInt32BE(seconds, 2);
    return w.raw(b);
  }
  if (seconds >= 0 && seconds < 2 ** 34) {
    const b = Buffer.alloc(10);
    b[0] = 0xd7;
    b[1] = 0xff;
    b.writeBigUInt64BE((BigInt(nanos) << 34n) | BigInt(seconds), 2);
    return w.raw(b);
  }
  const b = Buffer.alloc(15);
  b.set([0xc7, 12, 0xff]);
  b.writeUInt32BE(nanos, 3);
  b.writeBigInt64BE(BigInt(seconds), 7);
  w.raw(b);
}

const FIXEXT: Record<number, number> = { 1: 0xd4, 2: 0xd5, 4: 0xd6, 8: 0xd7, 16: 0xd8 };

function writeExt(w: Writer, ext: MsgpackExt): void {
  const n = ext.data.length;
  const fixed = FIXEXT[n];
  if (fixed !== undefined) w.byte(fixed);
  else w.sized(0xc7, 0xc8, 0xc9, n);
  w.byte(ext.type & 255);
  w.raw(ext.data);
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

function write(w: Writer, value: unknown, depth: number): void {
  if (depth > MAX_DEPTH) throw new MsgpackEncodeError("a value nested too deeply (a cycle?)");
  switch (typeof value) {
    case "string":
      return writeString(w, value);
    case "boolean":
      return w.byte(value ? 0xc3 : 0xc2);
    case "bigint":
      return writeInt(w, value);
    case "number": {
      // -0 stays a float so Python gets -0.0 back, not the int 0.
      if (Number.isSafeInteger(value) && !Object.is(value, -0)) return writeInt(w, value);
      const b = Buffer.alloc(9);
      b[0] = 0xcb;
      b.writeDoubleBE(value, 1);
      return w.raw(b);
    }
    case "object":
      break;
    default:
      throw new MsgpackEncodeError(typeof value);
  }
  if (value === null) return w.byte(0xc0);
  if (Array.isArray(value)) {
    if (value.length < 16) w.byte(0x90 | value.length);
    else w.sized(undefined, 0xdc, 0xdd, value.length);
    for (const item of value) write(w, item ?? null, depth + 1);
    return;
  }
  if (value instanceof Uint8Array) {
    w.sized(0xc4, 0xc5, 0xc6, value.length);
    return w.raw(value);
  }
  if (value instanceof Date) return writeDate(w, value);
  if (typeof (value as { __html__?: unknown }).__html__ === "function" || (value as object).constructor?.name === "UUID") {
    return writeString(w, String(value));
  }
  if (value instanceof MsgpackExt) return writeExt(w, value);
  if (!isPlainObject(value)) throw new MsgpackEncodeError((value as object).constructor?.name ?? "object");
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length < 16) w.byte(0x80 | entries.length);
  else w.sized(undefined, 0xde, 0xdf, entries.length);
  for (const [k, v] of entries) {
    writeString(w, k);
    write(w, v, depth + 1);
  }
}

/**
 * Encode one value as msgspec's `msgpack.Encoder().encode` would.
 *
 * @example
 * encodeMsgpack({ _permanent: true, n: 1 }).toString("hex"); // "82aa5f7065726d616e656e74c3a16e01"
 */
export function encodeMsgpack(value: unknown): Buffer {
  const w = new Writer();
  write(w, value, 0);
  return Buffer.concat(w.parts);
}

/** Reads one msgpack value; bounded by the input length and {@link MAX_DEPTH}. */
class Reader {
  pos = 0;
  constructor(readonly b: Buffer) {}

  need(n: number): number {
    const at = this.pos;
    if (n < 0 || at + n > this.b.length) throw new MsgpackDecodeError("truncated value", at);
    this.pos += n;
    return at;
  }
  u8(): number {
    return this.b[this.need(1)]!;
  }
  u16(): number {
    return this.b.readUInt16BE(this.need(2));
  }
  u32(): number {
    return this.b.readUInt32BE(this.need(4));
  }
  bytes(n: number): Buffer {
    const at = this.need(n);
    return this.b.subarray(at, at + n);
  }
  str(n: number): string {
    const at = this.pos;
    try {
      return utf8.decode(this.bytes(n));
    } catch (error) {
      if (error instanceof TypeError) throw new MsgpackDecodeError("a str that is not UTF-8", at);
      throw error;
    }
  }
  int64(signed: boolean): number | bigint {
    const at = this.need(8);
    const big = signed ? this.b.readBigInt64BE(at) : this.b.readBigUInt64BE(at);
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }

  value(depth: number): unknown {
    if (depth > MAX_DEPTH) throw new MsgpackDecodeError("nesting too deep", this.pos);
    const at = this.pos;
    const t = this.u8();
    if (t < 0x80) return t;
    if (t >= 0xe0) return t - 256;
    if (t < 0x90) return this.map(t & 15, depth);
    if (t < 0xa0) return this.array(t & 15, depth);
    if (t < 0xc0) return this.str(t & 31);
    switch (t) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return new Uint8Array(this.bytes(this.u8()));
      case 0xc5: return new Uint8Array(this.bytes(this.u16()));
      case 0xc6: return new Uint8Array(this.bytes(this.u32()));
      case 0xc7: return this.ext(this.u8());
      case 0xc8: return this.ext(this.u16());
      case 0xc9: return this.ext(this.u32());
      case 0xca: return this.b.readFloatBE(this.need(4));
      case 0xcb: return this.b.readDoubleBE(this.need(8));
      case 0xcc: return this.u8();
      case 0xcd: return this.u16();
      case 0xce: return this.u32();
      case 0xcf: return this.int64(false);
      case 0xd0: return this.b.readInt8(this.need(1));
      case 0xd1: return this.b.readInt16BE(this.need(2));
      case 0xd2: return this.b.readInt32BE(this.need(4));
      case 0xd3: return this.int64(true);
      case 0xd4: return this.ext(1);
      case 0xd5: return this.ext(2);
      case 0xd6: return this.ext(4);
      case 0xd7: return this.ext(8);
      case 0xd8: return this.ext(16);
      case 0xd9: return this.str(this.u8());
      case 0xda: return this.str(this.u16());
      case 0xdb: return this.str(this.u32());
      case 0xdc: return this.array(this.u16(), depth);
      case 0xdd: return this.array(this.u32(), depth);
      case 0xde: return this.map(this.u16(), depth);
      case 0xdf: return this.map(this.u32(), depth);
      default: throw new MsgpackDecodeError("the reserved byte 0xc1", at);
    }
  }

  array(n: number, depth: number): unknown[] {
    // Every item takes at least one byte: refuse a count the input cannot hold before allocating.
    if (n > this.b.length - this.pos) throw new MsgpackDecodeError("an array longer than the input", this.pos);
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.push(this.value(depth + 1));
    return out;
  }

  map(n: number, depth: number): Record<string, unknown> {
    if (n * 2 > this.b.length - this.pos) throw new MsgpackDecodeError("a map longer than the input", this.pos);
    // Null prototype: a key named __proto__ stays plain data.
    const out = Object.create(null) as Record<string, unknown>;
    for (let i = 0; i < n; i++) {
      const at = this.pos;
      const key = this.value(depth + 1);
      // Python dicts may have int keys; JSON (and Flask's tagged JSON) writes them as strings too.
      if (typeof key !== "string" && typeof key !== "number" && typeof key !== "bigint") {
        throw new MsgpackDecodeError("a map key that is not a str or int", at);
      }
      out[String(key)] = this.value(depth + 1);
    }
    return out;
  }

  ext(n: number): Date | MsgpackExt {
    const type = this.b.readInt8(this.need(1));
    const at = this.pos;
    const data = this.bytes(n);
    if (type !== TIMESTAMP_EXT) return new MsgpackExt(type, new Uint8Array(data));
    let seconds: number;
    let nanos = 0;
    if (n === 4) seconds = data.readUInt32BE(0);
    else if (n === 8) {
      const v = data.readBigUInt64BE(0);
      nanos = Number(v >> 34n);
      seconds = Number(v & 0x3_ffff_ffffn);
    } else if (n === 12) {
      nanos = data.readUInt32BE(0);
      seconds = Number(data.readBigInt64BE(4));
    } else throw new MsgpackDecodeError("a timestamp of unknown size", at);
    if (nanos > 999_999_999) throw new MsgpackDecodeError("a timestamp with nanoseconds over 1e9", at);
    return new Date(seconds * 1000 + Math.floor(nanos / 1_000_000));
  }
}

/**
 * Decode exactly one msgpack value (trailing bytes are an error). Maps come
 * back as null-prototype objects, ints past 2^53 as BigInt, timestamps as Date.
 *
 * @example
 * decodeMsgpack(Buffer.from("81a16101", "hex")); // { a: 1 }
 */
export function decodeMsgpack(bytes: Buffer): unknown {
  const r = new Reader(bytes);
  const value = r.value(0);
  if (r.pos !== bytes.length) throw new MsgpackDecodeError("extra bytes after the value", r.pos);
  return value;
}

/**
 * Decode a top-level map into its entries in wire order, keeping each value's
 * own bytes, so a store can hand values on without re-encoding them.
 *
 * @example
 * decodeMsgpackMapEntries(encodeMsgpack({ a: 1 })); // [["a", <Buffer 01>]]
 */
export function decodeMsgpackMapEntries(bytes: Buffer): Array<[string, Buffer]> {
  const r = new Reader(bytes);
  const t = r.u8();
  const n = t >= 0x80 && t < 0x90 ? t & 15 : t === 0xde ? r.u16() : t === 0xdf ? r.u32() : -1;
  if (n < 0) throw new MsgpackDecodeError("a record that is not a map", 0);
  if (n * 2 > bytes.length - r.pos) throw new MsgpackDecodeError("a map longer than the input", r.pos);
  const out: Array<[string, Buffer]> = [];
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const key = r.value(1);
    if (typeof key !== "string" && typeof key !== "number" && typeof key !== "bigint") {
      throw new MsgpackDecodeError("a session key that is not a str or int", at);
    }
    const start = r.pos;
    r.value(1);
    out.push([String(key), bytes.subarray(start, r.pos)]);
  }
  if (r.pos !== bytes.length) throw new MsgpackDecodeError("extra bytes after the record", r.pos);
  return out;
}
