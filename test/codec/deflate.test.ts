/**
 * deflate.ts must write what CPython's `zlib.compress` writes, byte for
 * byte: Flask's compress-or-not decision and its cookie bytes depend on it.
 * One python3 process compresses a corpus built to reach every branch of
 * zlib's level-6 matcher and block coder; each of our outputs must equal
 * Python's, and inflate back (node:zlib) to the input.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import { inflateSync } from "node:zlib";
import fc from "fast-check";
import { DEFLATE_MAX_INPUT, deflateZlib } from "../../src/codec/deflate.js";
import { encodePayload } from "../../src/codec/url-safe.js";
import { requireService } from "./helpers.js";

const RUNS = Math.max(1, Number(process.env.FC_RUNS ?? 2000));

/** A small deterministic PRNG (the corpus must be the same on every run). */
function prng(seed: number): () => number {
  return () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) / 0x1000000;
  };
}

/** Inputs that reach each decision zlib makes; see the label of each. */
function corpus(): { label: string; bytes: Buffer }[] {
  const rnd = prng(1950);
  const pick = (alphabet: string, n: number): string => {
    let s = "";
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    return s;
  };
  const items: { label: string; bytes: Buffer }[] = [];
  const add = (label: string, data: string | Buffer): void => {
    items.push({ label, bytes: typeof data === "string" ? Buffer.from(data, "latin1") : data });
  };
  for (const s of ["", "a", "ab", "abc", "aaaa", "abcabc", '{"a":1}']) add(`tiny ${JSON.stringify(s)}`, s);
  add("a Flask session", '{"_permanent":true,"csrf_token":"3f1c2a9be0d44c7e8f6a5b4c3d2e1f00","user_id":12345,"username":"alice"}');
  for (let n = 1; n <= 400; n += 7) add(`small alphabet, ${n} bytes (fixed vs dynamic trees, the 2-byte line)`, pick("ab{}:,\"0123", n));
  for (let n = 10; n <= 2000; n += 97) add(`random bytes, ${n} (stored blocks)`, Buffer.from(Array.from({ length: n }, () => Math.floor(rnd() * 256))));
  add("one byte repeated (258-byte matches, lazy skips)", "x".repeat(5000));
  add("a run then text (nice length, chain cut)", "y".repeat(300) + pick("abcdef", 700) + "y".repeat(300));
  const far = pick("qrstuvwxyz", 3);
  add("3-byte match more than 4096 back (TOO_FAR)", far + pick("abcdefghijklmnop", 5000) + far + pick("abcdefghijklmnop", 100));
  add("matches at every distance code", Array.from({ length: 15 }, (_, k) => pick("abcdefgh", Math.min(1 << k, 12000)) + "MATCHME").join(""));
  add("16,383+ symbols: several blocks", Buffer.from(Array.from({ length: 20000 }, () => Math.floor(rnd() * 256))));
  add("several blocks of text", pick("abcdefghijklmnopqrstuvwxyz ", 30000));
  add("exactly the largest input", pick("0123456789abcdef", DEFLATE_MAX_INPUT));
  // Many equal frequencies: the heap's depth tie-break and the 7-bit limit of the code-length tree.
  add("flat histogram", Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 256)));
  add("skewed histogram (long codes)", Array.from({ length: 20 }, (_, k) => String.fromCharCode(65 + k).repeat(Math.min(1 << k, 3000))).join(""));
  // Geometric byte frequencies over a large alphabet: the code-length tree needs more than 7 bits,
  // which zlib repairs in gen_bitlen (checked by instrumenting the repair while writing this test).
  for (let i = 0; i < 200; i++) {
    const ratio = 0.983 + rnd() * 0.006;
    const bytes = Buffer.alloc(800 + Math.floor(rnd() * 700));
    for (let j = 0; j < bytes.length; j++) {
      let k = 0;
      while (k < 199 && rnd() < ratio) k++;
      bytes[j] = k;
    }
    add(`geometric bytes #${i} (code-length tree over 7 bits)`, bytes);
  }
  for (let i = 0; i < 120; i++) {
    const keys = Array.from({ length: 1 + Math.floor(rnd() * 8) }, () => `"${pick("abcdefghij_", 3 + Math.floor(rnd() * 8))}":"${pick("0123456789abcdef", Math.floor(rnd() * 40))}"`);
    add(`JSON-like session #${i}`, `{${keys.join(",")}}`);
  }
  return items;
}

function pythonCompress(inputs: Buffer[]): string[] | undefined {
  const py = spawnSync("python3", ["-c", "import sys, zlib\nfor line in sys.stdin:\n    print(zlib.compress(bytes.fromhex(line.strip())).hex())"], {
    input: inputs.map((b) => b.toString("hex")).join("\n") + "\n",
    encoding: "utf8",
    maxBuffer: 1 << 28,
    timeout: 60_000,
  });
  if (py.status !== 0) return undefined;
  return py.stdout.trim().split("\n");
}

describe("deflateZlib: CPython's zlib.compress, byte for byte", () => {
  test("every corpus input compresses to exactly Python's bytes", (t) => {
    const items = corpus();
    const expected = pythonCompress(items.map((i) => i.bytes));
    if (!requireService(t, expected !== undefined, "python3 (its zlib is the reference)")) return;
    assert.equal(expected!.length, items.length);
    let stored = 0;
    items.forEach(({ label, bytes }, i) => {
      const ours = Buffer.from(deflateZlib(bytes)).toString("hex");
      assert.equal(ours, expected![i], label);
      if (((parseInt(ours.slice(4, 6), 16) >> 1) & 3) === 0) stored += 1;
    });
    assert.ok(stored > 0, "the corpus must reach stored blocks");
  });

  test("random inputs: Python's bytes, and node:zlib inflates them back", (t) => {
    const inputs = fc.sample(
      fc.oneof(
        fc.uint8Array({ maxLength: 3000 }),
        fc.string({ maxLength: 600 }).map((s) => new Uint8Array(Buffer.from(s))),
        fc.array(fc.constantFrom(..."ab:\"{}"), { maxLength: 3000 }).map((a) => new Uint8Array(Buffer.from(a.join("")))),
      ),
      { numRuns: Math.min(RUNS, 3000), seed: 1951 },
    );
    const expected = pythonCompress(inputs.map((b) => Buffer.from(b)));
    if (!requireService(t, expected !== undefined, "python3 (its zlib is the reference)")) return;
    inputs.forEach((input, i) => {
      const ours = deflateZlib(input);
      assert.equal(Buffer.from(ours).toString("hex"), expected![i], `input #${i} (${input.length} bytes)`);
      assert.deepStrictEqual(new Uint8Array(inflateSync(ours)), input);
    });
  });

  test("the result is a view the next call overwrites, and inputs over the limit are refused", () => {
    const first = deflateZlib(Buffer.from("aaaaaaaaaaaaaaaaaaaa"));
    const copy = Buffer.from(first);
    deflateZlib(Buffer.from("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"));
    assert.notDeepEqual(first, copy, "documented: copy the result to keep it");
    assert.throws(() => deflateZlib(new Uint8Array(DEFLATE_MAX_INPUT + 1)), RangeError);
  });

  test("encodePayload compresses past the limit too (node:zlib), and the payload inflates back", () => {
    const big = "z".repeat(DEFLATE_MAX_INPUT + 10);
    const payload = encodePayload(big, 0);
    assert.ok(payload.startsWith("."));
    assert.equal(inflateSync(Buffer.from(payload.slice(1), "base64url")).toString(), big);
  });
});
