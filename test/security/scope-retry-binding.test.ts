// R24 Clear-Site-Data on logout and R33 path scoping, on the wire on all six adapters (R79); R45 a MAC bound to
// the cookie name, R60 bounded retries of idempotent store calls only, and R17 revocation, through load/commit.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StoreError, createSessions, type Store } from "sessionkit";
import { MemoryStore } from "sessionkit/stores/memory";
import { ADAPTERS, startApp } from "../helpers/security-server.js";

const SECRET = "s".repeat(40);
const valueOf = (setCookie: string): string => setCookie.slice(setCookie.indexOf("=") + 1, setCookie.indexOf(";"));

for (const adapter of ADAPTERS) {
  describe(`L. scope and Clear-Site-Data [${adapter}]`, () => {
    it(`R33 a cookie scoped to /app is not loaded for /other, and /other sends no Set-Cookie [${adapter}]`, async () => {
      const sessions = createSessions({ secret: SECRET, cookie: { path: "/app" } });
      const app = await startApp(
        sessions,
        ({ session, path }) => {
          if (path.endsWith("/login")) session.set("user", "alice");
          return String(session.get("user") ?? "nobody");
        },
        { adapter },
      );
      try {
        const login = await app.get("/app/login");
        const cookie = `session=${valueOf(login.setCookie[0]!)}`;
        assert.equal((await app.get("/app/page?x=1", { cookie })).body, "alice");
        assert.equal((await app.get("/app", { cookie })).body, "alice");
        for (const outside of ["/other", "/application", "/"]) {
          const res = await app.get(outside, { cookie });
          assert.equal(res.body, "nobody", outside);
          assert.deepEqual(res.setCookie, [], outside);
        }
        // A write outside the Path is not saved: no cookie is sent for it.
        assert.deepEqual((await app.get("/other/login", { cookie })).setCookie, []);
      } finally {
        await app.close();
      }
    });

    it(`R24 clearSiteDataOnDestroy adds Clear-Site-Data (cookies) to the logout response, and only to it [${adapter}]`, async () => {
      for (const store of [undefined, new MemoryStore()]) {
        const sessions = createSessions({ secret: SECRET, store, clearSiteDataOnDestroy: true });
        const app = await startApp(
          sessions,
          async ({ session, url }) => {
            if (url === "/login") session.set("user", "alice");
            if (url === "/logout") await session.destroy();
            return "ok";
          },
          { adapter },
        );
        try {
          const login = await app.get("/login");
          assert.equal(login.headers["clear-site-data"], undefined);
          const cookie = `session=${valueOf(login.setCookie[0]!)}`;
          const logout = await app.get("/logout", { cookie });
          assert.equal(logout.headers["clear-site-data"], '"cookies"');
          assert.match(logout.setCookie[0]!, /^session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0/);
        } finally {
          await app.close();
        }
      }
    });
  });
}


/**
 * A MemoryStore behind a store that records its load/create calls and fails
 * the next `failLoads` loads and `failCreates` creates with ECONNRESET (R60).
 */
function flakyStore(): { store: Store; calls: string[]; failLoads: number; failCreates: number } {
  const memory = new MemoryStore();
  const flaky = {
    calls: [] as string[],
    failLoads: 0,
    failCreates: 0,
    store: {
      name: "flaky",
      load: async (id, ctx) => {
        flaky.calls.push("load");
        if (flaky.failLoads-- > 0) throw new Error("ECONNRESET");
        return memory.load(id, ctx);
      },
      create: async (id, record, ctx) => {
        flaky.calls.push("create");
        if (flaky.failCreates-- > 0) throw new Error("ECONNRESET");
        return memory.create(id, record, ctx);
      },
      apply: (id, change, ctx) => memory.apply(id, change, ctx),
      touch: (id, at, ctx) => memory.touch(id, at, ctx),
      rotate: (oldId, newId, change, graceUntilMs, ctx) => memory.rotate(oldId, newId, change, graceUntilMs, ctx),
      destroy: (id, ctx) => memory.destroy(id, ctx),
    } satisfies Store,
  };
  return flaky;
}

describe("L. binding and retries (core, no adapter involved)", () => {
  it("R45 a value copied into another cookie name of the same app is refused (native formats); Flask's fixed salt is kept", async () => {
    for (const format of ["signed", "encrypted"] as const) {
      const a = createSessions({ secret: SECRET, format, cookie: { name: "a" } });
      const b = createSessions({ secret: SECRET, format, cookie: { name: "b" } });
      const s = await a.load(undefined);
      s.set("role", "admin");
      const value = valueOf(((await a.commit(s)).setCookie)[0]!);
      assert.equal((await a.load(`a=${value}`)).get("role"), "admin", format);
      const copied = await b.load(`b=${value}`);
      assert.equal(copied.isNew, true, format);
      assert.equal(copied.get("role"), undefined, format);
    }
    const fa = createSessions({ secret: SECRET, format: "flask", cookie: { name: "a" } });
    const fb = createSessions({ secret: SECRET, format: "flask", cookie: { name: "b" } });
    const s = await fa.load(undefined);
    s.set("role", "admin");
    assert.equal((await fb.load(`b=${valueOf(((await fa.commit(s)).setCookie)[0]!)}`)).get("role"), "admin", "flask keeps Flask's salt");
  });

  it("R60 a failed load is retried once within the deadline; a failed create is never retried", async () => {
    const flaky = flakyStore();
    const sessions = createSessions({ secret: SECRET, store: flaky.store, storeTimeoutMs: 1_000 });
    const s = await sessions.load(undefined);
    s.set("user", "alice");
    const cookie = `session=${valueOf(((await sessions.commit(s)).setCookie)[0]!)}`;

    flaky.calls.length = 0;
    flaky.failLoads = 1;
    assert.equal((await sessions.load(cookie)).get("user"), "alice");
    assert.deepEqual(flaky.calls, ["load", "load"]);

    flaky.calls.length = 0;
    flaky.failLoads = 2;
    await assert.rejects(sessions.load(cookie), StoreError);
    assert.deepEqual(flaky.calls, ["load", "load"], "one retry, not more");

    flaky.calls.length = 0;
    flaky.failCreates = 1;
    const fresh = await sessions.load(undefined);
    fresh.set("user", "bob");
    await assert.rejects(sessions.commit(fresh), StoreError);
    assert.deepEqual(flaky.calls, ["create"], "a write that may have landed is not repeated");
  });
});

describe("C. revocable cookie sessions", () => {
  const setup = () => {
    let nowMs = 1_700_000_000_000;
    const denylist = new MemoryStore(); // core passes its clock (nowMs) to the store
    const sessions = createSessions({ secret: SECRET, revocation: { store: denylist }, now: () => nowMs });
    const plain = createSessions({ secret: SECRET, now: () => nowMs });
    const login = async (manager: typeof sessions, user: string): Promise<string> => {
      const s = await manager.load(undefined);
      await s.regenerate();
      s.set("username", user);
      s.setUser(user);
      return `session=${valueOf(((await manager.commit(s)).setCookie)[0]!)}`;
    };
    return { sessions, plain, login, tick: (ms = 1_000) => (nowMs += ms) };
  };

  it("R17 with revocation on, a cookie replayed after logout is FRESH; without it, it is accepted until it expires (documented)", async () => {
    const { sessions, plain, login, tick } = setup();
    for (const [manager, revoked] of [[sessions, true], [plain, false]] as const) {
      const cookie = await login(manager, "alice");
      tick();
      const s = await manager.load(cookie);
      assert.equal(s.get("username"), "alice");
      await s.destroy();
      assert.match(((await manager.commit(s)).setCookie)[0]!, /^session=; Expires=Thu, 01 Jan 1970/);
      const replay = await manager.load(cookie);
      assert.equal(replay.isNew, revoked);
      assert.equal(replay.get("username"), revoked ? undefined : "alice");
    }
  });

  it("R17 R21 destroyAllForUser revokes every cookie of that user in cookie mode, keeps `except`, and leaves other users alone", async () => {
    const { sessions, login, tick } = setup();
    const phone = await login(sessions, "alice");
    const laptop = await login(sessions, "alice");
    const bob = await login(sessions, "bob");
    tick();
    const current = await sessions.load(laptop);
    assert.equal(await sessions.destroyAllForUser("alice", { except: current }), 0);
    const kept = `session=${valueOf(((await sessions.commit(current)).setCookie)[0]!)}`;
    tick();
    assert.equal((await sessions.load(phone)).isNew, true, "alice's other cookie is revoked");
    assert.equal((await sessions.load(laptop)).isNew, true, "so is the old copy of the current one");
    assert.equal((await sessions.load(kept)).get("username"), "alice", "the current session, re-stamped, stays");
    assert.equal((await sessions.load(bob)).get("username"), "bob");
    assert.equal((await sessions.load(await login(sessions, "alice"))).get("username"), "alice", "a new login works");
  });

  it("R17 regenerate puts the previous cookie on the denylist; revocation is refused with a store", async () => {
    const { sessions, login, tick } = setup();
    const before = await login(sessions, "alice");
    tick();
    const s = await sessions.load(before);
    await s.regenerate();
    const after = `session=${valueOf(((await sessions.commit(s)).setCookie)[0]!)}`;
    assert.equal((await sessions.load(before)).isNew, true);
    assert.equal((await sessions.load(after)).get("username"), "alice");
    assert.equal(sessions.canCommitSync, false);
    assert.throws(() => createSessions({ secret: SECRET, store: new MemoryStore(), revocation: { store: new MemoryStore() } }), /revocable already/);
  });
});

for (const adapter of ADAPTERS) {
  describe(`L. binding, retries and revocation on the wire [${adapter}]`, () => {
    it(`R45 R60 R17 on the wire: a value copied to another cookie name is FRESH, a failed load is retried once, a revoked cookie is FRESH [${adapter}]`, async () => {
      // R45: the app reads cookie "b"; a value minted for cookie "a" of the same secret is refused.
      const a = createSessions({ secret: SECRET, cookie: { name: "a" } });
      const minted = await a.load(undefined);
      minted.set("role", "admin");
      const copied = valueOf(((await a.commit(minted)).setCookie)[0]!);
      const b = createSessions({ secret: SECRET, cookie: { name: "b" } });
      const bApp = await startApp(b, ({ session }) => JSON.stringify({ role: session.get("role") ?? null, isNew: session.isNew }), { adapter });
      try {
        assert.deepEqual(JSON.parse((await bApp.get("/", { cookie: `b=${copied}` })).body), { role: null, isNew: true });
      } finally {
        await bApp.close();
      }

      // R60: one failed load is retried within the deadline (200); two give the 503; a failed create is not repeated.
      const flaky = flakyStore();
      const retrying = await startApp(
        createSessions({ secret: SECRET, store: flaky.store, storeTimeoutMs: 1_000 }),
        ({ session, path }) => {
          if (path === "/login") session.set("user", "alice");
          return String(session.get("user") ?? "nobody");
        },
        { adapter },
      );
      try {
        const cookie = `session=${valueOf((await retrying.get("/login")).setCookie[0]!)}`;
        flaky.calls.length = 0;
        flaky.failLoads = 1;
        assert.equal((await retrying.get("/", { cookie })).body, "alice");
        assert.deepEqual(flaky.calls, ["load", "load"]);
        flaky.calls.length = 0;
        flaky.failLoads = 2;
        assert.equal((await retrying.get("/", { cookie })).status, 503);
        assert.deepEqual(flaky.calls, ["load", "load"], "one retry, not more");
        flaky.calls.length = 0;
        flaky.failCreates = 1;
        const refused = await retrying.get("/login");
        assert.equal(refused.status, 503);
        assert.deepEqual(refused.setCookie, []);
        assert.deepEqual(flaky.calls, ["create"], "a write that may have landed is not repeated");
      } finally {
        await retrying.close();
      }

      // R17: with revocation on, the cookie of a logged-out session replayed over the wire is FRESH.
      const revocable = await startApp(
        createSessions({ secret: SECRET, revocation: { store: new MemoryStore() } }),
        async ({ session, path }) => {
          if (path === "/login") {
            await session.login("alice");
            session.set("user", "alice");
          }
          if (path === "/logout") await session.destroy();
          return JSON.stringify({ user: session.get("user") ?? null, isNew: session.isNew });
        },
        { adapter },
      );
      try {
        const cookie = `session=${valueOf((await revocable.get("/login")).setCookie[0]!)}`;
        assert.deepEqual(JSON.parse((await revocable.get("/", { cookie })).body), { user: "alice", isNew: false });
        assert.match((await revocable.get("/logout", { cookie })).setCookie[0]!, /^session=; Expires=Thu, 01 Jan 1970/);
        assert.deepEqual(JSON.parse((await revocable.get("/", { cookie })).body), { user: null, isNew: true }, "the replayed cookie is revoked");
      } finally {
        await revocable.close();
      }
    });
  });
}
