// Sessions bigger than one cookie (cookie.maxChunks): generated sessions of
// every size round-trip through chunks, and whatever is done to the chunks on
// the way back (one edited, dropped, reordered, or mixed with another
// session's) gives a fresh session. Shrinking and destroying delete every
// chunk the browser holds, and past maxChunks the commit still throws.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import fc from "fast-check";
import { ConfigError, CookieTooLargeError, createSessions, type SessionOptions } from "sessionkit";
import { MemoryStore } from "sessionkit/stores/memory";

const SECRET = "c".repeat(32) + "-chunks";
const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const RUNS = process.env.CI === "true" ? 60 : 30;

/** A cookie jar as a browser keeps one: Set-Cookie lines in, the Cookie header out (in set order). */
class Jar {
  readonly cookies = new Map<string, string>();
  take(setCookie: readonly string[]): void {
    for (const line of setCookie) {
      const pair = line.slice(0, line.indexOf(";"));
      const name = pair.slice(0, pair.indexOf("="));
      if (/Max-Age=0/.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(name.length + 1));
    }
  }
  header(): string {
    return [...this.cookies].map(([n, v]) => `${n}=${v}`).join("; ");
  }
  names(): string[] {
    return [...this.cookies.keys()].sort();
  }
}

function app(extra: Partial<SessionOptions> = {}) {
  const sessions = createSessions({ secret: SECRET, cookie: { maxChunks: 3 }, ...extra });
  return {
    sessions,
    async request(jar: Jar, handler: (s: Awaited<ReturnType<typeof sessions.load>>) => unknown) {
      const session = await sessions.load(jar.header());
      await handler(session);
      const { setCookie } = await sessions.commit(session);
      for (const line of setCookie) assert.ok(line.length <= 4093, `a Set-Cookie of ${line.length} bytes`);
      jar.take(setCookie);
      return { session, setCookie };
    },
  };
}

/** Incompressible text of `bytes` characters (random base64), so the cookie really is that big. */
const blob = (bytes: number): string => randomBytes(Math.ceil((bytes * 3) / 4)).toString("base64").slice(0, bytes);
const keyArb = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !k.startsWith("_") && k !== "csrf_token");
const dataArb = fc.dictionary(keyArb, fc.integer({ min: 0, max: 3_000 }).map(blob), { minKeys: 1, maxKeys: 4 });

describe("cookie.maxChunks", () => {
  test("generated sessions up to three cookies round-trip whole; the Cookie header stays under 16 KiB", async () => {
    await fc.assert(
      fc.asyncProperty(dataArb, async (data) => {
        const { request } = app();
        const jar = new Jar();
        const total = Object.values(data).reduce((n, v) => n + v.length, 0);
        let threw: unknown;
        try {
          await request(jar, (s) => Object.entries(data).forEach(([k, v]) => s.set(k, v)));
        } catch (error) {
          threw = error;
        }
        if (threw !== undefined) {
          // Only a session too big for three chunks may throw, and it says so.
          assert.ok(threw instanceof CookieTooLargeError && threw.maxChunks === 3 && total > 3 * 3_900, String(threw));
          return;
        }
        const names = jar.names();
        assert.ok(names.length >= 1 && names.length <= 3, names.join());
        assert.ok(names.length === 1 ? names[0] === "session" : names.every((n, i) => n === `session.${i}`), names.join());
        assert.ok(jar.header().length < 12_500);
        const back = await request(jar, (s) => assert.deepEqual(Object.fromEntries(s.entries()), { ...data }));
        assert.equal(back.session.isNew, false);
      }),
      { numRuns: RUNS },
    );
  });

  test("an edited, dropped, reordered or foreign chunk gives a fresh session", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 4_200, max: 11_000 }), fc.integer({ min: 4_200, max: 11_000 }), fc.nat(), fc.nat(), async (sizeA, sizeB, pick, at) => {
        const { request } = app();
        const a = new Jar();
        const b = new Jar();
        await request(a, (s) => s.set("who", "alice:" + blob(sizeA)));
        await request(b, (s) => s.set("who", "mallory:" + blob(sizeB)));
        const names = a.names();
        assert.ok(names.length >= 2);
        const target = names[pick % names.length]!;
        const value = a.cookies.get(target)!;
        const forgeries: string[] = [];
        // One character changed, to one that differs in its top bit (never only in base64's padding bits).
        const i = at % value.length;
        const digit = B64URL.indexOf(value[i]!);
        const swapped = digit === -1 ? "A" : B64URL[digit ^ 32]!;
        forgeries.push(a.header().replace(`${target}=${value}`, `${target}=${value.slice(0, i)}${swapped}${value.slice(i + 1)}`));
        // One chunk missing.
        forgeries.push(names.filter((n) => n !== target).map((n) => `${n}=${a.cookies.get(n)}`).join("; "));
        // Two chunks' values exchanged.
        forgeries.push(names.map((n, k) => `${n}=${a.cookies.get(names[(k + 1) % names.length]!)}`).join("; "));
        // One chunk taken from another session.
        if (b.cookies.has(target)) forgeries.push(a.header().replace(`${target}=${value}`, `${target}=${b.cookies.get(target)}`));
        // A stray chunk appended (within the three a request is read for).
        if (names.length < 3) forgeries.push(`${a.header()}; session.${names.length}=${value.slice(0, 40)}`);
        for (const header of forgeries) {
          const fresh = new Jar();
          header.split("; ").forEach((p) => fresh.cookies.set(p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)));
          await request(fresh, (s) => {
            assert.equal(s.isNew, true);
            assert.equal(s.get("who"), undefined);
          });
        }
        // The untouched chunks still load.
        await request(a, (s) => assert.ok(String(s.get("who")).startsWith("alice:")));
      }),
      { numRuns: RUNS },
    );
  });

  test("shrinking deletes the chunks no longer written; destroy deletes every one", async () => {
    const { request } = app();
    const jar = new Jar();
    await request(jar, (s) => s.set("big", blob(10_000)));
    assert.deepEqual(jar.names(), ["session.0", "session.1", "session.2"]);
    const { setCookie } = await request(jar, (s) => s.set("big", blob(5_000)));
    assert.deepEqual(jar.names(), ["session.0", "session.1"]);
    assert.match(setCookie.at(-1)!, /^session\.2=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=\/; SameSite=Lax$/);
    await request(jar, (s) => s.set("big", "small"));
    assert.deepEqual(jar.names(), ["session"]);
    await request(jar, (s) => s.set("big", blob(6_000)));
    assert.deepEqual(jar.names(), ["session.0", "session.1"], "growing again deletes the plain cookie");
    const destroyed = await request(jar, (s) => s.destroy());
    assert.deepEqual(jar.names(), []);
    assert.equal(destroyed.setCookie.length, 3);
  });

  test("past maxChunks the commit throws CookieTooLargeError naming the limit, and sends nothing", async () => {
    const { sessions } = app({ cookie: { maxChunks: 2 } });
    const session = await sessions.load(undefined);
    session.set("big", blob(9_000));
    const error = await sessions.commit(session).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof CookieTooLargeError);
    assert.equal(error.code, "COOKIE_TOO_LARGE");
    assert.equal(error.maxChunks, 2);
    assert.equal(error.limitBytes, 2 * 4093);
    assert.match(error.message, /cookie\.maxChunks \(2\)/);
    assert.doesNotMatch(error.message, new RegExp(String(session.get("big")).slice(0, 20).replace(/[+/]/g, ".")));
  });

  test("without maxChunks a big session still throws as before; the flask format and a store refuse chunks", () => {
    assert.throws(() => createSessions({ secret: SECRET, format: "flask", cookie: { maxChunks: 2 } }), (e: unknown) => e instanceof ConfigError && e.option === "cookie.maxChunks" && /Flask reads only/.test(e.message));
    assert.throws(() => createSessions({ secret: SECRET, store: new MemoryStore(), cookie: { maxChunks: 2 } }), (e: unknown) => e instanceof ConfigError && e.option === "cookie.maxChunks");
    for (const bad of [0, 4, 1.5, Number.NaN]) {
      assert.throws(() => createSessions({ secret: SECRET, cookie: { maxChunks: bad } }), (e: unknown) => e instanceof ConfigError && e.option === "cookie.maxChunks");
    }
    assert.throws(() => createSessions({ secret: SECRET, cookie: { maxChunks: 2, maxBytes: 0 } }), ConfigError);
    assert.doesNotThrow(() => createSessions({ secret: SECRET, format: "flask", cookie: { maxChunks: 1 } }));
  });
});
