/**
 * The two primitive sets behind `#runtime` give the same bytes: the Web set
 * (Web Crypto, and the plain-JavaScript base64 and SHA-256 it needs) is held
 * to the Node set (node:crypto, node:zlib, Buffer) on random inputs, in one
 * process. Node has Web Crypto too, so both run here.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { inflateSync } from "node:zlib";
import { describe, test } from "node:test";
import fc from "fast-check";
import { base64Decode, base64Encode, base64urlEncode } from "../../src/runtime/base64.js";
import { runtime as nodeRuntime } from "../../src/runtime/node.js";
import { sha256 } from "../../src/runtime/sha256.js";
import { runtime as webRuntime } from "../../src/runtime/web.js";

const RUNS = Math.max(1, Math.min(500, Number(process.env.FC_RUNS ?? 500)));
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const noisy = fc.string({ unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=. \n\u00e9"), maxLength: 80 });

describe("base64 without Buffer", () => {
  test("encodes as Buffer does, in both alphabets", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        assert.equal(base64urlEncode(bytes), Buffer.from(bytes).toString("base64url"));
        assert.equal(base64Encode(bytes), Buffer.from(bytes).toString("base64"));
      }),
      { numRuns: RUNS },
    );
  });

  test("decodes any text, canonical or not, to Buffer's bytes (so strictness checks agree across runtimes)", () => {
    fc.assert(
      fc.property(fc.oneof(noisy, fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b).toString("base64"))), (text) => {
        assert.equal(hex(base64Decode(text)), Buffer.from(text, "base64").toString("hex"), JSON.stringify(text));
        assert.equal(hex(base64Decode(text)), Buffer.from(text, "base64url").toString("hex"), JSON.stringify(text));
      }),
      { numRuns: RUNS * 4 },
    );
  });
});

test("SHA-256 in JavaScript gives node:crypto's digest at every length around the block boundaries", () => {
  for (let n = 0; n <= 200; n++) {
    const data = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
    assert.equal(hex(sha256(data)), createHash("sha256").update(data).digest("hex"), `length ${n}`);
  }
  assert.equal(hex(sha256(new TextEncoder().encode("abc"))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});

describe("the Web set against the Node set", () => {
  test("it is the Web set: asynchronous, no Node built-in behind it", () => {
    assert.equal(webRuntime.name, "web");
    assert.equal(webRuntime.sync, false);
    assert.equal(webRuntime.inflateLarge, undefined);
    assert.equal(nodeRuntime.sync, true);
  });

  test("HMAC (one-shot and keyed), SHA-256 and UTF-8: the same bytes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("sha1" as const, "sha256" as const),
        fc.oneof(fc.string({ minLength: 1, maxLength: 100 }), fc.uint8Array({ minLength: 1, maxLength: 100 })),
        fc.string({ unit: fc.constantFrom(..."abc.XYZ-_019"), maxLength: 300 }),
        async (digest, key, text) => {
          const expected = hex(nodeRuntime.hmac(digest, key, text) as Uint8Array);
          assert.equal(hex(await webRuntime.hmac(digest, key, text)), expected);
          const keyBytes = typeof key === "string" ? new TextEncoder().encode(key) : key;
          assert.equal(hex(await webRuntime.hmacKey(digest, Promise.resolve(keyBytes)).sign(text)), expected);
          assert.equal(hex(await nodeRuntime.hmacKey(digest, keyBytes).sign(text)), expected);
          assert.equal(hex(await webRuntime.sha256(keyBytes)), hex(nodeRuntime.sha256Sync(keyBytes)));
          assert.equal(hex(webRuntime.sha256Sync(keyBytes)), hex(nodeRuntime.sha256Sync(keyBytes)));
          assert.equal(hex(webRuntime.utf8Encode(text + "\ud800é")), hex(nodeRuntime.utf8Encode(text + "\ud800é")));
        },
      ),
      { numRuns: RUNS },
    );
  });

  test("AES-256-GCM: each opens what the other seals, and both refuse a flipped bit", async () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
    const iv = Uint8Array.from({ length: 12 }, (_, i) => 100 + i);
    const aad = new TextEncoder().encode("header");
    for (const plain of [new Uint8Array(0), new TextEncoder().encode('{"user":"tom"}'), new Uint8Array(1000).fill(7)]) {
      // header | ciphertext | tag, the header in clear.
      const byNode = nodeRuntime.gcmSeal(key, iv, aad, plain) as Uint8Array;
      const byWeb = await webRuntime.gcmSeal(key, iv, aad, plain);
      assert.equal(hex(byWeb), hex(byNode));
      assert.equal(hex(byWeb.subarray(0, aad.length)), hex(aad));
      assert.equal(byWeb.length, aad.length + plain.length + 16);
      assert.equal(hex((await webRuntime.gcmOpen(key, iv, aad, byNode.subarray(aad.length)))!), hex(plain));
      assert.equal(hex(nodeRuntime.gcmOpen(key, iv, aad, byWeb.subarray(aad.length)) as Uint8Array), hex(plain));
      const tampered = Uint8Array.from(byWeb.subarray(aad.length));
      tampered[tampered.length - 1]! ^= 1;
      assert.equal(await webRuntime.gcmOpen(key, iv, aad, tampered), undefined);
      assert.equal(nodeRuntime.gcmOpen(key, iv, aad, tampered), undefined);
    }
  });

  test("the large-input deflate (CompressionStream) writes a zlib stream that inflates back", async () => {
    const big = new TextEncoder().encode(JSON.stringify({ items: Array.from({ length: 4000 }, (_, i) => `item-${i % 50}`) }));
    assert.ok(big.length > 32 * 1024);
    const compressed = await webRuntime.deflateLarge(big);
    assert.equal(compressed[0], 0x78, "a zlib header, not raw deflate");
    assert.equal(hex(inflateSync(compressed)), hex(big));
  });

  test("constant-time equality: equal, different, and different lengths", () => {
    for (const rt of [webRuntime, nodeRuntime]) {
      assert.equal(rt.timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3])), true);
      assert.equal(rt.timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4])), false);
      assert.equal(rt.timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2])), false);
    }
  });
});
