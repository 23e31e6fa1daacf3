/**
 * A zlib inflater (RFC 1950 wrapper around RFC 1951 DEFLATE) for small
 * inputs. `zlib.inflateSync` spends 2-5 µs setting up a z_stream per call,
 * more than the rest of a `flask` cookie decode; this needs one small object.
 * Per output byte it is slower than native zlib (~2-4 ns against ~0.5), so
 * it wins below ~1-1.5 KB of output: see bench/codec/inflate-bench.ts.
 *
 * Why it stays (issue #15 item 7; bench/codec/hand-written.ts, Node 20.20,
 * a loaded 2-core machine, 2026-12-03):
 *
 * | Flask-style payload | this, warm | `inflateSync` | `inflateRawSync` | this, cold: 1st / 20 calls | `inflateSync`, cold |
 * |---|---|---|---|---|---|
 * | 124 B compressed | 3.4 µs | 17.6 µs | 17.5 µs | 5.1 ms / 19 ms | 0.18 ms / 1.3 ms |
 * | 270 B compressed | 15 µs | 16 µs | 10.6 µs | 3.7 ms / 31 ms | 0.19 ms / 1.5 ms |
 *
 * Warm, on a typical cookie, it is 5× faster than node:zlib; cold (the first
 * reads of a fresh process, JIT not yet run) it costs milliseconds where
 * zlib costs a fraction of one, once per process. Core's verified-cookie
 * cache means a cookie is inflated once, not per request, so either cost is
 * per new cookie. What decides it: it is the one synchronous inflate every
 * runtime has. DecompressionStream is asynchronous, and the codec's reads
 * must stay synchronous on Node (`open`, `commitSync`) while using no
 * `node:zlib` elsewhere (the `#runtime` seam, issue #18). On Node,
 * url-safe.ts hands streams over `JS_INFLATE_MAX` bytes to node:zlib.
 *
 * It is exactly as strict as zlib's inflate (a differential fuzz test holds
 * it to that): every malformed stream throws {@link InflateError}. Huffman
 * codes follow zlib's inftrees.c: over-subscribed codes are refused, and so
 * are incomplete ones, except a literal/length or distance code made of a
 * single 1-bit code, or a distance code with no codes at all (only using
 * those missing codes fails). Bytes after the Adler-32 are ignored, as
 * `zlib.inflateSync` ignores them.
 *
 * Decoding uses flat tables: a root table indexed by the next `root` input
 * bits, whose entries for longer codes link to a sub-table indexed by the
 * bits after them. The fixed tables (§3.2.6) are built once, at load;
 * dynamic ones are built per block into module-level scratch arrays, which
 * is safe because this code is synchronous and never re-entered.
 */

/** Why a stream was refused; fixed strings, safe to log (no input byte ever appears). */
export type InflateFailure =
  | "bad header" // CMF/FLG: method, window size, check bits, or a preset dictionary (RFC 1950 §2.2)
  | "bad block type" // BTYPE 3 (§3.2.3)
  | "bad stored length" // LEN is not the one's complement of NLEN (§3.2.4)
  | "bad code lengths" // a dynamic header zlib refuses (§3.2.7)
  | "invalid code" // bits no code has, or a symbol that may not appear
  | "distance too far back" // a match reaching before the start of the output
  | "unexpected end" // the stream stops early
  | "bad checksum" // the Adler-32 does not match (RFC 1950 §2.2)
  | "output too large"; // more than maxOutputBytes

/**
 * A zlib stream that is malformed, or would inflate past the cap.
 *
 * @example
 * try { inflateZlib(bytes, 65536) } catch (e) { if (e instanceof InflateError) log(e.reason) }
 */
export class InflateError extends Error {
  readonly code = "INFLATE_FAILED";
  constructor(readonly reason: InflateFailure) {
    super(`sessionkit/codec: cannot inflate the zlib stream: ${reason}`);
    this.name = "InflateError";
  }
}

import { adler32, DIST_EXTRA_BITS, LENGTH_EXTRA_BITS, reverseBits } from "./zlib-common.js";

// §3.2.5: base of length codes 257..285 and distance codes 0..29, as the RFC tabulates them (extra bits: zlib-common.ts).
const LEN_BASE = Uint16Array.of(3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258);
const DIST_BASE = Uint16Array.of(1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577);
const CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]; // §3.2.7

// Table entries: leaf = symbol << 8 | code length (1..15); link = offset << 8 | 16 | sub-table bits; 0 = invalid.
const LINK = 16;
const COUNT = new Uint16Array(16);
const NEXT = new Uint16Array(16);

/**
 * Fills `table` for the symbols `syms[from .. to)` (those with a nonzero
 * length in `lens`, ascending; symbol = index - base) and returns its root
 * bits, or -1 for a code zlib refuses. Codes are canonical (§3.2.2): each
 * length's codes are consecutive numbers from NEXT[len], in symbol order.
 */
function buildTable(lens: Uint8Array, syms: Uint16Array, from: number, to: number, base: number, table: Int32Array, maxRoot: number): number {
  COUNT.fill(0);
  for (let k = from; k < to; k++) COUNT[lens[syms[k]!]!]!++;
  let max = 15;
  while (max > 0 && COUNT[max] === 0) max--;
  if (max === 0) {
    table[0] = table[1] = 0; // no codes: fine until a symbol is read with it
    return 1;
  }
  let left = 1; // Kraft: code space still free at each depth
  for (let len = 1, code = 0; len <= 15; len++) {
    if ((left = (left << 1) - COUNT[len]!) < 0) return -1; // over-subscribed
    NEXT[len] = code = (code + COUNT[len - 1]!) << 1;
  }
  if (left > 0 && max !== 1) return -1; // incomplete, beyond the lone 1-bit code (callers refuse that where zlib does)
  const root = Math.min(maxRoot, max);
  const size = 1 << root;
  if (left > 0) table.fill(0, 0, size); // the lone 1-bit code leaves the other half invalid
  if (max > root && !linkSubTables(table, root, max)) return -1;
  for (let k = from; k < to; k++) {
    const len = lens[syms[k]!]!;
    const rev = reverseBits(NEXT[len]!++, len);
    const entry = ((syms[k]! - base) << 8) | len;
    if (len <= root) {
      for (let j = rev; j < size; j += 1 << len) table[j] = entry;
    } else {
      const link = table[rev & (size - 1)]!;
      for (let j = rev >> root; j < 1 << (link & 15); j += 1 << (len - root)) table[(link >> 8) + j] = entry;
    }
  }
  return root;
}

/**
 * Gives each root prefix of the codes longer than `root` a sub-table as deep
 * as its longest code. Those codes come last in canonical order, so they own
 * every prefix from the first long code's to the end; length `d` reaches a
 * prefix when the run NEXT[d] .. NEXT[d] + COUNT[d] meets its range.
 */
function linkSubTables(table: Int32Array, root: number, max: number): boolean {
  let first = root + 1;
  while (COUNT[first] === 0) first++;
  for (let p = NEXT[first]! >> (first - root), end = 1 << root; p < 1 << root; p++) {
    let d = max;
    while (d > first && !(NEXT[d]! < (p + 1) << (d - root) && NEXT[d]! + COUNT[d]! > p << (d - root))) d--;
    if (end + (1 << (d - root)) > table.length) return false; // unreachable: zlib's enough.c bounds
    table[reverseBits(p, root)] = (end << 8) | LINK | (d - root);
    end += 1 << (d - root);
  }
  return true;
}

const ALL = Uint16Array.from({ length: 320 }, (_, i) => i);
/** §3.2.6: the fixed codes, built once. Symbols 286, 287 and distances 30, 31 have codes but are invalid. */
const FIXED_LIT = new Int32Array(512);
const FIXED_DIST = new Int32Array(32);
{
  const lens = new Uint8Array(320).fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288).fill(5, 288);
  buildTable(lens, ALL, 0, 288, 0, FIXED_LIT, 9);
  buildTable(lens, ALL, 288, 320, 288, FIXED_DIST, 5);
}
// Roots as zlib's; its enough.c proves 852 and 592 entries suffice for any code with them.
const LIT_ROOT = 9;
const DIST_ROOT = 6;
const DYN_LIT = new Int32Array(1024);
const DYN_DIST = new Int32Array(1024);
const CL_TABLE = new Int32Array(128);
const CL_LENS = new Uint8Array(19);
const CL_SYMS = new Uint16Array(19);
const LENS = new Uint8Array(286 + 30);
const SYMS = new Uint16Array(286 + 30);

/** One inflation: the input, the bit buffer between blocks, and the output so far. */
class Inflater {
  pos = 2; // after CMF, FLG
  bitBuf = 0; // unread bits, first in the low bit (§3.1.1); ≤ 31 of them, so `>>` never sees a sign bit
  bitCnt = 0;
  outPos = 0;
  out: Uint8Array;
  constructor(readonly input: Uint8Array, readonly cap: number) {
    this.out = new Uint8Array(Math.min(cap, Math.max(256, input.length * 4))); // 4×: cookie JSON compresses ~2-4×
  }

  /**
   * Takes `n` (≤ 24) bits. Past the end of the input it reads zero bytes, and
   * throws on a fifth: with under 24 bits still buffered, 9+ of them were used.
   * Every refill works this way; the byte-aligned reads after align() catch
   * any smaller overrun, so no stream is accepted on padding.
   */
  take(n: number): number {
    for (; this.bitCnt < n; this.pos++, this.bitCnt += 8) {
      if (this.pos < this.input.length) this.bitBuf |= this.input[this.pos]! << this.bitCnt;
      else if (this.pos >= this.input.length + 4) throw new InflateError("unexpected end");
    }
    const v = this.bitBuf & ((1 << n) - 1);
    this.bitBuf >>= n;
    this.bitCnt -= n;
    return v;
  }

  /** Skips to the next byte boundary and hands whole buffered bytes back (pos may then still be past the end). */
  align(): void {
    this.pos -= this.bitCnt >> 3;
    this.bitBuf = this.bitCnt = 0;
  }

  /** Room for `n` bytes after `outPos`, doubling, never past the cap: a bomb costs at most `cap` bytes of memory. */
  grow(outPos: number, n: number): Uint8Array {
    if (outPos + n > this.cap) throw new InflateError("output too large");
    const out = new Uint8Array(Math.min(this.cap, Math.max(outPos + n, this.out.length * 2)));
    out.set(this.out.subarray(0, outPos));
    return (this.out = out);
  }

  /** §3.2.4: LEN, NLEN, then LEN bytes as they are. */
  stored(): void {
    this.align();
    const { input, pos } = this;
    if (pos + 4 > input.length) throw new InflateError("unexpected end");
    const len = input[pos]! | (input[pos + 1]! << 8);
    if ((input[pos + 2]! | (input[pos + 3]! << 8)) !== (len ^ 0xffff)) throw new InflateError("bad stored length");
    if (pos + 4 + len > input.length) throw new InflateError("unexpected end");
    if (this.outPos + len > this.out.length) this.grow(this.outPos, len);
    this.out.set(input.subarray(pos + 4, pos + 4 + len), this.outPos);
    this.outPos += len;
    this.pos = pos + 4 + len;
  }

  /** §3.2.7: reads a dynamic block's code lengths, builds DYN_LIT and DYN_DIST, returns litBits << 4 | distBits. */
  dynamic(): number {
    const head = this.take(14);
    const nlen = (head & 31) + 257;
    const total = nlen + ((head >> 5) & 31) + 1;
    if (nlen > 286 || total - nlen > 30) throw new InflateError("bad code lengths");
    CL_LENS.fill(0);
    for (let i = 0; i < (head >> 10) + 4; i++) CL_LENS[CL_ORDER[i]!] = this.take(3);
    let n = 0;
    for (let s = 0; s < 19; s++) if (CL_LENS[s]) CL_SYMS[n++] = s;
    // The code-length code must be complete: no lone code, and no empty code (symbol 256 could get no length).
    const clBits = n < 2 ? -1 : buildTable(CL_LENS, CL_SYMS, 0, n, 0, CL_TABLE, 7);
    if (clBits < 0) throw new InflateError("bad code lengths");
    const clMask = (1 << clBits) - 1;
    const input = this.input;
    let { pos, bitBuf: buf, bitCnt: cnt } = this;
    let prev = 0;
    n = 0;
    LENS[256] = 0; // zeros are never written, only this one is read
    for (let i = 0; i < total; ) {
      for (; cnt < 14; pos++, cnt += 8) {
        if (pos < input.length) buf |= input[pos]! << cnt;
        else if (pos >= input.length + 4) throw new InflateError("unexpected end"); // see take()
      }
      const e = CL_TABLE[buf & clMask]!;
      buf >>= e & 15;
      cnt -= e & 15;
      const sym = e >> 8;
      let repeat = 1;
      if (sym >= 16) {
        const extra = sym === 16 ? 2 : sym === 17 ? 3 : 7;
        repeat = (sym === 18 ? 11 : 3) + (buf & ((1 << extra) - 1));
        buf >>= extra;
        cnt -= extra;
        if (sym !== 16) prev = 0;
        else if (i === 0) throw new InflateError("bad code lengths"); // nothing to repeat
        if (i + repeat > total) throw new InflateError("bad code lengths");
      } else prev = sym;
      if (prev === 0) i += repeat;
      else for (const stop = i + repeat; i < stop; i++) (LENS[i] = prev), (SYMS[n++] = i);
    }
    this.pos = pos;
    this.bitBuf = buf;
    this.bitCnt = cnt;
    if (LENS[256] === 0) throw new InflateError("bad code lengths"); // no end-of-block code
    let split = n;
    while (split > 0 && SYMS[split - 1]! >= nlen) split--;
    const litBits = buildTable(LENS, SYMS, 0, split, 0, DYN_LIT, LIT_ROOT);
    const distBits = buildTable(LENS, SYMS, split, n, nlen, DYN_DIST, DIST_ROOT);
    if (litBits < 0 || distBits < 0) throw new InflateError("bad code lengths");
    return (litBits << 4) | distBits;
  }

  /** §3.2.5: the hot loop, with the bit buffer and output cursor in locals. */
  huffman(lit: Int32Array, litBits: number, dist: Int32Array, distBits: number): void {
    const input = this.input;
    const inEnd = input.length;
    const litMask = (1 << litBits) - 1;
    const distMask = (1 << distBits) - 1;
    let { pos, bitBuf: buf, bitCnt: cnt, out, outPos } = this;
    for (;;) {
      for (; cnt < 24; pos++, cnt += 8) {
        if (pos < inEnd) buf |= input[pos]! << cnt;
        else if (pos >= inEnd + 4) throw new InflateError("unexpected end"); // see take()
      }
      let e = lit[buf & litMask]!;
      if (e & LINK) e = lit[(e >> 8) + ((buf >> litBits) & ((1 << (e & 15)) - 1))]!;
      if (e === 0) throw new InflateError("invalid code");
      buf >>= e & 15;
      cnt -= e & 15;
      let sym = e >> 8;
      if (sym < 256) {
        if (outPos === out.length) out = this.grow(outPos, 1);
        out[outPos++] = sym;
        continue;
      }
      if (sym === 256) break;
      if ((sym -= 257) > 28) throw new InflateError("invalid code"); // 286, 287: only the fixed code has them
      const lenExtra = LENGTH_EXTRA_BITS[sym]!;
      const len = LEN_BASE[sym]! + (buf & ((1 << lenExtra) - 1));
      buf >>= lenExtra;
      cnt -= lenExtra;
      for (; cnt < 24; pos++, cnt += 8) {
        if (pos < inEnd) buf |= input[pos]! << cnt;
        else if (pos >= inEnd + 4) throw new InflateError("unexpected end"); // see take()
      }
      e = dist[buf & distMask]!;
      if (e & LINK) e = dist[(e >> 8) + ((buf >> distBits) & ((1 << (e & 15)) - 1))]!;
      if (e === 0 || (sym = e >> 8) > 29) throw new InflateError("invalid code"); // 30, 31: fixed code only
      buf >>= e & 15;
      cnt -= e & 15;
      const distExtra = DIST_EXTRA_BITS[sym]!;
      for (; cnt < distExtra; pos++, cnt += 8) {
        if (pos < inEnd) buf |= input[pos]! << cnt;
        else if (pos >= inEnd + 4) throw new InflateError("unexpected end");
      }
      const d = DIST_BASE[sym]! + (buf & ((1 << distExtra) - 1));
      buf >>= distExtra;
      cnt -= distExtra;
      if (d > outPos) throw new InflateError("distance too far back");
      if (outPos + len > out.length) out = this.grow(outPos, len);
      let from = outPos - d;
      const end = outPos + len;
      if (d >= len && len >= 32) {
        out.copyWithin(outPos, from, from + len); // one native copy pays off past ~32 bytes
        outPos = end;
        continue;
      }
      // Byte by byte in order, so an overlapping match repeats the last d bytes (§3.2.3); unrolled by four.
      for (; outPos + 4 <= end; outPos += 4, from += 4) {
        out[outPos] = out[from]!;
        out[outPos + 1] = out[from + 1]!;
        out[outPos + 2] = out[from + 2]!;
        out[outPos + 3] = out[from + 3]!;
      }
      while (outPos < end) out[outPos++] = out[from++]!;
    }
    this.pos = pos;
    this.bitBuf = buf;
    this.bitCnt = cnt;
    this.outPos = outPos;
  }
}

/**
 * Inflates a zlib stream (RFC 1950), refusing exactly what
 * `zlib.inflateSync` refuses, and any output longer than `maxOutputBytes`
 * (checked before the memory is taken). Bytes after the Adler-32 are
 * ignored, as Node ignores them. Throws {@link InflateError}.
 *
 * @example
 * new TextDecoder().decode(inflateZlib(zlib.deflateSync("hello"), 65536)); // "hello"
 */
export function inflateZlib(input: Uint8Array, maxOutputBytes: number): Uint8Array {
  if (!(maxOutputBytes >= 0)) throw new RangeError("sessionkit/codec: maxOutputBytes must be a number >= 0");
  if (input.length < 2) throw new InflateError("unexpected end");
  const cmf = input[0]!;
  const flg = input[1]!;
  // RFC 1950 §2.2: method 8 (deflate), window ≤ 32K (CINFO ≤ 7), check bits, no preset dictionary (FDICT).
  if ((cmf & 15) !== 8 || cmf >> 4 > 7 || ((cmf << 8) | flg) % 31 !== 0 || flg & 32) throw new InflateError("bad header");
  const z = new Inflater(input, Math.floor(maxOutputBytes));
  for (let last = 0; !last; ) {
    last = z.take(1);
    const type = z.take(2);
    if (type === 0) z.stored();
    else if (type === 1) z.huffman(FIXED_LIT, 9, FIXED_DIST, 5);
    else if (type === 2) {
      const bits = z.dynamic();
      z.huffman(DYN_LIT, bits >> 4, DYN_DIST, bits & 15);
    } else throw new InflateError("bad block type");
  }
  z.align();
  const { pos, out, outPos } = z;
  if (pos + 4 > input.length) throw new InflateError("unexpected end");
  const expected = ((input[pos]! << 24) | (input[pos + 1]! << 16) | (input[pos + 2]! << 8) | input[pos + 3]!) >>> 0;
  if (expected !== adler32(out, outPos)) throw new InflateError("bad checksum");
  return out.subarray(0, outPos);
}
