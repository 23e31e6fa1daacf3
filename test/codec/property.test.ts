/**
 * fast-check properties (SECURITY H.54/H.55). Runs FC_RUNS cases per
 * property (default 2,000 here; `npm run fuzz` sets 1,000,000):
 * - any string, and any mutation of a real cookie, makes `decode` throw only
 *   the four codec errors, and nothing but the exact original is accepted;
 * - `loads(dumps(x))` gives back `x` for arbitrary values with every tag;
 * - our JSON text is what Python's json.dumps writes for the same value.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  BadPayload,
  BadSignature,
  base64Decode,
  isCanonicalBase64,
  BadTimeSignature,
  createCookieCodec,
  dumps,
  loads,
  Markup,
  SignatureExpired,
  Tuple,
  UUID,
  type CookieFormat,
} from "../../src/codec/index.js";
import { HmacKey } from "../../src/runtime/node-hmac.js";
import { flaskAvailable, requireService } from "./helpers.js";

const RUNS = Math.max(1, Number(process.env.FC_RUNS ?? 2000));
const SECRET = "property-test-secret-0123456789abcdef";
const NOW = 1_800_000_000;
const FOUR = [BadSignature, BadTimeSignature, SignatureExpired, BadPayload];

function onlyCodecErrors(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (error) {
    assert.ok(FOUR.some((cls) => (error as Error).constructor === cls), `unexpected ${(error as Error)?.name}: ${(error as Error)?.message}`);
    return false;
  }
}

const key = fc.oneof(fc.string(), fc.constantFrom(" t", " di", " b", " m", " u", " d", "__proto__", "constructor", "prototype", " t__"));
const leaf = fc.oneof(
  fc.string({ unit: "binary" }),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.bigInt().filter((b) => b > BigInt(Number.MAX_SAFE_INTEGER) || b < BigInt(Number.MIN_SAFE_INTEGER)),
  fc.uint8Array({ maxLength: 40 }).map((a) => new Uint8Array(a)),
  fc.string({ unit: "binary" }).map((s) => new Markup(s)),
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => new UUID(Buffer.from(a).toString("hex"))),
  fc.integer({ min: -62_135_596_800, max: 253_402_300_799 }).map((s) => new Date(s * 1000)),
);
const { value: anyValue } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, leaf, tie("list"), tie("tuple"), tie("dict")),
  list: fc.array(tie("value"), { maxLength: 5 }),
  tuple: fc.array(tie("value"), { maxLength: 5 }).map((items) => Tuple.from(items)),
  dict: fc.array(fc.tuple(key, tie("value")), { maxLength: 5 }).map((pairs) => {
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, v] of pairs) out[k] = v;
    return out;
  }),
}));
const sessionData = fc.array(fc.tuple(key, anyValue), { maxLength: 6 }).map((pairs) => {
  const out: Record<string, unknown> = Object.create(null);
  for (const [k, v] of pairs) out[k] = v;
  return out;
});

type Mutation = { kind: "replace" | "insert" | "delete"; at: number; ch: string };
const mutation = fc.record({
  kind: fc.constantFrom("replace", "insert", "delete"),
  at: fc.nat(),
  ch: fc.oneof(fc.constantFrom(".", "=", "A", "_", "-", "!", " ", "\u0000", "é"), fc.string({ minLength: 1, maxLength: 1 })),
}) as fc.Arbitrary<Mutation>;

function mutate(cookie: string, mutations: Mutation[]): string {
  let s = cookie;
  for (const m of mutations) {
    const at = m.at % (s.length + 1);
    if (m.kind === "replace") s = s.slice(0, at) + m.ch + s.slice(at + 1);
    else if (m.kind === "insert") s = s.slice(0, at) + m.ch + s.slice(at);
    else s = s.slice(0, at) + s.slice(at + 1);
  }
  return s;
}

for (const format of ["flask", "signed", "encrypted"] as CookieFormat[]) {
  describe(`decode fuzz: ${format}`, () => {
    const codec = createCookieCodec({ format, secrets: [SECRET, "an-older-secret-0123456789abcdef"] });

    test(`${RUNS} random strings: only codec errors, never accepted`, (t) => {
      fc.assert(
        fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 300 }), fc.base64String(), fc.stringMatching(/^[A-Za-z0-9_.-]{0,200}$/)), (s) => {
          assert.equal(onlyCodecErrors(() => codec.decode(s, { maxAgeSeconds: 3600, nowSeconds: NOW })), false);
        }),
        { numRuns: RUNS },
      );
      t.diagnostic(`ran ${RUNS} cases`);
    });

    test(`${RUNS} mutated real cookies: only codec errors, and only the original is accepted`, (t) => {
      fc.assert(
        fc.property(sessionData, fc.array(mutation, { minLength: 1, maxLength: 3 }), (data, mutations) => {
          const cookie = codec.encode(data, { nowSeconds: NOW });
          const forged = mutate(cookie, mutations);
          const accepted = onlyCodecErrors(() => codec.decode(forged, { maxAgeSeconds: 3600, nowSeconds: NOW }));
          assert.equal(accepted, forged === cookie, "a forgery was accepted");
        }),
        { numRuns: RUNS },
      );
      t.diagnostic(`ran ${RUNS} cases`);
    });
  });
}

describe("tagged JSON round trip", () => {
  test(`${RUNS} arbitrary values with every tag: loads(dumps(x)) equals x, dumps is stable`, (t) => {
    fc.assert(
      fc.property(anyValue, (value) => {
        const text = dumps(value);
        assert.ok(/^[\x20-\x7e]*$/.test(text), "ASCII only");
        const back = loads(text, { maxDepth: 1000, maxKeys: 1e6 });
        assert.deepStrictEqual(back, value);
        assert.equal(dumps(back), text);
      }),
      { numRuns: RUNS },
    );
    t.diagnostic(`ran ${RUNS} cases`);
  });

  test(`${Math.min(RUNS, 2000)} sessions through every format decode to themselves`, () => {
    const codecs = (["flask", "signed", "encrypted"] as const).map((format) => createCookieCodec({ format, secrets: [SECRET] }));
    fc.assert(
      fc.property(sessionData, (data) => {
        for (const codec of codecs) assert.deepStrictEqual(codec.decode(codec.encode(data, { nowSeconds: NOW }), { nowSeconds: NOW }), data);
      }),
      { numRuns: Math.min(RUNS, 2000) },
    );
  });

  test("our text is Python's json.dumps(sort_keys, ensure_ascii, compact) for arbitrary JSON values", (t) => {
    if (!requireService(t, flaskAvailable(), "python3")) return;
    const values = fc.sample(fc.jsonValue(), { numRuns: 300, seed: 42 }).concat(
      fc.sample(fc.double(), { numRuns: 300, seed: 7 }),
      fc.sample(fc.string({ unit: "binary" }), { numRuns: 300, seed: 9 }),
    );
    const texts = values.map((v) => dumps(v));
    const py = spawnSync(
      "python3",
      ["-c", "import json,sys\nfor line in sys.stdin.read().split('\\n'):\n  print(json.dumps(json.loads(line), sort_keys=True, ensure_ascii=True, separators=(',', ':')))"],
      { input: texts.join("\n"), encoding: "utf8", timeout: 60_000 },
    );
    assert.equal(py.status, 0, py.stderr);
    const pythonTexts = py.stdout.trimEnd().split("\n");
    assert.equal(pythonTexts.length, texts.length);
    texts.forEach((text, i) => assert.equal(text, pythonTexts[i], `value #${i}`));
  });
});

describe("native fast paths agree with their reference", () => {
  const alphabetAndNoise = fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=. \n\u00e9\u{1f600}");

  test("G.48 base64Decode (native round trip) accepts exactly the strings isCanonicalBase64 (character loop) accepts", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: alphabetAndNoise, maxLength: 64 }), fc.uint8Array({ maxLength: 48 }).map((b) => Buffer.from(b).toString("base64url"))), (text) => {
        const decoded = base64Decode(text);
        assert.equal(decoded !== undefined, isCanonicalBase64(text, 0, text.length), JSON.stringify(text));
        if (decoded !== undefined) assert.equal(Buffer.from(decoded).toString("base64url"), text);
      }),
      { numRuns: RUNS },
    );
  });

  test("HmacKey gives createHmac's bytes for every digest, key length and message", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("sha1" as const, "sha256" as const),
        fc.uint8Array({ minLength: 1, maxLength: 130 }),
        fc.array(fc.string({ unit: "binary-ascii", maxLength: 400 }), { minLength: 1, maxLength: 3 }),
        (digest, key, messages) => {
          const mac = new HmacKey(digest, key);
          for (const message of messages) {
            assert.deepEqual(mac.sign(message), createHmac(digest, key).update(message, "latin1").digest());
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
