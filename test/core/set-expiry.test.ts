// session.setExpiry(): generated durations, timeouts and clock advances in
// every cookie format that can carry it and on a store; the cookie's Expires,
// the store record's expiry and what the server accepts all agree.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import fc from "fast-check";
import { createSessions, FormatUnsupportedError, hashSessionId, type SessionOptions } from "sessionkit";
import { MemoryStore } from "sessionkit/stores/memory";
import { cookieFrom, ctx, idFrom } from "sessionkit/testing";

const secret = randomBytes(32).toString("base64url");
const LIFETIME = 3600;
const T0 = 1_800_000_000_000; // whole seconds, so a cookie's signing time is exact

const MODES: Record<string, () => { options: Partial<SessionOptions>; store?: MemoryStore }> = {
  signed: () => ({ options: {} }),
  encrypted: () => ({ options: { format: "encrypted" } }),
  "signed with revocation": () => ({ options: { revocation: { store: new MemoryStore() } } }),
  store: () => {
    const store = new MemoryStore();
    return { options: { store }, store };
  },
};

const expiresOf = (setCookie: string): number | undefined => {
  const match = /; Expires=([^;]+)/.exec(setCookie);
  return match ? Date.parse(match[1]!) : undefined;
};

for (const [name, make] of Object.entries(MODES)) {
  describe(`setExpiry (${name})`, () => {
    test("generated: the cookie's Expires, the record's expiry and the server's limit are the shortest of setExpiry, lifetime and idleTimeout", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(fc.integer({ min: 1, max: 2 * LIFETIME }), fc.constant("browser-session" as const)),
          fc.option(fc.integer({ min: 1, max: 2 * LIFETIME }), { nil: undefined }),
          fc.boolean(),
          fc.integer({ min: 0, max: 3 * LIFETIME }),
          async (expiry, idle, permanent, advanceSeconds) => {
            let nowMs = T0;
            const { options, store } = make();
            const sessions = createSessions<Record<string, unknown>>({ secret, lifetime: LIFETIME, permanent, now: () => nowMs, ...(idle ? { idleTimeout: idle } : {}), ...options } as SessionOptions);
            const session = await sessions.load(undefined);
            session.set("a", 1);
            session.setExpiry(expiry);
            const [setCookie] = (await sessions.commit(session, { status: 200 })).setCookie;
            assert.ok(setCookie);
            const own = expiry === "browser-session" ? undefined : Math.min(expiry, LIFETIME);
            // The cookie: setExpiry's lifetime, or none for a browser-session cookie, whatever `permanent` says.
            assert.equal(expiresOf(setCookie), own === undefined ? undefined : T0 + own * 1000);
            // setExpiry only ever shortens: on a store the idle window (idleTimeout, by default lifetime) is the record's
            // life, in a cookie the signature's age limit is the shorter of lifetime and idleTimeout.
            const base = store ? (idle ?? LIFETIME) : Math.min(idle ?? LIFETIME, LIFETIME);
            const serverLimit = Math.min(own ?? Infinity, base);
            if (store) {
              const record = await store.load(hashSessionId(idFrom(cookieFrom([setCookie]))), ctx(T0));
              assert.equal(record?.expiresAtMs, T0 + serverLimit * 1000, "the record lives exactly as long as the server accepts it");
            }
            nowMs = T0 + advanceSeconds * 1000;
            const later = await sessions.load(cookieFrom([setCookie]));
            // A store's record is gone at its expiry; a cookie's signature is refused once older than the limit.
            const alive = store ? advanceSeconds < serverLimit : advanceSeconds <= serverLimit;
            assert.equal(later.get("a"), alive ? 1 : undefined, `after ${advanceSeconds}s (limit ${serverLimit}s)`);
          },
        ),
        { numRuns: 120 },
      );
    });

    test("the expiry lasts across requests and a login, rolls with each write, and a later setExpiry replaces it", async () => {
      let nowMs = T0;
      const { options } = make();
      const sessions = createSessions<Record<string, unknown>>({ secret, lifetime: LIFETIME, now: () => nowMs, ...options } as SessionOptions);
      const first = await sessions.load(undefined);
      first.setExpiry("10m");
      first.set("a", 1);
      let cookie = cookieFrom((await sessions.commit(first, { status: 200 })).setCookie);
      nowMs += 300_000;
      const second = await sessions.load(cookie);
      await second.login("u1", { keep: ["a"] });
      const [written] = (await sessions.commit(second, { status: 200 })).setCookie;
      assert.equal(expiresOf(written!), nowMs + 600_000, "kept across the login, counted from this write");
      cookie = cookieFrom([written!]);
      nowMs += 590_000;
      const third = await sessions.load(cookie);
      assert.equal(third.get("a"), 1);
      third.setExpiry("browser-session");
      const [browser] = (await sessions.commit(third, { status: 200 })).setCookie;
      assert.equal(expiresOf(browser!), undefined);
    });
  });
}

describe("setExpiry where Flask reads the data", () => {
  test("the flask cookie format refuses it at the call, and writes no key of its own", async () => {
    const sessions = createSessions({ secret, format: "flask" });
    const session = await sessions.load(undefined);
    assert.throws(() => session.setExpiry("1h"), (e: unknown) => e instanceof FormatUnsupportedError && e.code === "SESSION_FORMAT_UNSUPPORTED" && e.feature === "setExpiry" && /flask cookie format/.test(e.message));
    assert.equal(session.modified, false);
  });

  test("a duration that is not one is a ConfigError naming setExpiry", async () => {
    const session = await createSessions({ secret }).load(undefined);
    assert.throws(() => session.setExpiry(-5), /setExpiry/);
    assert.throws(() => session.setExpiry("soon" as never), /setExpiry/);
  });
});
