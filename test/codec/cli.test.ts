/**
 * The `sessionkit` CLI, run as a real process (bin/sessionkit.mjs): decode,
 * verify, sign, --help on each, distinct exit codes, and the secret never
 * taken from (or printed to) the command line.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import { createCookieCodec } from "../../src/codec/index.js";
import { cookieSalt } from "../../src/core/cookie-mode.js";

const BIN = new URL("../../bin/sessionkit.mjs", import.meta.url).pathname;
const SECRET = "cli-test-secret-0123456789abcdef-XYZ";
const NOW = Math.floor(Date.now() / 1000);

function run(args: string[], options: { env?: Record<string, string>; input?: string } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...options.env },
    input: options.input ?? "",
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("sessionkit CLI", () => {
  test("--help on the CLI and on every command, with the exit-code table", () => {
    const top = run(["--help"]);
    assert.equal(top.code, 0);
    for (const name of ["decode", "verify", "sign"]) {
      assert.match(top.out, new RegExp(`\\n  ${name} `));
      const help = run([name, "--help"]);
      assert.equal(help.code, 0);
      assert.match(help.out, new RegExp(`^usage: sessionkit ${name}`));
      assert.match(help.out, /64 +usage error/);
    }
    assert.equal(run([]).code, 64);
    assert.equal(run(["nope"]).code, 64);
  });

  test("sign → verify → decode round trip for a Flask cookie, secret from the environment", () => {
    const signed = run(["sign", "--format", "flask", "--data", '{"user":"Tom","t":{" t":[1,2]}}', "--secret-env", "SK"], { env: { SK: SECRET } });
    assert.equal(signed.code, 0, signed.err);
    const cookie = signed.out.trim();
    const data = createCookieCodec({ format: "flask", secrets: [SECRET] }).decode(cookie);
    assert.equal(data.user, "Tom");
    const verified = run(["verify", cookie, "--format", "flask", "--secret-env", "SK"], { env: { SK: SECRET } });
    assert.equal(verified.code, 0);
    assert.match(verified.out, /^valid \(flask; signed at .*; secret #0\)\npayload: \{"t":\{" t":\[1,2\]\},"user":"Tom"\}\n$/);
    const decoded = run(["decode", cookie]);
    assert.equal(decoded.code, 0);
    assert.match(decoded.out, /^UNVERIFIED/);
    assert.match(decoded.out, /payload: \{"t":\{" t":\[1,2\]\},"user":"Tom"\}/);
    assert.ok(!`${signed.out}${signed.err}${verified.out}${verified.err}`.includes(SECRET), "the secret is never printed");
  });

  test("verify: distinct exit codes for bad signature (1), expired (2), bad payload (3)", () => {
    // The CLI binds native formats to the cookie name, as core does (default "session").
    const codec = createCookieCodec({ format: "signed", secrets: [SECRET], salt: cookieSalt("signed", "session") });
    const env = { SK: SECRET };
    const good = codec.encode({ a: 1 }, { nowSeconds: NOW - 100 });
    assert.equal(run(["verify", good, "--secret-env", "SK", "--max-age", "1000"], { env }).code, 0);
    assert.equal(run(["verify", good, "--secret-env", "SK", "--max-age", "10"], { env }).code, 2);
    assert.equal(run(["verify", `${good.slice(0, -2)}AA`, "--secret-env", "SK"], { env }).code, 1);
    assert.equal(run(["verify", good, "--secret-env", "SK"], { env: { SK: "another-secret-0123456789abcdef" } }).code, 1);
    const future = codec.encode({ a: 1 }, { nowSeconds: NOW + 10_000 });
    const r = run(["verify", future, "--secret-env", "SK", "--max-age", "1000"], { env });
    assert.equal(r.code, 2);
    assert.match(r.out, /signed in the future/);
  });

  test("the secret can come from stdin (the prompt path) and never from an argument", () => {
    const cookie = createCookieCodec({ format: "encrypted", secrets: [SECRET], salt: cookieSalt("encrypted", "session") }).encode({ hidden: "yes" });
    const r = run(["verify", cookie, "--format", "encrypted"], { input: `${SECRET}\n` });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /"hidden":"yes"/);
    assert.equal(run(["verify", cookie, "--secret", SECRET]).code, 64, "there is no --secret option");
    const unset = run(["verify", cookie, "--secret-env", "NOT_SET_ANYWHERE"]);
    assert.equal(unset.code, 64);
    assert.match(unset.err, /NOT_SET_ANYWHERE is not set/);
  });

  test("sign refuses bad data (65) and usage errors (64)", () => {
    const env = { SK: SECRET };
    assert.equal(run(["sign", "--data", "{not json", "--secret-env", "SK"], { env }).code, 65);
    assert.equal(run(["sign", "--data", "[1,2]", "--secret-env", "SK"], { env }).code, 65);
    assert.equal(run(["sign", "--secret-env", "SK"], { env }).code, 64);
    assert.equal(run(["sign", "--data", "{}", "--format", "rot13", "--secret-env", "SK"], { env }).code, 64);
  });
});
