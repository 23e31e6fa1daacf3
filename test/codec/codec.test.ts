/**
 * createCookieCodec across formats: round trips, rotation, expiry, strict
 * base64, MAC-before-parse, caps, prototype safety, the encrypted format.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { deflateSync } from "node:zlib";
import { describe, test } from "node:test";
import {
  BadPayload,
  BadSignature,
  BadTimeSignature,
  CodecConfigError,
  createCookieCodec,
  encodeTimestamp,
  SignatureExpired,
  TimestampSigner,
  tuple,
  UnserializableValueError,
  type CookieFormat,
} from "../../src/codec/index.js";

const NOW = 1_800_000_000;
const KEY = "codec-test-secret-0123456789abcdef0123";
const OLD = "codec-test-old-secret-0123456789abcdef";
const FORMATS: CookieFormat[] = ["flask", "signed", "encrypted"];

/** A cookie in the signed layouts with a valid MAC around any payload text (what only a key holder can make). */
function macOver(payload: string, digest: "sha1" | "sha256"): string {
  return new TimestampSigner({ secrets: [KEY], salt: "cookie-session", digest }).sign(payload, NOW);
}

for (const format of FORMATS) {
  describe(`format ${format}`, () => {
    const codec = createCookieCodec({ format, secrets: [KEY, OLD] });
    const data = { user: "tom", cart: tuple(1, 2), when: new Date(NOW * 1000), big: 2n ** 80n, ["__proto__"]: { admin: true } };

    test("round-trips data, with signing time and secret index", () => {
      const cookie = codec.encode(data, { nowSeconds: NOW });
      const opened = codec.open(cookie, { maxAgeSeconds: 60, nowSeconds: NOW + 60 });
      assert.equal(opened.signedAtSeconds, NOW);
      assert.equal(opened.secretIndex, 0);
      assert.equal(Object.getPrototypeOf(opened.data), null);
      assert.deepStrictEqual(opened.data.cart, tuple(1, 2));
      assert.equal(opened.data.big, 2n ** 80n);
      assert.equal(Object.getPrototypeOf(opened.data.__proto__), null, "__proto__ is plain data");
      assert.equal((opened.data.__proto__ as { admin: boolean }).admin, true);
      assert.equal(({} as { admin?: boolean }).admin, undefined, "no prototype was polluted");
      assert.equal(codec.format, format);
      assert.ok(/^[A-Za-z0-9_.-]+$/.test(cookie), "cookie-safe characters only");
    });

    test("an older secret verifies (index 1) but never signs; a removed one is refused", () => {
      const old = createCookieCodec({ format, secrets: [OLD] }).encode({ a: 1 }, { nowSeconds: NOW });
      assert.equal(codec.open(old, { nowSeconds: NOW }).secretIndex, 1);
      assert.throws(() => createCookieCodec({ format, secrets: [KEY] }).decode(old, { nowSeconds: NOW }), BadSignature);
      const fresh = codec.encode({ a: 1 }, { nowSeconds: NOW });
      assert.equal(createCookieCodec({ format, secrets: [KEY] }).open(fresh, { nowSeconds: NOW }).secretIndex, 0);
    });

    test("age == max passes; one second more is SignatureExpired with dateSigned; the future is refused", () => {
      const cookie = codec.encode({ a: 1 }, { nowSeconds: NOW });
      assert.equal(codec.decode(cookie, { maxAgeSeconds: 100, nowSeconds: NOW + 100 }).a, 1);
      assert.throws(
        () => codec.decode(cookie, { maxAgeSeconds: 100, nowSeconds: NOW + 101 }),
        (e: unknown) => e instanceof SignatureExpired && e.dateSigned.getTime() === NOW * 1000 && e.reason === "expired",
      );
      assert.throws(
        () => codec.decode(cookie, { maxAgeSeconds: 100, nowSeconds: NOW - 1 }),
        (e: unknown) => e instanceof SignatureExpired && e.reason === "future" && e.code === "SIGNATURE_EXPIRED",
      );
    });

    test("every single-character change is refused, never accepted", () => {
      const cookie = codec.encode({ user: "tom", role: "user" }, { nowSeconds: NOW });
      const alphabet = "AZaz09-_.=!";
      for (let i = 0; i < cookie.length; i++) {
        for (const ch of alphabet) {
          if (cookie[i] === ch) continue;
          const forged = cookie.slice(0, i) + ch + cookie.slice(i + 1);
          assert.throws(() => codec.decode(forged, { nowSeconds: NOW }), BadSignature, `position ${i} → ${ch}`);
        }
      }
    });

    test("appending or removing a character is refused (strict base64, G.48)", () => {
      const cookie = codec.encode({ a: 1 }, { nowSeconds: NOW });
      for (const forged of [`${cookie}=`, `${cookie}==`, `${cookie}!`, `${cookie}A`, cookie.slice(0, -1), ` ${cookie}`]) {
        assert.throws(() => codec.decode(forged, { nowSeconds: NOW }), BadSignature);
      }
    });

    test("hostile shapes are refused with codec errors only", () => {
      const huge = "A".repeat(20_000);
      for (const value of ["", ".", "..", "...", "a.b.c", huge, "\u0000", "😀.😀.😀", undefined, 42]) {
        assert.throws(() => codec.decode(value as string), (e: unknown) => e instanceof BadSignature && !(e as Error).message.includes("😀"));
      }
    });

    test("encode refuses what has no tagged-JSON form, naming the type only", () => {
      for (const bad of [new Map(), null, [1], new (class Secretive {})()]) {
        assert.throws(() => codec.encode(bad as Record<string, unknown>), UnserializableValueError);
      }
      assert.throws(() => codec.encode({ f: () => 1 }), (e: unknown) => e instanceof UnserializableValueError && e.valueType === "function");
    });
  });
}

describe("signed layouts (flask, signed)", () => {
  test("flask signs with HMAC-SHA1 (27 chars), signed with HMAC-SHA256 (43 chars), same layout", () => {
    const flask = createCookieCodec({ format: "flask", secrets: [KEY] }).encode({ a: 1 }, { nowSeconds: NOW });
    const signed = createCookieCodec({ secrets: [KEY] }).encode({ a: 1 }, { nowSeconds: NOW });
    assert.equal(flask.split(".")[2]!.length, 27);
    assert.equal(signed.split(".")[2]!.length, 43);
    assert.equal(flask.split(".")[0], signed.split(".")[0]);
    const derived = createHmac("sha256", KEY).update("cookie-session").digest();
    const mac = createHmac("sha256", derived).update(signed.slice(0, signed.lastIndexOf("."))).digest("base64url");
    assert.equal(signed.split(".")[2], mac);
  });

  test("a flask cookie does not open as signed, nor the other way, nor under another salt", () => {
    const flask = createCookieCodec({ format: "flask", secrets: [KEY] });
    const signed = createCookieCodec({ format: "signed", secrets: [KEY] });
    const named = createCookieCodec({ format: "signed", secrets: [KEY], salt: "cookie:__Host-sid" });
    assert.throws(() => signed.decode(flask.encode({ a: 1 })), BadTimeSignature);
    assert.throws(() => flask.decode(signed.encode({ a: 1 })), BadTimeSignature);
    assert.throws(() => named.decode(signed.encode({ a: 1 })), BadTimeSignature);
  });

  test("the MAC is checked before anything is decoded: a forged bomb or garbage is BadTimeSignature, not BadPayload", () => {
    const codec = createCookieCodec({ format: "flask", secrets: [KEY], maxValueLength: 1 << 20 });
    const bomb = `.${deflateSync(Buffer.alloc(50_000_000)).toString("base64url")}`;
    for (const payload of [bomb, "!!!!", ".AAAA", "e30"]) {
      const forged = `${payload}.${encodeTimestamp(NOW)}.${"A".repeat(27)}`;
      // The class is the proof: decoded first, the bomb (past the 64 KiB cap) and the garbage would be
      // BadPayload. (A time bound proved nothing more: the cap makes even an inflate cheap.)
      assert.throws(() => codec.decode(forged, { nowSeconds: NOW }), BadTimeSignature);
    }
  });

  test("an authentic zip bomb stops at the 64 KiB cap (BadPayload, bounded time)", () => {
    const codec = createCookieCodec({ format: "flask", secrets: [KEY], maxValueLength: 1 << 20 });
    const json = Buffer.from(`{"a":"${"a".repeat(10_000_000)}"}`);
    const cookie = macOver(`.${deflateSync(json).toString("base64url")}`, "sha1");
    const started = performance.now();
    assert.throws(() => codec.decode(cookie, { nowSeconds: NOW }), BadPayload);
    assert.ok(performance.now() - started < 2000);
    const fits = macOver(`.${deflateSync(Buffer.from(`{"a":"${"a".repeat(60_000)}"}`)).toString("base64url")}`, "sha1");
    assert.equal((codec.decode(fits, { nowSeconds: NOW }).a as string).length, 60_000);
  });

  test("authentic but bad payloads are BadPayload with a cause; deep nesting and key floods are capped", () => {
    const codec = createCookieCodec({ format: "signed", secrets: [KEY], maxValueLength: 1 << 22 });
    const b64 = (s: string | Buffer) => Buffer.from(s).toString("base64url");
    const cases = [
      b64("{not json"),
      b64(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])),
      b64("[1,2]"),
      b64(`${"[".repeat(100_000)}${"]".repeat(100_000)}`),
      b64(`{${Array.from({ length: 20_000 }, (_, i) => `"k${i}":1`).join(",")}}`),
      b64('{"x":{" u":"nope"}}'),
      ".AAAAAA",
    ];
    for (const payload of cases) {
      assert.throws(() => codec.decode(macOver(payload, "sha256"), { nowSeconds: NOW }), BadPayload);
    }
    assert.throws(
      () => codec.decode(macOver(".AAAAAA", "sha256")),
      (e: unknown) => e instanceof BadPayload && e.cause instanceof Error && e.code === "BAD_PAYLOAD",
    );
  });

  test("signed compresses only long payloads; flask always tries", () => {
    const signed = createCookieCodec({ format: "signed", secrets: [KEY] });
    const flask = createCookieCodec({ format: "flask", secrets: [KEY] });
    const short = { t: "abcabcabcabcabcabcabcabcabcabcabcabcabc" };
    assert.ok(!signed.encode(short).startsWith("."));
    assert.ok(flask.encode(short).startsWith("."));
    assert.ok(signed.encode({ t: "abc".repeat(200) }).startsWith("."));
  });
});

describe("encrypted", () => {
  const codec = createCookieCodec({ format: "encrypted", secrets: [KEY] });

  test("the visitor cannot read the data", () => {
    const cookie = codec.encode({ secret_note: "launch-codes-1234" });
    const raw = Buffer.from(cookie, "base64url");
    assert.ok(!raw.includes("launch-codes"));
    assert.ok(!raw.includes("secret_note"));
    assert.equal(raw[0], 1, "version byte");
  });

  test("a bit flip anywhere is refused", () => {
    const cookie = codec.encode({ a: 1 }, { nowSeconds: NOW });
    const raw = Buffer.from(cookie, "base64url");
    for (let i = 0; i < raw.length; i++) {
      for (const bit of [0x01, 0x80]) {
        const copy = Buffer.from(raw);
        copy[i]! ^= bit;
        assert.throws(() => codec.decode(copy.toString("base64url"), { nowSeconds: NOW }), BadSignature, `byte ${i}`);
      }
    }
  });

  test("100,000 seals have distinct salts and nonces (G.46)", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) seen.add(Buffer.from(codec.encode({}), "base64url").subarray(2, 26).toString("latin1"));
    assert.equal(seen.size, 100_000);
  });

  test("another purpose (salt) does not open it", () => {
    const other = createCookieCodec({ format: "encrypted", secrets: [KEY], salt: "another-cookie" });
    assert.throws(() => other.decode(codec.encode({ a: 1 })), BadSignature);
  });
});

describe("configuration", () => {
  test("no secret, an empty secret or an unknown format throw CodecConfigError at creation", () => {
    assert.throws(() => createCookieCodec({ secrets: [] }), CodecConfigError);
    assert.throws(() => createCookieCodec({ secrets: [""] }), (e: unknown) => e instanceof CodecConfigError && e.option === "secrets[0]");
    assert.throws(() => createCookieCodec({ secrets: [KEY], format: "rot13" as CookieFormat }), CodecConfigError);
  });

  test("the codec is frozen and keeps its own copy of byte secrets", () => {
    const secret = new Uint8Array(Buffer.from(KEY));
    const codec = createCookieCodec({ secrets: [secret] });
    const cookie = codec.encode({ a: 1 });
    secret.fill(0);
    assert.equal(codec.decode(cookie).a, 1);
    assert.ok(Object.isFrozen(codec));
  });
});
