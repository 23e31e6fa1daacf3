/**
 * R15 and R74: a cookie signed in the future. Flask (itsdangerous ≥ 2.0)
 * refuses it ("Signature age -5 < 0"); sessionkit does the same by default
 * and, with `clockSkewSeconds`, accepts exactly that many seconds of drift
 * between servers' clocks, never more. Core speaks strings, so the test
 * mints a cookie with one clock and presents its Cookie header to a manager
 * whose clock is behind; the last block presents it through a real server
 * on all six adapters (R79).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, createSessions, type SessionEvent, type SessionOptions } from "../../src/index.js";
import { ADAPTERS, startApp } from "../helpers/security-server.js";

const SECRET = "clock-skew-suite-secret-0123456789abcdef-XYZ";
const T0 = 1_800_000_000_000;

/** A Cookie header for `{ user: "ada" }` signed `aheadSeconds` after T0, in `format`. */
async function cookieSignedAt(aheadSeconds: number, format: SessionOptions["format"]): Promise<string> {
  const minter = createSessions({ secret: SECRET, format, now: () => T0 + aheadSeconds * 1000 });
  const session = await minter.load(undefined);
  session.set("user", "ada");
  const [setCookie] = (await minter.commit(session)).setCookie;
  return setCookie!.split(";")[0]!;
}

/** What a manager at T0 with `clockSkewSeconds` makes of that cookie. */
async function readAtT0(cookie: string, format: SessionOptions["format"], clockSkewSeconds?: number) {
  const events: SessionEvent[] = [];
  const sessions = createSessions({ secret: SECRET, format, now: () => T0, onEvent: (e) => events.push(e), ...(clockSkewSeconds === undefined ? {} : { clockSkewSeconds }) });
  const session = await sessions.load(cookie);
  return { session, events };
}

describe("R15 R74 clock-skew tolerance", () => {
  for (const format of ["signed", "flask", "encrypted"] as const) {
    it(`R15 R74 default 0 refuses a cookie signed at now+5 s; with 10 s of tolerance now+5 s is accepted and now+11 s is FRESH (${format})`, async () => {
      const plus5 = await cookieSignedAt(5, format);
      const byDefault = await readAtT0(plus5, format);
      assert.equal(byDefault.session.isNew, true, "FRESH by default, as Flask");
      assert.equal(byDefault.session.get("user"), undefined);
      assert.deepEqual(byDefault.events, [{ type: "cookie_rejected", reason: "future" }]);

      const tolerated = await readAtT0(plus5, format, 10);
      assert.equal(tolerated.session.isNew, false);
      assert.equal(tolerated.session.get("user"), "ada", "within the tolerance: the visitor keeps the session");
      assert.deepEqual(tolerated.events, []);
      // The same cookie again (the verified-cookie cache path) is still accepted.
      assert.equal((await readAtT0(plus5, format, 10)).session.get("user"), "ada");

      const atLimit = await readAtT0(await cookieSignedAt(10, format), format, 10);
      assert.equal(atLimit.session.get("user"), "ada", "exactly the tolerance is still accepted");

      for (const ahead of [11, 1e9]) {
        const beyond = await readAtT0(await cookieSignedAt(ahead, format), format, 10);
        assert.equal(beyond.session.isNew, true, `FRESH at now+${ahead} s`);
        assert.equal(beyond.session.get("user"), undefined);
        assert.deepEqual(beyond.events, [{ type: "cookie_rejected", reason: "future" }]);
      }
    });
  }

  it("R15 clockSkewSeconds must be a whole number of seconds from 0 to 300", () => {
    for (const bad of [-1, 1.5, 301, Number.NaN, Number.POSITIVE_INFINITY, "10" as unknown as number]) {
      assert.throws(
        () => createSessions({ secret: SECRET, clockSkewSeconds: bad }),
        (error: unknown) => error instanceof ConfigError && error.code === "CONFIG_INVALID" && /clockSkewSeconds/.test(error.message),
        String(bad),
      );
    }
    assert.equal(createSessions({ secret: SECRET }).options.clockSkewSeconds, 0);
    assert.equal(createSessions({ secret: SECRET, clockSkewSeconds: 300 }).options.clockSkewSeconds, 300);
  });
});

for (const adapter of ADAPTERS) {
  describe(`R15 R74 clock-skew tolerance on the wire [${adapter}]`, () => {
    it(`R15 R74 on the wire: a cookie from a clock 5 s ahead is FRESH by default and kept with 10 s of tolerance; 11 s ahead is FRESH [${adapter}]`, async () => {
      const app = async (clockSkewSeconds?: number) =>
        startApp(
          createSessions({ secret: SECRET, now: () => T0, ...(clockSkewSeconds === undefined ? {} : { clockSkewSeconds }) }),
          ({ session }) => String(session.get("user") ?? "nobody"),
          { adapter },
        );
      const strict = await app();
      const tolerant = await app(10);
      try {
        const plus5 = await cookieSignedAt(5, "signed");
        assert.equal((await strict.get("/", { cookie: plus5 })).body, "nobody", "FRESH by default, as Flask");
        assert.equal((await tolerant.get("/", { cookie: plus5 })).body, "ada", "within the tolerance");
        assert.equal((await tolerant.get("/", { cookie: await cookieSignedAt(11, "signed") })).body, "nobody", "beyond it");
      } finally {
        await strict.close();
        await tolerant.close();
      }
    });
  });
}
