/**
 * The golden vectors made by real Flask (scripts/flask/make_vectors.py →
 * test/fixtures/flask-vectors.json): every vector decodes to Flask's data or
 * is refused as Flask refuses it; every cookie we encode, compressed or not,
 * is byte-identical to Flask's, and Flask reads every one back.
 *
 * Written against the async API, which every runtime has, so that the same
 * file runs through both primitive sets: Node's here, and Web Crypto's in
 * test/runtime/web-primitives.test.ts (`--conditions=sessionkit-web`).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { inflateSync } from "node:zlib";
import {
  BadPayload,
  BadSignature,
  BadTimeSignature,
  createCookieCodec,
  deriveKey,
  dumps,
  encodeTimestamp,
  loads,
  SignatureExpired,
  toItsdangerousOrder,
} from "../../src/codec/index.js";
import { runtime } from "#runtime";
import { flaskAvailable, flaskReads, loadVectors, requireService, revive, secretOf } from "./helpers.js";

const vectors = loadVectors();
const NOW = vectors.now;
const MAX_AGE = vectors.max_age;

const ERRORS = { BadSignature, BadTimeSignature, SignatureExpired, BadPayload } as const;

/**
 * Where sessionkit refuses on purpose what Flask accepts or reads differently
 * (both still refuse a forgery). Each names the requirement that asks for it.
 */
const DELIBERATE: Record<string, keyof typeof ERRORS> = {
  "padded-1": "BadTimeSignature", // G.48 strict base64url: Flask accepts `cookie=`
  "padded-2": "BadTimeSignature", // G.48
  "timestamp-malformed": "BadTimeSignature", // R16: Python drops the bad characters and reads time 0 → expired
  "mac-valid-not-object": "BadPayload", // Flask answers 500 (TypeError); a fresh session here
  "mac-valid-zip-bomb": "BadPayload", // H.51: inflated past the 64 KiB cap; Flask inflates everything
};

describe("flask vectors: metadata", () => {
  test("the primitive set is the one this run asked for (test/runtime/cross-runtime.test.ts runs the Web set)", () => {
    assert.equal(runtime.name, process.env.SESSIONKIT_EXPECT_RUNTIME ?? "node");
  });

  test("the fixture was made by Flask 3.x with a frozen clock and has every kind of vector", async () => {
    assert.ok(vectors.encode.length >= 25);
    assert.ok(vectors.reject.length >= 20);
    assert.ok(vectors.encode.some((v) => v.compressed) && vectors.encode.some((v) => !v.compressed));
    for (const v of vectors.encode) assert.equal(v.cookie.split(".").at(-2), encodeTimestamp(NOW), v.name);
  });
});

describe("flask vectors: decode what Flask wrote", () => {
  for (const v of [...vectors.encode, ...vectors.decode_only]) {
    test(v.name, async () => {
      const secret = secretOf(v.secret);
      assert.equal(Buffer.from(await deriveKey(secret, "cookie-session", "sha1")).toString("hex"), v.derived_key_hex);
      const codec = createCookieCodec({ format: "flask", secrets: [secret] });
      const opened = await codec.openAsync(v.cookie, { maxAgeSeconds: MAX_AGE, nowSeconds: NOW });
      assert.deepStrictEqual(opened.data, revive(v.loaded));
      assert.equal(opened.signedAtSeconds, NOW);
      assert.equal(opened.secretIndex, 0);
      assert.deepStrictEqual(loads(v.tagged), revive(v.loaded));
    });
  }
});

describe("flask vectors: encode like Flask", () => {
  for (const v of vectors.encode) {
    test(v.name, async () => {
      const data = revive(v.data) as Record<string, unknown>;
      assert.equal(dumps(data), v.tagged, "tagged JSON text must be Python's, byte for byte");
      const codec = createCookieCodec({ format: "flask", secrets: [secretOf(v.secret)] });
      const ours = await codec.encodeAsync(data, { nowSeconds: NOW });
      // Compressed or not, the cookie is Flask's byte for byte: same JSON text, same zlib decision, same zlib bytes.
      assert.equal(ours, v.cookie, "the cookie must be byte-identical to Flask's");
      assert.deepStrictEqual(await codec.decodeAsync(ours, { maxAgeSeconds: MAX_AGE, nowSeconds: NOW }), revive(v.loaded));
      if (v.compressed) {
        // Flask's compressed payload is exactly "." + base64url(zlib(tagged text)), and it paid off by ≥ 2 bytes.
        const payload = v.cookie.slice(1, v.cookie.indexOf(".", 1));
        const inflated = inflateSync(Buffer.from(payload, "base64url"));
        assert.equal(inflated.toString("latin1"), v.tagged);
        assert.ok(Buffer.from(payload, "base64url").length < inflated.length - 1);
      }
    });
  }

  test("Flask reads back every cookie we encode (compressed ones included)", async (t) => {
    if (!requireService(t, flaskAvailable(), "python3 with Flask")) return;
    const items = await Promise.all(
      vectors.encode.map(async (v) => ({
        cookie: await createCookieCodec({ format: "flask", secrets: [secretOf(v.secret)] }).encodeAsync(revive(v.data) as Record<string, unknown>, {
          nowSeconds: NOW,
        }),
        secret: v.secret,
        now: NOW,
      })),
    );
    assert.ok(items.some((i) => i.cookie.startsWith(".")), "some of ours are compressed");
    const answers = flaskReads(items);
    answers.forEach((answer, i) => {
      assert.equal(answer.verdict, "ok", vectors.encode[i]!.name);
      assert.deepStrictEqual(answer.loaded, vectors.encode[i]!.loaded, vectors.encode[i]!.name);
    });
  });
});

describe("flask vectors: refuse what Flask refuses", () => {
  for (const v of vectors.reject) {
    test(`${v.name} (Flask: ${v.flask_error}, session ${v.flask_session})`, async () => {
      const codec = createCookieCodec({ format: "flask", secrets: [v.secret] });
      const expected = DELIBERATE[v.name] ?? v.flask_error;
      if (expected === "ok") {
        const data = await codec.decodeAsync(v.cookie, { maxAgeSeconds: MAX_AGE, nowSeconds: v.now });
        assert.equal(v.flask_session, "data");
        assert.ok(Object.keys(data).length > 0);
        return;
      }
      const cls = ERRORS[expected as keyof typeof ERRORS];
      assert.ok(cls, `unexpected verdict ${expected}`);
      await assert.rejects(
        async () => codec.decodeAsync(v.cookie, { maxAgeSeconds: MAX_AGE, nowSeconds: v.now }),
        (error: unknown) => {
          // The exact class, not a subclass: BadSignature vs BadTimeSignature vs SignatureExpired as in itsdangerous.
          assert.equal((error as Error).constructor, cls);
          assert.ok(!(error as Error).message.includes(v.cookie.slice(0, 12)), "the message never holds the cookie");
          if (error instanceof SignatureExpired) assert.equal(error.dateSigned.getTime(), NOW * 1000);
          return true;
        },
      );
    });
  }
});

describe("flask vectors: rotation with SECRET_KEY_FALLBACKS", () => {
  const r = vectors.rotation[0]!;
  const secrets = [r.secret_key, ...r.secret_key_fallbacks.slice().reverse()]; // newest first

  test("toItsdangerousOrder gives Flask's FALLBACKS + [SECRET_KEY] and is its own inverse", async () => {
    assert.deepEqual(toItsdangerousOrder(secrets), r.itsdangerous_order);
    assert.deepEqual(toItsdangerousOrder(toItsdangerousOrder(secrets)), secrets);
    assert.notEqual(toItsdangerousOrder(secrets), secrets);
  });

  test("every key Flask accepts verifies, and reports which one; a removed key is refused", async () => {
    const codec = createCookieCodec({ format: "flask", secrets });
    for (const c of r.cookies) {
      if (c.flask_error === "ok") {
        const opened = await codec.openAsync(c.cookie, { maxAgeSeconds: MAX_AGE, nowSeconds: NOW });
        assert.deepStrictEqual(opened.data, revive(c.loaded));
        assert.equal(opened.secretIndex, secrets.indexOf(c.signed_by));
      } else {
        await assert.rejects(async () => codec.decodeAsync(c.cookie, { nowSeconds: NOW }), BadTimeSignature);
      }
    }
    assert.ok(r.cookies.some((c) => c.flask_error !== "ok"));
  });

  test("we sign with the current key only, byte-identical to Flask", async () => {
    const codec = createCookieCodec({ format: "flask", secrets });
    assert.equal(await codec.encodeAsync({ signed_by: "whoever" }, { nowSeconds: NOW }), r.app_signs);
    const currentOnly = createCookieCodec({ format: "flask", secrets: [r.secret_key] });
    assert.equal((await currentOnly.openAsync(r.app_signs, { nowSeconds: NOW })).secretIndex, 0);
  });

  test("an expired cookie signed by a fallback is not retried with other keys", async () => {
    const codec = createCookieCodec({ format: "flask", secrets });
    const old = r.cookies.find((c) => c.signed_by === r.secret_key_fallbacks[0])!;
    await assert.rejects(async () => codec.decodeAsync(old.cookie, { maxAgeSeconds: MAX_AGE, nowSeconds: NOW + MAX_AGE + 1 }), SignatureExpired);
  });
});
