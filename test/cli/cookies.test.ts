/**
 * `decode`, `verify` and `sign` on what people actually feed them: forged
 * and absurd cookies (generated), Flask cookies without `--format`, secrets
 * the library refuses, and the environment the tutorial reads.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { deflateSync } from "node:zlib";
import fc from "fast-check";
import { createSessions } from "sessionkit";
import { createCookieCodec } from "../../src/codec/index.js";
import { cookieSalt } from "../../src/core/cookie-mode.js";
import { cliInProcess, cliProcess } from "./run-cli.js";

const SECRET = "cli-cookie-test-secret-0123456789abcdef";
const NOW = Math.floor(Date.now() / 1000);
const b64 = (bytes: Uint8Array | number[]) => Buffer.from(bytes).toString("base64url");
const flask = createCookieCodec({ format: "flask", secrets: [SECRET] });
const FLASK_COOKIE = flask.encode({ user: "Tom" }, { nowSeconds: NOW - 60 });
const SIG27 = "A".repeat(27);

/** A payload.timestamp.signature value from parts. */
const forge = (payload: string, timestampBytes: number[] | string, signature = SIG27) =>
  `${payload}.${typeof timestampBytes === "string" ? timestampBytes : b64(timestampBytes)}.${signature}`;

describe("decode: forged and absurd cookies have their documented exit code, never 70", () => {
  const cases: Array<[string, string, number, RegExp]> = [
    ["a Flask cookie", FLASK_COOKIE, 0, /payload: \{"user":"Tom"\}/],
    ["a timestamp beyond any date (2^48 - 1 s)", forge("e30", [255, 255, 255, 255, 255, 255]), 1, /signed at: \(timestamp 281474976710655 is beyond any date\)/],
    ["a timestamp past 2^53", forge("e30", [255, 255, 255, 255, 255, 255, 255, 255]), 1, /signed at: \(malformed timestamp\)/],
    ["a 'negative' timestamp (-1 is not base64url of any byte)", forge("e30", "-1"), 1, /signed at: \(malformed timestamp\)/],
    ["a timestamp in the future", forge("e30", [0xf4, 0x86, 0x57, 0x00]), 2, /signed at: 2100-01-01T00:00:00\.000Z \(4102444800\) — in the future/],
    ["a payload that is not UTF-8", forge(b64([0xff, 0xfe, 0xfd]), [0x65, 0x53, 0xf1, 0x00]), 3, /payload cannot be decoded \(could not decode the payload: not UTF-8\)/],
    ["a compressed payload that is not zlib", forge(`.${b64([1, 2, 3, 4])}`, [0x65, 0x53, 0xf1, 0x00]), 3, /could not decompress/],
    ["a cut signature", FLASK_COOKIE.slice(0, -7), 1, /signature: 20 chars: neither flask's 27 nor signed's 43 \(truncated or forged\)/],
    ["cut inside the timestamp", FLASK_COOKIE.slice(0, FLASK_COOKIE.indexOf(".") + 3), 1, /not a signed cookie/],
    ["100 KB", forge("A".repeat(100_000), [0x65, 0x53, 0xf1, 0x00]), 1, /102,?4?\d* characters|longer than any cookie/],
    ["characters no cookie holds", "eyJ1Ijoi\u001b[2J.x.y", 1, /characters other than letters, digits/],
  ];
  for (const [name, cookie, code, shown] of cases) {
    test(name, async () => {
      const run = await cliInProcess(["decode", cookie]);
      assert.equal(run.code, code, `${run.out}${run.err}`);
      assert.match(`${run.out}${run.err}`, shown);
      assert.doesNotMatch(`${run.out}${run.err}`, /Invalid Date|internal error/);
    });
  }

  test("the real binary agrees on the absurd ones", async () => {
    for (const [cookie, code] of [
      [forge("e30", [255, 255, 255, 255, 255, 255]), 1],
      [forge(b64([0xff, 0xfe]), [0x65, 0x53, 0xf1, 0x00]), 3],
      [forge("A".repeat(100_000), [0x65, 0x53, 0xf1, 0x00]), 1],
    ] as const) {
      const run = await cliProcess(["decode", cookie]);
      assert.equal(run.code, code, run.err);
    }
  });

  test("generated cookies: always 0-3, never an internal error, never an invalid date", async () => {
    const segment = fc.oneof(
      fc.string({ unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), maxLength: 60 }),
      fc.uint8Array({ maxLength: 12 }).map(b64),
      fc.constantFrom("", "-1", "-", "_", "=="),
    );
    const payload = fc.oneof(
      segment,
      fc.uint8Array({ maxLength: 40 }).map((bytes) => `.${b64(deflateSync(bytes))}`),
      fc.uint8Array({ maxLength: 40 }).map((bytes) => `.${b64(bytes)}`),
      fc.jsonValue().map((v) => b64(Buffer.from(JSON.stringify(v) ?? "null"))),
    );
    const cookie = fc.oneof(
      fc.tuple(payload, segment, segment).map(([p, t, s]) => `${p}.${t}.${s}`),
      fc.tuple(payload, fc.nat({ max: 2 ** 48 }), fc.constantFrom(27, 43, 0, 26, 44)).map(([p, t, n]) => `${p}.${b64(Buffer.from(t.toString(16).padStart(12, "0"), "hex"))}.${"x".repeat(n)}`),
      fc.string({ maxLength: 80 }),
      fc.constantFrom(FLASK_COOKIE).chain((c) => fc.nat({ max: c.length }).map((n) => c.slice(0, n))),
    );
    await fc.assert(
      fc.asyncProperty(cookie, async (value) => {
        const run = await cliInProcess(["decode", "--", value]);
        const text = `${run.out}${run.err}`;
        assert.ok([0, 1, 2, 3, 64].includes(run.code!), `exit ${run.code}: ${text}`);
        if (run.code === 64) assert.equal(value, "", "only an empty argument is a usage error");
        assert.doesNotMatch(text, /Invalid Date|internal error|NaN/);
      }),
      { numRuns: 600 },
    );
  });
});

describe("verify", () => {
  test("a Flask cookie verifies as flask without --format, as decode shows it", async () => {
    const run = await cliInProcess(["verify", FLASK_COOKIE], { SECRET_KEY: SECRET });
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /^valid \(flask; signed at .+; secret #0\)\npayload: \{"user":"Tom"\}\n$/);
  });

  test("checked as another format, it says the shape it has and what to pass", async () => {
    const run = await cliInProcess(["verify", FLASK_COOKIE], { SECRET_KEY: SECRET, SESSION_FORMAT: "signed" });
    assert.equal(run.code, 1);
    assert.match(run.out, /bad signature \(malformed\): not made with this secret and format \(signed\), or altered; its shape is the flask format's: try --format flask/);
    assert.equal((await cliInProcess(["verify", FLASK_COOKIE, "--format", "flask"], { SECRET_KEY: SECRET, SESSION_FORMAT: "signed" })).code, 0, "--format wins");
  });

  test("an encrypted cookie is recognised by its shape too", async () => {
    const cookie = createCookieCodec({ format: "encrypted", secrets: [SECRET], salt: cookieSalt("encrypted", "session") }).encode({ hidden: 1 });
    const run = await cliInProcess(["verify", cookie], { SECRET_KEY: SECRET });
    assert.equal(run.code, 0, run.out);
    assert.match(run.out, /^valid \(encrypted;/);
  });

  test("an authentic cookie signed beyond any date: no internal error, with or without --max-age", async () => {
    const codec = createCookieCodec({ format: "signed", secrets: [SECRET], salt: cookieSalt("signed", "session") });
    const cookie = codec.encode({ a: 1 }, { nowSeconds: 2 ** 47 });
    // Like itsdangerous, the age (and so the future) is checked only with a maximum age.
    const unchecked = await cliInProcess(["verify", cookie], { SECRET_KEY: SECRET });
    assert.equal(unchecked.code, 0, unchecked.err);
    assert.match(unchecked.out, /^valid \(signed; signed at a time beyond any date; secret #0\)/);
    const checked = await cliInProcess(["verify", cookie, "--max-age", "60"], { SECRET_KEY: SECRET });
    assert.equal(checked.code, 2, checked.err);
    assert.equal(checked.out, "expired (signed in the future; signed at a time beyond any date)\n");
  });
});

describe("sign", () => {
  test("refuses exactly the secrets createSessions refuses, by format, without printing them", async () => {
    const secret = fc.oneof(
      fc.string({ minLength: 1, maxLength: 40 }),
      fc.constantFrom("keyboard cat", "changeme", " SECRET ", "x".repeat(31), "x".repeat(32), "é".repeat(16)),
    );
    const format = fc.constantFrom("signed", "encrypted", "flask" as const);
    await fc.assert(
      fc.asyncProperty(secret, format, async (key, fmt) => {
        let refused = false;
        try {
          createSessions({ secret: key, format: fmt });
        } catch {
          refused = true;
        }
        const run = await cliInProcess(["sign", "--data", "{}", "--format", fmt], { SECRET_KEY: key });
        assert.equal(run.code, refused ? 64 : 0, `${fmt} ${JSON.stringify(key)}: ${run.err}`);
        if (refused) {
          assert.match(run.err, /createSessions would refuse this: invalid option `secret`/);
          // From 8 characters on, a secret inside the message was printed; a shorter one can be a
          // piece of the message's own words (a generated "ring" is in "toString").
          if (key.trim().length >= 8) assert.ok(!run.err.includes(key), "the secret is not printed");
        }
      }),
      { numRuns: 150 },
    );
  });

  test("a cookie name createSessions refuses is refused", async () => {
    const run = await cliInProcess(["sign", "--data", "{}", "--cookie-name", "a;b"], { SECRET_KEY: SECRET });
    assert.equal(run.code, 64);
    assert.match(run.err, /invalid option `cookie.name`/);
  });

  test("SECRET_KEY and SESSION_FORMAT are read as the tutorial reads them", async () => {
    const run = await cliInProcess(["sign", "--data", '{"user":"Tom"}'], { SECRET_KEY: SECRET, SESSION_FORMAT: " Flask " });
    assert.equal(run.code, 0, run.err);
    assert.deepEqual({ ...flask.decode(run.out.trim()) }, { user: "Tom" }, "a Flask cookie with SECRET_KEY");
    const prompted = await cliInProcess(["sign", "--data", "{}"], {}, SECRET);
    assert.equal(prompted.code, 0, "no SECRET_KEY: the prompt");
    const bad = await cliInProcess(["sign", "--data", "{}"], { SECRET_KEY: SECRET, SESSION_FORMAT: "rot13" });
    assert.equal(bad.code, 64);
    assert.match(bad.err, /SESSION_FORMAT must be flask, signed or encrypted/);
  });
});

test("--version prints the package's version, in process and from the binary", async () => {
  const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  assert.deepEqual(await cliInProcess(["--version"]), { code: 0, out: `sessionkit ${version}\n`, err: "" });
  const run = await cliProcess(["--version"]);
  assert.equal(run.code, 0);
  assert.equal(run.out, `sessionkit ${version}\n`);
});
