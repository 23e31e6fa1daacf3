/**
 * inflateZlib against the judge, zlib itself (node:zlib, and CPython's for
 * streams made elsewhere): it must return what `zlib.deflateSync` was given,
 * and on any input — random, mutated, hand-made — either throw an
 * InflateError where `zlib.inflateSync` throws, or return the same bytes.
 * FC_RUNS scales the property runs (default 2,000: 60,000 differential cases).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import zlib from "node:zlib";
import fc from "fast-check";
import { InflateError, inflateZlib, type InflateFailure } from "../../src/codec/inflate.js";
import { requireService } from "./helpers.js";

const RUNS = Math.max(1, Number(process.env.FC_RUNS ?? 2000));
const { Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED } = zlib.constants;
const STRATEGIES = [Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED];
/** The inflated bytes as text (they are a Uint8Array, whose own toString lists numbers). */
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** What zlib.inflateSync says: the bytes, or that it threw. Node refuses maxOutputLength < 1, so the cap here is >= 1. */
function judge(input: Uint8Array, cap: number): Buffer | "throws" {
  try {
    return zlib.inflateSync(input, { maxOutputLength: cap });
  } catch {
    return "throws";
  }
}

function ours(input: Uint8Array, cap: number): Uint8Array | "throws" {
  try {
    return inflateZlib(input, cap);
  } catch (error) {
    assert.ok(error instanceof InflateError, `not an InflateError: ${String(error)}`);
    return "throws";
  }
}

function agrees(input: Uint8Array, cap: number): void {
  const expected = judge(input, cap);
  const actual = ours(input, cap);
  if (expected === "throws" || actual === "throws") {
    assert.equal(actual, expected, `cap ${cap}, input ${Buffer.from(input).toString("hex")}`);
  } else assert.ok(Buffer.from(actual).equals(expected), `different bytes; cap ${cap}, input ${Buffer.from(input).toString("hex")}`);
}

function rejects(input: Uint8Array, reason: InflateFailure, cap = 65536): void {
  assert.throws(() => inflateZlib(input, cap), (e: unknown) => e instanceof InflateError && e.reason === reason && e.code === "INFLATE_FAILED");
  assert.equal(judge(input, Math.max(1, cap)), "throws", "zlib accepts it");
}

function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (const x of data) {
    a = (a + x) % 65521;
    b = (b + a) % 65521;
  }
  return b * 65536 + a;
}

/** A zlib stream around a raw DEFLATE body, with the Adler-32 of `output`. */
function wrap(body: Uint8Array, output: Uint8Array, header = [0x78, 0x01]): Buffer {
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(adler32(output));
  return Buffer.concat([Buffer.from(header), body, trailer]);
}

/** Writes DEFLATE bit fields: values least-significant bit first, Huffman codes most-significant first (§3.1.1). */
class Bits {
  #bytes: number[] = [];
  #acc = 0;
  #n = 0;
  put(value: number, count: number): this {
    for (let i = 0; i < count; i++) {
      this.#acc |= ((value >> i) & 1) << this.#n;
      if (++this.#n < 8) continue;
      this.#bytes.push(this.#acc);
      this.#acc = this.#n = 0;
    }
    return this;
  }
  code([code, len]: [number, number]): this {
    for (let i = len - 1; i >= 0; i--) this.put((code >> i) & 1, 1);
    return this;
  }
  done(): Buffer {
    return Buffer.from(this.#n ? [...this.#bytes, this.#acc] : this.#bytes);
  }
}

/** Canonical codes for a list of lengths (§3.2.2), as [code, length] per symbol. */
function canonical(lens: number[]): [number, number][] {
  const next: number[] = [];
  for (let len = 1, code = 0; len <= 15; len++) next[len] = code = (code + lens.filter((l) => l === len - 1 && l > 0).length) << 1;
  return lens.map((len) => [len ? next[len]!++ : 0, len]);
}

const CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
/** A complete code-length code: 13 symbols of 4 bits, 6 of 5. */
const CL_LENS: number[] = Array.from({ length: 19 }, (_, s) => (s < 13 ? 4 : 5));

/**
 * A final dynamic block header (§3.2.7). `lengths` is the code-length
 * sequence as [symbol, extra] pairs (default: every length sent as is).
 */
function dynamicHeader(bits: Bits, lit: number[], dist: number[], lengths?: [number, number][], clLens = CL_LENS): Bits {
  bits.put(1, 1).put(2, 2).put(lit.length - 257, 5).put(dist.length - 1, 5).put(15, 4);
  for (const s of CL_ORDER) bits.put(clLens[s]!, 3);
  const cl = canonical(clLens);
  for (const [sym, extra] of lengths ?? [...lit, ...dist].map((l): [number, number] => [l, 0])) {
    bits.code(cl[sym]!);
    if (sym >= 16) bits.put(extra, sym === 16 ? 2 : sym === 17 ? 3 : 7);
  }
  return bits;
}

/** A complete literal/length code over all 286 symbols: 226 of 8 bits, 60 of 9. */
function completeLit(): number[] {
  return Array.from({ length: 286 }, (_, s) => (s < 226 ? 8 : 9)); // 226/256 + 60/512 = 1
}

/**
 * A random final dynamic block: literal/length and distance codes grown by
 * splitting random leaves of a complete code, then often broken (a leaf
 * dropped, added or moved: incomplete, over-subscribed), or lone, or empty;
 * code lengths sent with random repeats (16, 17, 18), sometimes invalid
 * ones; then random literals and matches. Mostly valid, so zlib's table
 * rules are what decides.
 */
function randomDynamicBlock(seed: number): Buffer {
  const rand = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
  const code = (n: number, must?: number): number[] => {
    const lens = Array<number>(n).fill(0);
    const shape = rand(12);
    if (shape === 0) return lens; // empty
    const leaves = shape === 1 ? [1] : [1, 1]; // lone, or the start of a complete code
    for (let k = shape === 1 ? 0 : rand(Math.min(n, 40)); k > 0 && leaves.length < n; k--) {
      const i = rand(leaves.length);
      if (leaves[i]! < 15) leaves.splice(i, 1, leaves[i]! + 1, leaves[i]! + 1);
    }
    if (shape === 2 && leaves.length > 1) leaves.splice(rand(leaves.length), 1);
    if (shape === 3 && leaves.length < n) leaves.push(1 + rand(15));
    if (shape === 4) leaves[0] = Math.max(1, Math.min(15, leaves[0]! + (rand(2) ? 1 : -1)));
    const free = Array.from({ length: n }, (_, s) => s).filter((s) => s !== must);
    if (must !== undefined) lens[must] = leaves.pop()!;
    for (const len of leaves) lens[free.splice(rand(free.length), 1)[0]!] = len;
    return lens;
  };
  const lit = code(257 + rand(rand(20) ? 30 : 32), rand(20) ? 256 : undefined); // 287, 288 codes: too many
  const dist = code(1 + rand(rand(20) ? 30 : 32));
  const all = [...lit, ...dist];
  const seq: [number, number][] = [];
  if (rand(40) === 0) seq.push([16, 0]); // a repeat with nothing to repeat
  for (let i = 0; i < all.length; ) {
    const v = all[i]!;
    let run = 1;
    while (i + run < all.length && all[i + run] === v) run++;
    const [sym, min, max] = v === 0 && run >= 11 && rand(2) ? [18, 11, 138] : v === 0 && run >= 3 && rand(2) ? [17, 3, 10] : [16, 3, 6];
    if (sym !== 16 || (i > 0 && all[i - 1] === v && run >= 3 && rand(2))) {
      seq.push([sym, Math.min(run, max) - min]);
      i += Math.min(run, max);
    } else seq.push([v, 0]), i++;
  }
  if (rand(40) === 0) seq.push([17, 7]); // a repeat past the end
  const ncl = rand(8) ? 19 : 4 + rand(16);
  const clLens = rand(10) ? [...CL_LENS] : Array.from({ length: 19 }, () => rand(8));
  for (let j = ncl; j < 19; j++) clLens[CL_ORDER[j]!] = 0;
  const bits = new Bits().put(1, 1).put(2, 2).put(lit.length - 257, 5).put(dist.length - 1, 5).put(ncl - 4, 4);
  for (let j = 0; j < ncl; j++) bits.put(clLens[CL_ORDER[j]!]!, 3);
  const cl = canonical(clLens);
  for (const [sym, extra] of seq) {
    bits.code(cl[sym]!);
    if (sym >= 16) bits.put(extra, sym === 16 ? 2 : sym === 17 ? 3 : 7);
  }
  const litCodes = canonical(lit);
  const distCodes = canonical(dist);
  const lits = lit.flatMap((l, s) => (l && s < 256 ? [s] : []));
  const lengths = lit.flatMap((l, s) => (l && s > 256 ? [s] : []));
  const dists = dist.flatMap((l, s) => (l ? [s] : []));
  for (let k = rand(60); k > 0; k--) {
    if (lengths.length && dists.length && rand(3) === 0) {
      const sym = lengths[rand(lengths.length)]!;
      bits.code(litCodes[sym]!).put(rand(32), sym < 265 || sym === 285 ? 0 : (sym - 261) >> 2);
      const d = dists[rand(dists.length)]!;
      bits.code(distCodes[d]!).put(rand(1 << 13), d < 4 ? 0 : (d - 2) >> 1);
    } else if (lits.length) bits.code(litCodes[lits[rand(lits.length)]!]!);
  }
  return bits.code(litCodes[256]!).done();
}

describe("round trips: inflateZlib(deflateSync(x)) is x", () => {
  const text = (alphabet: string, max: number) => fc.string({ unit: fc.constantFrom(...alphabet), maxLength: max }).map((s) => Buffer.from(s));
  const input = fc.oneof(
    fc.uint8Array({ maxLength: 3000 }).map((a) => Buffer.from(a)),
    text("ab", 5000),
    text("abcdefghij {}\":,", 8000),
    fc.json({ maxDepth: 4 }).map((s) => Buffer.from(s)),
    fc.array(fc.json({ maxDepth: 2 }), { maxLength: 400 }).map((a) => Buffer.from(JSON.stringify(a))),
  );

  test(`${RUNS} inputs at every level and strategy, cap = exact size`, () => {
    fc.assert(
      fc.property(input, fc.integer({ min: 0, max: 9 }), fc.constantFrom(...STRATEGIES), (data, level, strategy) => {
        const stream = zlib.deflateSync(data, { level, strategy });
        assert.ok(Buffer.from(inflateZlib(stream, data.length)).equals(data));
        if (data.length > 0) assert.throws(() => inflateZlib(stream, data.length - 1), InflateError);
      }),
      { numRuns: RUNS },
    );
  });

  test("sizes around the block, window and Adler-32 boundaries, up to 70,000 bytes, every level and strategy", () => {
    let seed = 7;
    const rand = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
    for (const size of [0, 1, 3, 258, 5552, 5553, 16384, 32768, 32769, 65535, 70000]) {
      const random = Buffer.from(Array.from({ length: size }, () => rand(256)));
      const repetitive = Buffer.from(Array.from({ length: size }, (_, i) => (i % 1000 < 500 ? 97 + rand(4) : 97 + ((i * 7) % 13))));
      for (const data of [random, repetitive]) {
        for (let level = 0; level <= 9; level++) {
          for (const strategy of size > 20000 && level % 3 ? [Z_DEFAULT_STRATEGY] : STRATEGIES) {
            assert.ok(Buffer.from(inflateZlib(zlib.deflateSync(data, { level, strategy }), 1 << 20)).equals(data), `size ${size} level ${level} strategy ${strategy}`);
          }
        }
      }
    }
  });
});

describe("differential fuzz: throws exactly when zlib.inflateSync throws, else the same bytes", () => {
  // A pool of valid streams of every kind, made once; the properties mutate them.
  const pool = fc.sample(
    fc.tuple(
      fc.oneof(fc.uint8Array({ maxLength: 600 }), fc.string({ unit: fc.constantFrom(..."abc{}\":, 0123"), maxLength: 3000 }).map((s) => Buffer.from(s))),
      fc.integer({ min: 0, max: 9 }),
      fc.constantFrom(...STRATEGIES),
    ),
    { numRuns: 400, seed: 42 },
  ).map(([data, level, strategy]) => zlib.deflateSync(data, { level, strategy }));
  const stream = fc.nat(pool.length - 1).map((i) => pool[i]!);
  const cap = fc.oneof(fc.constant(65536), fc.integer({ min: 1, max: 4000 }));

  const mutation = fc.oneof(
    fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat(7) }),
    fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
    fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), byte: fc.nat(255) }),
    fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
    fc.record({ kind: fc.constant("append" as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
    fc.record({ kind: fc.constant("head" as const), at: fc.nat(9), byte: fc.nat(255) }),
  );
  type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;
  function mutate(input: Buffer, mutations: Mutation[]): Buffer {
    let s = Buffer.from(input);
    for (const m of mutations) {
      const at = "at" in m ? m.at % (s.length + 1) : 0;
      if (m.kind === "flip" && at < s.length) s[at]! ^= 1 << m.bit;
      else if (m.kind === "truncate") s = s.subarray(0, at);
      else if (m.kind === "insert") s = Buffer.concat([s.subarray(0, at), Buffer.of(m.byte), s.subarray(at)]);
      else if (m.kind === "delete") s = Buffer.concat([s.subarray(0, at), s.subarray(at + 1)]);
      else if (m.kind === "append") s = Buffer.concat([s, m.bytes]);
      else if (m.kind === "head" && at < s.length) s[at] = m.byte;
    }
    return s;
  }

  test(`${RUNS * 10} mutated valid streams`, () => {
    fc.assert(
      fc.property(stream, fc.array(mutation, { minLength: 1, maxLength: 3 }), cap, (s, mutations, max) => agrees(mutate(s, mutations), max)),
      { numRuns: RUNS * 10 },
    );
  });

  test(`${RUNS * 5} random byte strings, bare and behind a valid header`, () => {
    const bytes = fc.uint8Array({ maxLength: 200 });
    fc.assert(
      fc.property(bytes, fc.boolean(), cap, (b, headed, max) => agrees(headed ? Buffer.concat([Buffer.of(0x78, 0x9c), b]) : b, max)),
      { numRuns: RUNS * 5 },
    );
  });

  test(`${RUNS * 5} random dynamic blocks: complete, incomplete, over-subscribed, lone and empty codes, repeats`, () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 70000 }), (seed, max) => {
        const body = randomDynamicBlock(seed);
        let out: Buffer | undefined;
        try {
          out = zlib.inflateRawSync(body, { maxOutputLength: 1 << 20 });
        } catch {
          out = undefined;
        }
        agrees(wrap(body, out ?? Buffer.alloc(0)), max);
      }),
      { numRuns: RUNS * 5 },
    );
  });

  test(`${RUNS * 10} random blocks of each type, given a correct Adler-32 whenever raw inflate accepts them`, () => {
    // Random bits after a chosen BFINAL/BTYPE reach the Huffman-table and distance rules; a fixed-up
    // Adler-32 lets the rare valid one through to compare the bytes too.
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.constantFrom(3, 5, 4, 2, 1), fc.integer({ min: 1, max: 70000 }), (b, low3, max) => {
        const body = Buffer.from(b);
        body[0] = (body[0]! & ~7) | low3;
        let out: Buffer | undefined;
        try {
          out = zlib.inflateRawSync(body, { maxOutputLength: 1 << 20 });
        } catch {
          out = undefined;
        }
        agrees(out ? wrap(body, out, [0x78, 0x9c]) : Buffer.concat([Buffer.of(0x78, 0x9c), body]), max);
      }),
      { numRuns: RUNS * 10 },
    );
  });
});

describe("the output cap", () => {
  test("a stream inflating to 10 MB is refused at a 64 KiB cap, before the rest of it is even read", () => {
    const bomb = zlib.deflateSync(Buffer.alloc(10 * 1024 * 1024), { level: 9 });
    rejects(bomb, "output too large");
    // Cut off and corrupted well past the cap: still "too large", so decoding stopped at the cap.
    rejects(bomb.subarray(0, bomb.length >> 1), "output too large");
    assert.equal(inflateZlib(bomb, 10 * 1024 * 1024).length, 10 * 1024 * 1024);
  });

  test("a cap of 0 allows only the empty output; a cap that is not a number >= 0 is a RangeError", () => {
    assert.equal(inflateZlib(zlib.deflateSync(Buffer.alloc(0)), 0).length, 0);
    assert.throws(() => inflateZlib(zlib.deflateSync(Buffer.of(1)), 0), InflateError);
    for (const bad of [-1, Number.NaN]) assert.throws(() => inflateZlib(zlib.deflateSync(Buffer.of(1)), bad), RangeError);
  });

  test("stored blocks count against the cap too", () => {
    const stored = zlib.deflateSync(Buffer.alloc(1000, 1), { level: 0 });
    assert.equal(inflateZlib(stored, 1000).length, 1000);
    rejects(stored, "output too large", 999);
  });
});

describe("each rule, on hand-made streams", () => {
  const hello = Buffer.from("hello");
  const storedHello = Buffer.concat([Buffer.of(0x01, 5, 0, 0xfa, 0xff), hello]);

  test("valid hand-made stored and fixed blocks inflate, and so does a stored block after a fixed one", () => {
    assert.equal(text(inflateZlib(wrap(storedHello, hello), 100)), "hello");
    const fixed = canonical([...Array(144).fill(8), ...Array(112).fill(9), ...Array(24).fill(7), ...Array(8).fill(8)]);
    const bits = new Bits().put(0, 1).put(1, 2).code(fixed[104]!).code(fixed[256]!).put(1, 1).put(0, 2).done(); // "h", EOB; final stored
    const body = Buffer.concat([bits, Buffer.of(4, 0, 0xfb, 0xff), Buffer.from("ello")]);
    agrees(wrap(body, hello), 100);
    assert.equal(text(inflateZlib(wrap(body, hello), 100)), "hello");
  });

  test("header: method 8 only, window ≤ 32K, check bits, no preset dictionary", () => {
    const ok = wrap(storedHello, hello);
    const withHeader = (cmf: number, flg: number) => Buffer.concat([Buffer.of(cmf, flg + ((31 - (((cmf << 8) | flg) % 31)) % 31)), ok.subarray(2)]);
    rejects(withHeader(0x77, 0), "bad header"); // method 7
    rejects(withHeader(0x88, 0), "bad header"); // CINFO 8: a 64K window
    rejects(withHeader(0x78, 0x20), "bad header"); // FDICT
    rejects(Buffer.concat([Buffer.of(0x78, 0x02), ok.subarray(2)]), "bad header"); // check bits
    rejects(Buffer.of(0x78), "unexpected end");
    rejects(Buffer.alloc(0), "unexpected end");
  });

  test("a small declared window (CINFO < 7) still allows 32K distances, as Node's inflate does", () => {
    const block = Buffer.from(Array.from({ length: 20000 }, (_, i) => (i * 7919) % 251));
    const data = Buffer.concat([block, block]);
    const s = Buffer.from(zlib.deflateSync(data));
    s[0] = 0x08;
    s[1] = (31 - ((0x08 << 8) % 31)) % 31;
    agrees(s, 1 << 20);
    assert.ok(Buffer.from(inflateZlib(s, 1 << 20)).equals(data));
  });

  test("block type 3, and a stored block whose NLEN is not ~LEN", () => {
    rejects(wrap(Buffer.of(0x07, 0, 0), Buffer.alloc(0)), "bad block type");
    rejects(wrap(Buffer.concat([Buffer.of(0x01, 5, 0, 0xfb, 0xff), hello]), hello), "bad stored length");
  });

  test("fixed code: literal/length 286 and 287 and distances 30 and 31 are invalid; a distance past the output too", () => {
    const fixed = canonical([...Array(144).fill(8), ...Array(112).fill(9), ...Array(24).fill(7), ...Array(8).fill(8)]);
    const fixedDist = canonical(Array(32).fill(5));
    const block = (...f: ((b: Bits) => Bits)[]) => f.reduce((b, g) => g(b), new Bits().put(1, 1).put(1, 2)).code(fixed[256]!).done();
    const a = (b: Bits) => b.code(fixed[97]!);
    rejects(wrap(block(a, (b) => b.code(fixed[286]!)), Buffer.from("a")), "invalid code");
    rejects(wrap(block(a, (b) => b.code(fixed[287]!)), Buffer.from("a")), "invalid code");
    rejects(wrap(block(a, (b) => b.code(fixed[257]!).code(fixedDist[30]!)), Buffer.from("aaaa")), "invalid code");
    rejects(wrap(block(a, (b) => b.code(fixed[257]!).code(fixedDist[31]!)), Buffer.from("aaaa")), "invalid code");
    rejects(wrap(block(a, (b) => b.code(fixed[257]!).code(fixedDist[1]!)), Buffer.from("aaaa")), "distance too far back"); // distance 2, 1 byte out
    const exact = wrap(block(a, (b) => b.code(fixed[257]!).code(fixedDist[0]!)), Buffer.from("aaaa")); // distance 1: fine
    agrees(exact, 100);
    assert.equal(text(inflateZlib(exact, 100)), "aaaa");
  });

  test("dynamic header: over-subscribed, incomplete or empty code-length code", () => {
    const lit = completeLit();
    const lone = Array.from({ length: 19 }, (_, s) => (s === 8 ? 1 : 0));
    rejects(wrap(dynamicHeader(new Bits(), lit, [1, 1], undefined, Array(19).fill(1)).done(), Buffer.alloc(0)), "bad code lengths");
    rejects(wrap(dynamicHeader(new Bits(), lit, [1, 1], undefined, [...Array(18).fill(0), 1]).done(), Buffer.alloc(0)), "bad code lengths");
    rejects(wrap(dynamicHeader(new Bits(), lit, [1, 1], [[8, 0]], lone).done(), Buffer.alloc(0)), "bad code lengths");
    rejects(wrap(dynamicHeader(new Bits(), lit, [1, 1], [], Array(19).fill(0)).done(), Buffer.alloc(0)), "bad code lengths");
    const incomplete = CL_LENS.map((l, s) => (s === 18 ? 0 : l));
    rejects(wrap(dynamicHeader(new Bits(), lit, [1, 1], undefined, incomplete).done(), Buffer.alloc(0)), "bad code lengths");
  });

  test("dynamic header: too many codes, a repeat with nothing before it, a repeat past the end, no end-of-block code", () => {
    const lit = completeLit();
    const lit287 = Array.from({ length: 287 }, (_, s) => (s < 225 ? 8 : 9)); // complete: 450 + 62 = 512
    rejects(wrap(dynamicHeader(new Bits(), lit287, [1, 1]).code(canonical(lit287)[256]!).done(), Buffer.alloc(0)), "bad code lengths");
    const dist31 = [4, ...Array<number>(30).fill(5)]; // complete: 2 + 30 = 32
    rejects(wrap(dynamicHeader(new Bits(), lit, dist31).code(canonical(lit)[256]!).done(), Buffer.alloc(0)), "bad code lengths");
    // Three zero lengths sent as "repeat the previous" with no previous: valid but for that.
    const lit3 = Array.from({ length: 286 }, (_, s) => (s < 3 ? 0 : s < 232 ? 8 : 9)); // 458 + 54 = 512
    const seq: [number, number][] = [[16, 0], ...[...lit3.slice(3), 1, 1].map((l): [number, number] => [l, 0])];
    rejects(wrap(dynamicHeader(new Bits(), lit3, [1, 1], seq).code(canonical(lit3)[256]!).done(), Buffer.alloc(0)), "bad code lengths");
    const tooMany: [number, number][] = [...lit.map((l): [number, number] => [l, 0]), [18, 127]];
    rejects(wrap(dynamicHeader(new Bits(), lit, [1, 1], tooMany).done(), Buffer.alloc(0)), "bad code lengths");
    const noEnd = lit.map((l, s) => (s === 256 ? 0 : s === 255 ? 8 : l));
    rejects(wrap(dynamicHeader(new Bits(), noEnd, [1, 1]).done(), Buffer.alloc(0)), "bad code lengths");
  });

  test("literal/length and distance codes: over-subscribed and incomplete are refused, except zlib's lone-code cases", () => {
    const lit = completeLit();
    const litCodes = canonical(lit);
    const over = lit.map((l, s) => (s === 0 ? 7 : l));
    rejects(wrap(dynamicHeader(new Bits(), over, [1, 1]).done(), Buffer.alloc(0)), "bad code lengths");
    const gap = lit.map((l, s) => (s === 0 ? 9 : l));
    rejects(wrap(dynamicHeader(new Bits(), gap, [1, 1]).done(), Buffer.alloc(0)), "bad code lengths");
    rejects(wrap(dynamicHeader(new Bits(), lit, [1, 1, 1]).done(), Buffer.alloc(0)), "bad code lengths");
    rejects(wrap(dynamicHeader(new Bits(), lit, [2, 2, 2]).done(), Buffer.alloc(0)), "bad code lengths"); // incomplete, not lone

    // Lone end-of-block code of one bit, no distance codes: an empty block zlib accepts.
    const loneEnd = Array.from({ length: 257 }, (_, s) => (s === 256 ? 1 : 0));
    const empty = wrap(dynamicHeader(new Bits(), loneEnd, [0]).put(0, 1).done(), Buffer.alloc(0));
    agrees(empty, 100);
    assert.equal(inflateZlib(empty, 100).length, 0);
    // ... whose unused half is an invalid code.
    rejects(wrap(dynamicHeader(new Bits(), loneEnd, [0]).put(1, 1).done(), Buffer.alloc(0)), "invalid code");

    // No distance codes: fine for literals, invalid once a match needs one.
    const a = (b: Bits) => b.code(litCodes[97]!);
    const lits = wrap(a(dynamicHeader(new Bits(), lit, [0])).code(litCodes[256]!).done(), Buffer.from("a"));
    agrees(lits, 100);
    assert.equal(text(inflateZlib(lits, 100)), "a");
    rejects(wrap(a(dynamicHeader(new Bits(), lit, [0])).code(litCodes[257]!).put(0, 1).done(), Buffer.from("aaaa")), "invalid code");

    // A lone one-bit distance code works; its missing half is invalid.
    const match = (bit: number) => a(dynamicHeader(new Bits(), lit, [1])).code(litCodes[257]!).put(bit, 1).code(litCodes[256]!).done();
    agrees(wrap(match(0), Buffer.from("aaaa")), 100);
    assert.equal(text(inflateZlib(wrap(match(0), Buffer.from("aaaa")), 100)), "aaaa");
    rejects(wrap(match(1), Buffer.from("aaaa")), "invalid code");
  });

  test("codes longer than the root table (sub-tables) decode, at the largest lengths zlib allows", () => {
    // A skewed literal/length code with lengths up to 15: 1, 2, ..., 14, then 15 twice, the rest unused... plus 256.
    const lit = Array<number>(286).fill(0);
    for (let s = 0; s < 14; s++) lit[s] = s + 1;
    lit[14] = 15;
    lit[256] = 15;
    const codes = canonical(lit);
    const data = Buffer.from([0, 13, 14, 5, 12, 0, 14]);
    const bits = dynamicHeader(new Bits(), lit, [0]);
    for (const x of data) bits.code(codes[x]!);
    const s = wrap(bits.code(codes[256]!).done(), data);
    agrees(s, 100);
    assert.ok(Buffer.from(inflateZlib(s, 100)).equals(data));
  });

  test("truncation anywhere, and a wrong Adler-32", () => {
    const s = zlib.deflateSync(Buffer.from("hello hello hello, a cookie payload"));
    // Inside a block the zero bits read past the end may break another rule first; at the trailer, only this one.
    for (let n = 0; n < s.length; n++) {
      assert.equal(ours(s.subarray(0, n), 100), "throws");
      agrees(s.subarray(0, n), 100);
    }
    for (let n = s.length - 4; n < s.length; n++) rejects(s.subarray(0, n), "unexpected end");
    // Zero bits past the end decode here as literal 0, over and over: it must fail as cut short, not fill the cap.
    const lit = completeLit();
    const cut = wrap(dynamicHeader(new Bits(), lit, [1, 1]).code(canonical(lit)[0]!).done(), Buffer.of(0)).subarray(0, -4);
    rejects(cut, "unexpected end", 16);
    const wrong = Buffer.from(s);
    wrong[wrong.length - 1]! ^= 1;
    rejects(wrong, "bad checksum");
  });

  test("bytes after the Adler-32 are ignored, as zlib.inflateSync ignores them", () => {
    const s = zlib.deflateSync(Buffer.from("payload"));
    for (const tail of [Buffer.of(0), Buffer.from("garbage"), s]) {
      const input = Buffer.concat([s, tail]);
      agrees(input, 100);
      assert.equal(text(inflateZlib(input, 100)), "payload");
    }
  });
});

describe("streams made by CPython's zlib", () => {
  test("zlib.compress at levels 1, 6 and 9 inflates to the input", (t) => {
    if (!requireService(t, spawnSync("python3", ["-c", "import zlib"]).status === 0, "python3")) return;
    const inputs = ['{"_fresh":true,"_id":"' + "ab01".repeat(32) + '","csrf_token":"x"}', "", "a", "é🍪".repeat(500), "0123456789".repeat(3000)];
    const script = "import sys,zlib,json\nfor s in json.load(sys.stdin):\n  for lv in (1,6,9): print(zlib.compress(s.encode(),lv).hex())";
    const py = spawnSync("python3", ["-c", script], { input: JSON.stringify(inputs), encoding: "utf8", timeout: 60_000 });
    assert.equal(py.status, 0, py.stderr);
    const streams = py.stdout.trim().split("\n");
    assert.equal(streams.length, inputs.length * 3);
    streams.forEach((hex, i) => assert.equal(text(inflateZlib(Buffer.from(hex, "hex"), 1 << 20)), inputs[Math.floor(i / 3)], `stream ${i}`));
  });
});
