/**
 * CSRF tokens in core: `session.csrfToken()` masks the session's secret
 * afresh on every call; the secret lives in the session under Flask-WTF's
 * key, hidden from the dictionary API; login, regenerate, destroy and clear
 * drop it; and a token that is not one of the session's is refused, however
 * it was made (generated mutations, other sessions, any value at all),
 * without an exception and in constant time. Core only: the wire, on all
 * six adapters, is csrf.test.ts.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import crypto, { randomBytes } from "node:crypto";
import { syncBuiltinESMExports } from "node:module";
import fc from "fast-check";
import { createCookieCodec } from "../../src/codec/index.js";
import { csrfTokenMatches, isCsrfSecret, maskCsrfToken, newCsrfSecret } from "../../src/core/csrf-token.js";
import { sessionInternals } from "../../src/core/session.js";
import { HeadersSentError, RESERVED_KEYS, checkCsrf, createSessions, resolveCsrfOptions, type Session, type SessionManager, type SessionOptions } from "../../src/index.js";
import { MemoryStore } from "../../src/stores/memory.js";

const SECRET = "csrf-token-suite-secret-0123456789abcdef-XYZ";
const T0 = 1_800_000_000_000;
const OPTIONS = resolveCsrfOptions();

type Sessions = SessionManager<Record<string, unknown>>;

const MODES: [string, () => SessionOptions][] = [
  ["cookie, signed", () => ({ secret: SECRET })],
  ["cookie, flask", () => ({ secret: SECRET, format: "flask" })],
  ["cookie, encrypted", () => ({ secret: SECRET, format: "encrypted" })],
  ["store", () => ({ secret: SECRET, store: new MemoryStore(), regenerateGraceSeconds: 0 })],
];

function make(options: () => SessionOptions): Sessions {
  return createSessions({ ...options(), now: () => T0 });
}

/** One request: load, act, commit; the visitor's next Cookie header. */
async function request(sessions: Sessions, cookie: string | undefined, act: (s: Session<Record<string, unknown>>) => unknown): Promise<string | undefined> {
  const session = await sessions.load(cookie);
  await act(session);
  const { setCookie } = await sessions.commit(session, { status: 200 });
  if (setCookie.length === 0) return cookie;
  const pair = setCookie[0]!.split(";")[0]!;
  return pair.endsWith("=") ? undefined : pair;
}

/** Whether a same-origin POST carrying `token` passes the check for the session behind `cookie`. */
async function accepts(sessions: Sessions, cookie: string | undefined, token: unknown): Promise<boolean> {
  const session = await sessions.load(cookie);
  const verdict = checkCsrf(session, { method: "POST", origin: "https://app.test", secFetchSite: "same-origin", ownOrigin: "https://app.test", headerToken: token, formToken: undefined }, OPTIONS);
  return verdict === undefined;
}

describe("session.csrfToken()", () => {
  for (const [label, options] of MODES) {
    it(`each call gives a new masked token, every one valid, across requests (${label})`, async () => {
      const sessions = make(options);
      const tokens: string[] = [];
      const cookie = await request(sessions, undefined, (s) => {
        for (let i = 0; i < 50; i++) tokens.push(s.csrfToken());
      });
      assert.ok(cookie, "making the secret writes the session");
      assert.equal(new Set(tokens).size, 50, "no two tokens alike (a fresh mask each time, BREACH)");
      for (const token of tokens) assert.match(token, /^[A-Za-z0-9_-]{86}$/);
      // A later request: old tokens still pass, and new ones too, without rewriting the session.
      let later = "";
      const again = await request(sessions, cookie, (s) => void (later = s.csrfToken()));
      assert.equal(again, cookie, "reading the existing secret sends no new cookie");
      for (const token of [...tokens, later]) assert.equal(await accepts(sessions, cookie, token), true);
    });

    it(`the secret is hidden from the dictionary API and cannot be set by hand (${label})`, async () => {
      const sessions = make(options);
      const cookie = await request(sessions, undefined, (s) => {
        s.set("user", "ada");
        s.csrfToken();
      });
      const s = await sessions.load(cookie);
      assert.deepEqual(s.keys(), ["user"]);
      assert.equal(s.size, 1);
      assert.equal(s.has(RESERVED_KEYS.csrf), false);
      assert.equal(s.get(RESERVED_KEYS.csrf as "user"), undefined);
      assert.deepEqual({ ...s.toJSON() }, { user: "ada" });
      assert.equal(s.pop(RESERVED_KEYS.csrf as "user", "none"), "none");
      assert.equal(s.delete(RESERVED_KEYS.csrf as "user"), false);
      assert.throws(() => s.set(RESERVED_KEYS.csrf as "user", "mine"), /reserved; use .*csrfToken/);
      assert.ok(isCsrfSecret(sessionInternals(s).data.values.get(RESERVED_KEYS.csrf)), "still there underneath");
    });

    it(`login, regenerate, destroy and clear drop the secret: every earlier token is refused (${label})`, async () => {
      const sessions = make(options);
      const changes: [string, (s: Session<Record<string, unknown>>) => unknown][] = [
        ["login", (s) => s.login("user-1")],
        ["regenerate", (s) => s.regenerate()],
        ["regenerate without data", (s) => s.regenerate({ keepData: false })],
        ["destroy", (s) => s.destroy()],
        ["clear", (s) => s.clear()],
      ];
      for (const [name, change] of changes) {
        let before = "";
        const cookie = await request(sessions, undefined, (s) => {
          s.set("cart", ["book"]);
          before = s.csrfToken();
        });
        assert.equal(await accepts(sessions, cookie, before), true, `${name}: valid before`);
        const after = await request(sessions, cookie, change);
        assert.equal(await accepts(sessions, after, before), false, `${name}: the earlier token is refused`);
        if (name === "regenerate") {
          assert.deepEqual((await sessions.load(after)).get("cart"), ["book"], "regenerate keeps the data, not the secret");
        }
        // The next page gets a new secret, whose tokens pass.
        let fresh = "";
        const next = await request(sessions, after, (s) => void (fresh = s.csrfToken()));
        assert.equal(await accepts(sessions, next, fresh), true, `${name}: a new token is valid`);
        assert.equal(await accepts(sessions, next, before), false, `${name}: the old one still is not`);
      }
    });
  }

  for (const [label, options] of MODES) {
    it(`R83 generated request sequences: a token is valid exactly while the secret it was made from is the session's (${label})`, async () => {
      type Op = "token" | "set" | "login" | "regenerate" | "regenerate without data" | "clear" | "destroy";
      const op = fc.constantFrom<Op>("token", "token", "set", "login", "regenerate", "regenerate without data", "clear", "destroy");
      const requests = fc.array(fc.tuple(fc.array(op, { minLength: 1, maxLength: 4 }), fc.nat()), { minLength: 1, maxLength: 8 });
      await fc.assert(
        fc.asyncProperty(requests, async (script) => {
          const sessions = make(options);
          // The model: which secret ("epoch") each token was made from, and the session's current one.
          const issued: { token: string; epoch: number }[] = [];
          let current: number | undefined;
          let epochs = 0;
          let cookie: string | undefined;
          for (const [ops, pick] of script) {
            cookie = await request(sessions, cookie, async (s) => {
              for (const step of ops) {
                if (step === "token") {
                  if (current === undefined) current = ++epochs;
                  issued.push({ token: s.csrfToken(), epoch: current });
                } else if (step === "set") s.set("n", pick);
                else {
                  if (step === "login") await s.login("user-1");
                  else if (step === "regenerate") await s.regenerate();
                  else if (step === "regenerate without data") await s.regenerate({ keepData: false });
                  else if (step === "clear") s.clear();
                  else await s.destroy();
                  current = undefined;
                  if (step === "destroy") break; // a destroyed session saves nothing more
                }
              }
            });
            if (issued.length === 0) continue;
            const { token, epoch } = issued[pick % issued.length]!;
            assert.equal(await accepts(sessions, cookie, token), epoch === current, `token of secret #${epoch}, session on #${current}`);
          }
        }),
        { numRuns: 60, seed: 83 },
      );
    });
  }

  it("after the commit, an existing secret still gives tokens; making one throws HeadersSentError", async () => {
    const sessions = make(MODES[0]![1]);
    const cookie = await request(sessions, undefined, (s) => s.csrfToken());
    const withSecret = await sessions.load(cookie);
    await sessions.commit(withSecret);
    assert.equal(await accepts(sessions, cookie, withSecret.csrfToken()), true);
    const without = await sessions.load(undefined);
    await sessions.commit(without);
    assert.throws(() => without.csrfToken(), HeadersSentError);
  });

  it("a token page marks the session accessed (Vary: Cookie): a token must not be cached for another visitor", async () => {
    const sessions = make(MODES[0]![1]);
    const cookie = await request(sessions, undefined, (s) => s.csrfToken());
    const s = await sessions.load(cookie);
    s.csrfToken();
    const { headers } = await sessions.commit(s);
    assert.deepEqual(headers.find(([name]) => name === "Vary"), ["Vary", "Cookie"]);
  });
});

describe("the flask format keeps the secret where Flask-WTF does", () => {
  it("a Flask reader of the cookie sees csrf_token beside its own keys, and no key of sessionkit's", async () => {
    const sessions = make(MODES[1]![1]);
    const cookie = await request(sessions, undefined, (s) => {
      s.set("username", "ada");
      s.csrfToken();
    });
    const codec = createCookieCodec({ format: "flask", secrets: [SECRET], salt: "cookie-session" });
    const data = codec.open(cookie!.slice("session=".length), { maxAgeSeconds: 3600, nowSeconds: T0 / 1000 }).data;
    assert.deepEqual(Object.keys(data).sort(), ["csrf_token", "username"]);
    assert.ok(isCsrfSecret(data.csrf_token));
  });

  it("a secret Flask-WTF made (40 hexadecimal characters) is adopted as is: tokens verify against it and it is not replaced", async () => {
    const sessions = make(MODES[1]![1]);
    const codec = createCookieCodec({ format: "flask", secrets: [SECRET], salt: "cookie-session" });
    for (const wtf of fc.sample(fc.uint8Array({ minLength: 20, maxLength: 20 }), { numRuns: 20, seed: 17 })) {
      const secret = Buffer.from(wtf).toString("hex");
      const flaskCookie = `session=${codec.encode({ csrf_token: secret, username: "ada" }, { nowSeconds: T0 / 1000 })}`;
      let token = "";
      const after = await request(sessions, flaskCookie, (s) => void (token = s.csrfToken()));
      assert.equal(after, flaskCookie, "the cookie is not rewritten");
      assert.equal(csrfTokenMatches(secret, token), true);
      assert.equal(await accepts(sessions, flaskCookie, token), true);
    }
  });

  it("anything else under csrf_token (a number, a short string, a list) is replaced by a new secret on the first token", async () => {
    const sessions = make(MODES[1]![1]);
    const codec = createCookieCodec({ format: "flask", secrets: [SECRET], salt: "cookie-session" });
    for (const odd of [42, "short", ["a"], "x".repeat(129), "has spaces in it and is long enough to pass"]) {
      const cookie = `session=${codec.encode({ csrf_token: odd }, { nowSeconds: T0 / 1000 })}`;
      assert.equal(await accepts(sessions, cookie, "anything"), false);
      let token = "";
      const after = await request(sessions, cookie, (s) => void (token = s.csrfToken()));
      assert.notEqual(after, cookie);
      assert.equal(await accepts(sessions, after, token), true, JSON.stringify(odd));
    }
  });
});

describe("tokens that are not the session's are refused", () => {
  it("R82 generated mutations of a valid token (truncated, a character changed, extended, case-flipped) are refused and never throw", () => {
    const secret = newCsrfSecret();
    const token = maskCsrfToken(secret);
    const mutation = fc.oneof(
      fc.nat({ max: 85 }).map((n) => token.slice(0, n)),
      fc.tuple(fc.nat({ max: 85 }), fc.constantFrom(..."ABCabc019-_+/=.%é\u0000")).map(([i, c]) => token.slice(0, i) + c + token.slice(i + 1)),
      fc.string({ minLength: 1, maxLength: 20 }).map((tail) => token + tail),
      fc.string({ minLength: 1, maxLength: 20 }).map((head) => head + token),
      fc.constant(token.toUpperCase()),
      fc.constant(token.toLowerCase()),
      fc.constant(` ${token}`),
      fc.constant(`${token},${token}`),
    );
    fc.assert(
      fc.property(mutation, (candidate) => {
        fc.pre(candidate !== token);
        assert.equal(csrfTokenMatches(secret, candidate), false);
      }),
      { numRuns: 2_000, seed: 1 },
    );
  });

  it("another session's tokens, and any value at all (objects, arrays, numbers, 100 KB strings), are refused", () => {
    const secret = newCsrfSecret();
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string({ maxLength: 200 }), fc.constant(maskCsrfToken(newCsrfSecret()))), (value) => {
        assert.equal(csrfTokenMatches(secret, value), false);
      }),
      { numRuns: 2_000, seed: 2 },
    );
    for (let i = 0; i < 200; i++) assert.equal(csrfTokenMatches(secret, maskCsrfToken(newCsrfSecret())), false);
    assert.equal(csrfTokenMatches(secret, "A".repeat(100_000)), false);
    assert.equal(csrfTokenMatches(secret, randomBytes(75_000).toString("base64url")), false);
  });

  it("the unmasked token is compared with crypto.timingSafeEqual", () => {
    const secret = newCsrfSecret();
    let calls = 0;
    const real = crypto.timingSafeEqual;
    crypto.timingSafeEqual = ((a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      calls += 1;
      return real(a, b);
    }) as typeof crypto.timingSafeEqual;
    syncBuiltinESMExports();
    try {
      assert.equal(csrfTokenMatches(secret, maskCsrfToken(secret)), true);
      assert.equal(csrfTokenMatches(secret, maskCsrfToken(newCsrfSecret())), false);
    } finally {
      crypto.timingSafeEqual = real;
      syncBuiltinESMExports();
    }
    assert.equal(calls, 2);
  });
});
