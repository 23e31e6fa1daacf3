/**
 * R8 and R11: `session.login(userId, { keep })`, the login helper that
 * regenerates by itself. R8: the logged-in session never has the id (or the
 * cookie) the visitor had before, and the old one is not logged in. R11:
 * nothing from before the login crosses the authentication boundary unless
 * named in `keep` (queued flashes excepted, by design).
 *
 * Core speaks strings: each request is `load(Cookie header)` then
 * `commit()` → Set-Cookie lines, exactly what an adapter sends; the last
 * block does the same through a real server on all six adapters (R79).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RESERVED_KEYS, createSessions, hashSessionId, storeContext, type SessionManager, type SessionOptions } from "../../src/index.js";
import { sessionInternals } from "../../src/core/session.js";
import { MemoryStore } from "../../src/stores/memory.js";
import { ADAPTERS, cookieOf, startApp } from "../helpers/security-server.js";

const SECRET = "login-suite-secret-0123456789abcdef-XYZ-0123";
const T0 = 1_800_000_000_000;

type Sessions = SessionManager<Record<string, unknown>>;

/** The Cookie header a Set-Cookie line gives (name=value). */
const pair = (setCookie: readonly string[]): string => {
  assert.equal(setCookie.length, 1, JSON.stringify(setCookie));
  return setCookie[0]!.split(";")[0]!;
};

/** One request: load the visitor's cookie, run `handle`, commit; the visitor's next Cookie header. */
async function request(sessions: Sessions, cookie: string | undefined, handle: (s: Awaited<ReturnType<Sessions["load"]>>) => unknown): Promise<string> {
  const session = await sessions.load(cookie);
  await handle(session);
  const setCookie = (await sessions.commit(session, { status: 303 })).setCookie;
  return setCookie.length === 0 ? cookie! : pair(setCookie);
}

/** A visitor with pre-login data: a cart, a tracking value, a flash, and permanence. */
async function anonymousVisitor(sessions: Sessions): Promise<string> {
  return request(sessions, undefined, (s) => {
    s.set("cart", ["book"]);
    s.set("tracking", "attacker-planted");
    s.permanent = true;
    s.flash("Your cart was saved");
  });
}

const modes: [string, () => { options: SessionOptions; store?: MemoryStore }][] = [
  ["server-side, grace 0", () => ({ options: { secret: SECRET, regenerateGraceSeconds: 0 }, store: new MemoryStore() })],
  ["server-side, grace 10 s", () => ({ options: { secret: SECRET }, store: new MemoryStore() })],
  ["cookie, signed", () => ({ options: { secret: SECRET } })],
  ["cookie, encrypted", () => ({ options: { secret: SECRET, format: "encrypted" } })],
  ["cookie, signed, revocation", () => ({ options: { secret: SECRET, revocation: { store: new MemoryStore() } } })],
];

function setUp(make: () => { options: SessionOptions; store?: MemoryStore }) {
  const { options, store } = make();
  // A clock that stands still: a new cookie cannot differ from the old one by its timestamp alone.
  return { sessions: createSessions({ ...options, ...(store ? { store } : {}), now: () => T0 }), store };
}

describe("R8 login() regenerates by itself", () => {
  for (const [label, make] of modes) {
    it(`R8 login() always returns a different id (server-side) or cookie (cookie mode) than before, and the old one is not logged in (${label})`, async () => {
      const { sessions, store } = setUp(make);
      const before = await anonymousVisitor(sessions);
      // The worst case for a cookie: every key kept, nothing set after login, the same second.
      const after = await request(sessions, before, (s) => s.login("user-1", { keep: ["cart", "tracking"] }));
      assert.notEqual(after, before);

      // Logging in again (another user, or the same one) also moves the session.
      let current = after;
      const seen = new Set([before, after]);
      for (let i = 0; i < 20; i++) {
        current = await request(sessions, current, (s) => s.login(i % 2 === 0 ? "user-1" : "user-2"));
        assert.ok(!seen.has(current), `login #${i + 2} reused an earlier id or cookie`);
        seen.add(current);
      }

      const old = await sessions.load(before);
      const logged = await sessions.load(current);
      assert.equal(logged.isNew, false);
      if (store) {
        const oldId = before.slice("session=".length);
        assert.notEqual(current.slice("session=".length), oldId);
        const users = await store.listForUser("user-2", storeContext());
        const liveHash = hashSessionId(current.slice("session=".length));
        assert.ok(users.some((u) => u.idHash === liveHash), "the new id is indexed under the user");
        for (const other of users.filter((u) => u.idHash !== liveHash)) {
          // Ids replaced by a later login stay indexed (so "log out everywhere" ends them too) but read-only.
          assert.equal((await store.load(other.idHash, storeContext()))?.frozen, true);
        }
        if (sessions.options.regenerateGraceSeconds === 0) {
          assert.equal(old.isNew, true, "the old id is FRESH");
          // The store keeps the old record only as the frozen link a logout with the old id follows.
          const record = await store.load(hashSessionId(oldId), storeContext());
          assert.ok(record === undefined || (record.frozen === true && record.userId === undefined), "and its record is gone, or a frozen link of no user");
        } else {
          // Inside the grace window the old id is read-only, indexed under no user, and holds only the pre-login data.
          const record = await store.load(hashSessionId(oldId), storeContext());
          assert.equal(record?.frozen, true);
          assert.equal(record?.userId, undefined);
          assert.equal(old.get("tracking"), "attacker-planted");
          old.set("x", 1);
          await assert.rejects(sessions.commit(old), { code: "SESSION_INTERRUPTED" });
        }
      } else if (sessions.options.revocationStore) {
        assert.equal(old.isNew, true, "the old cookie is revoked");
      } else {
        // A plain signed cookie cannot be revoked (R10); it still carries no login.
        assert.equal(old.get("tracking"), "attacker-planted");
        assert.equal(sessionInternals(old).data.values.has(RESERVED_KEYS.user), false, "the old cookie names no user");
        assert.equal(sessionInternals(logged).data.values.get(RESERVED_KEYS.user), "user-2");
      }
    });
  }

  it("R8 in the flask format (no revocation) the login cookie differs as soon as the app stores who logged in, and Flask sees only its own keys", async () => {
    const sessions = createSessions({ secret: SECRET, format: "flask", now: () => T0 });
    const before = await anonymousVisitor(sessions);
    const after = await request(sessions, before, async (s) => {
      await s.login("ada");
      s.set("username", "ada");
    });
    assert.notEqual(after, before);
    const values = sessionInternals(await sessions.load(after)).data.values;
    assert.deepEqual([...values.keys()].sort(), ["_flashes", "username"], "only keys Flask itself writes");
    const reread = await sessions.load(after);
    assert.equal(reread.get("username"), "ada");
    assert.equal((await sessions.load(before)).get("username"), undefined, "the old cookie is not logged in");
  });
});

describe("R11 no pre-login data crosses the login", () => {
  for (const [label, make] of modes) {
    it(`R11 a pre-login key is absent after login unless listed in keep; flashes cross, permanence does not (${label})`, async () => {
      const { sessions } = setUp(make);
      const anonymous = await anonymousVisitor(sessions);
      const plain = await sessions.load(await request(sessions, anonymous, (s) => s.login("user-1")));
      assert.deepEqual(plain.keys(), [], "no pre-login key without keep");
      assert.equal(plain.get("tracking"), undefined);
      assert.equal(plain.permanent, false, "permanence is the logged-in app's call");
      assert.deepEqual(plain.consumeFlashes(), ["Your cart was saved"]);

      const kept = await sessions.load(await request(sessions, await anonymousVisitor(sessions), (s) => s.login("user-1", { keep: ["cart", "absent"] })));
      assert.deepEqual(kept.keys(), ["cart"]);
      assert.deepEqual(kept.get("cart"), ["book"]);
      assert.equal(kept.get("tracking"), undefined);
    });
  }

  it("R11 login() checks its arguments: a user id like setUser's, keep of data keys only", async () => {
    const sessions = createSessions({ secret: SECRET });
    const session = await sessions.load(undefined);
    for (const bad of ["", "x".repeat(257), 42, null]) {
      assert.throws(() => session.login(bad as string), TypeError, String(bad));
    }
    assert.throws(() => session.login("u", { keep: ["_permanent"] }), TypeError);
    assert.throws(() => session.login("u", { keep: "cart" as unknown as string[] }), TypeError);
    assert.throws(() => session.login("u", { keep: [7 as unknown as string] }), TypeError);
  });
});

for (const adapter of ADAPTERS) {
  describe(`R8 R11 login() on the wire [${adapter}]`, () => {
    for (const [label, make] of modes) {
      it(`R8 R11 on the wire: the login redirect carries a new cookie, and only kept keys cross into it (${label}) [${adapter}]`, async () => {
        const { sessions, store } = setUp(make);
        const app = await startApp(
          sessions,
          async ({ session, path }) => {
            if (path === "/prelogin") {
              session.set("cart", ["book"]);
              session.set("tracking", "attacker-planted");
            }
            if (path === "/login") {
              await session.login("user-1", { keep: ["cart"] });
              return { status: 303, headers: { Location: "/me" } };
            }
            return JSON.stringify(session.keys());
          },
          { adapter },
        );
        try {
          const before = cookieOf(await app.get("/prelogin"))!;
          const login = await app.get("/login", { cookie: before });
          assert.equal(login.status, 303);
          assert.equal(login.headers.location, "/me");
          const after = cookieOf(login)!;
          assert.ok(after && after !== before, "a new id or cookie after login");
          assert.deepEqual(JSON.parse((await app.get("/me", { cookie: after })).body), ["cart"], "only the kept key crossed");
          const old = await sessions.load(before);
          assert.equal(sessionInternals(old).data.values.has(RESERVED_KEYS.user), false, "the old cookie names no user");
          if (store) {
            const live = hashSessionId(after.slice("session=".length));
            assert.ok((await store.listForUser("user-1", storeContext())).some((u) => u.idHash === live), "the new id is indexed under the user");
          }
        } finally {
          await app.close();
        }
      });
    }
  });
}
