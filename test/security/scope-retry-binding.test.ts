// R24 Clear-Site-Data on logout, R33 path scoping, R45 a MAC bound to the cookie name, R60 bounded retries of
// idempotent store calls only: through load/commit and, for the path, on the wire.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { StoreError, createSessions, type Store } from "sessionkit";
import { withSessions } from "sessionkit/node";
import { MemoryStore } from "sessionkit/stores/memory";

const SECRET = "s".repeat(40);
const valueOf = (setCookie: string): string => setCookie.slice(setCookie.indexOf("=") + 1, setCookie.indexOf(";"));

describe("L. scope, binding and retries", () => {
  it("R33 a cookie scoped to /app is not loaded for /other, and /other sends no Set-Cookie", async () => {
    const sessions = createSessions({ secret: SECRET, cookie: { path: "/app" } });
    const server = createServer(
      withSessions(sessions, (req, res) => {
        if (req.url?.endsWith("/login")) req.session.set("user", "alice");
        res.end(String(req.session.get("user") ?? "nobody"));
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const login = await fetch(`${base}/app/login`);
      const cookie = `session=${valueOf(login.headers.getSetCookie()[0]!)}`;
      assert.equal(await (await fetch(`${base}/app/page?x=1`, { headers: { cookie } })).text(), "alice");
      assert.equal(await (await fetch(`${base}/app`, { headers: { cookie } })).text(), "alice");
      for (const outside of ["/other", "/application", "/"]) {
        const res = await fetch(`${base}${outside}`, { headers: { cookie } });
        assert.equal(await res.text(), "nobody", outside);
        assert.deepEqual(res.headers.getSetCookie(), [], outside);
      }
      // A write outside the Path is not saved: no cookie is sent for it.
      assert.deepEqual((await fetch(`${base}/other/login`, { headers: { cookie } })).headers.getSetCookie(), []);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("R24 clearSiteDataOnDestroy adds Clear-Site-Data (cookies) to the logout response, and only to it", async () => {
    for (const store of [undefined, new MemoryStore()]) {
      const sessions = createSessions({ secret: SECRET, store, clearSiteDataOnDestroy: true });
      const server = createServer(
        withSessions(sessions, async (req, res) => {
          if (req.url === "/login") req.session.set("user", "alice");
          if (req.url === "/logout") await req.session.destroy();
          res.end("ok");
        }),
      );
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        const login = await fetch(`${base}/login`);
        assert.equal(login.headers.get("clear-site-data"), null);
        const cookie = `session=${valueOf(login.headers.getSetCookie()[0]!)}`;
        const logout = await fetch(`${base}/logout`, { headers: { cookie } });
        assert.equal(logout.headers.get("clear-site-data"), '"cookies"');
        assert.match(logout.headers.getSetCookie()[0]!, /^session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0/);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    }
  });

  it("R45 a value copied into another cookie name of the same app is refused (native formats); Flask's fixed salt is kept", async () => {
    for (const format of ["signed", "encrypted"] as const) {
      const a = createSessions({ secret: SECRET, format, cookie: { name: "a" } });
      const b = createSessions({ secret: SECRET, format, cookie: { name: "b" } });
      const s = await a.load(undefined);
      s.set("role", "admin");
      const value = valueOf((await a.commit(s))[0]!);
      assert.equal((await a.load(`a=${value}`)).get("role"), "admin", format);
      const copied = await b.load(`b=${value}`);
      assert.equal(copied.isNew, true, format);
      assert.equal(copied.get("role"), undefined, format);
    }
    const fa = createSessions({ secret: SECRET, format: "flask", cookie: { name: "a" } });
    const fb = createSessions({ secret: SECRET, format: "flask", cookie: { name: "b" } });
    const s = await fa.load(undefined);
    s.set("role", "admin");
    assert.equal((await fb.load(`b=${valueOf((await fa.commit(s))[0]!)}`)).get("role"), "admin", "flask keeps Flask's salt");
  });

  it("R60 a failed load is retried once within the deadline; a failed create is never retried", async () => {
    const memory = new MemoryStore();
    let failLoads = 0;
    let failCreates = 0;
    const calls: string[] = [];
    const flaky: Store = {
      name: "flaky",
      load: async (id) => {
        calls.push("load");
        if (failLoads-- > 0) throw new Error("ECONNRESET");
        return memory.load(id);
      },
      create: async (id, record, ttl) => {
        calls.push("create");
        if (failCreates-- > 0) throw new Error("ECONNRESET");
        return memory.create(id, record, ttl);
      },
      apply: (id, change, ttl) => memory.apply(id, change, ttl),
      touch: (id, at, ttl) => memory.touch(id, at, ttl),
      destroy: (id) => memory.destroy(id),
    };
    const sessions = createSessions({ secret: SECRET, store: flaky, storeTimeoutMs: 1_000 });
    const s = await sessions.load(undefined);
    s.set("user", "alice");
    const cookie = `session=${valueOf((await sessions.commit(s))[0]!)}`;

    calls.length = 0;
    failLoads = 1;
    assert.equal((await sessions.load(cookie)).get("user"), "alice");
    assert.deepEqual(calls, ["load", "load"]);

    calls.length = 0;
    failLoads = 2;
    await assert.rejects(sessions.load(cookie), StoreError);
    assert.deepEqual(calls, ["load", "load"], "one retry, not more");

    calls.length = 0;
    failCreates = 1;
    const fresh = await sessions.load(undefined);
    fresh.set("user", "bob");
    await assert.rejects(sessions.commit(fresh), StoreError);
    assert.deepEqual(calls, ["create"], "a write that may have landed is not repeated");
  });
});

describe("C. revocable cookie sessions", () => {
  const setup = () => {
    let nowMs = 1_700_000_000_000;
    const denylist = new MemoryStore({ now: () => nowMs });
    const sessions = createSessions({ secret: SECRET, revocation: { store: denylist }, now: () => nowMs });
    const plain = createSessions({ secret: SECRET, now: () => nowMs });
    const login = async (manager: typeof sessions, user: string): Promise<string> => {
      const s = await manager.load(undefined);
      await s.regenerate();
      s.set("username", user);
      s.setUser(user);
      return `session=${valueOf((await manager.commit(s))[0]!)}`;
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
      assert.match((await manager.commit(s))[0]!, /^session=; Expires=Thu, 01 Jan 1970/);
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
    const kept = `session=${valueOf((await sessions.commit(current))[0]!)}`;
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
    const after = `session=${valueOf((await sessions.commit(s))[0]!)}`;
    assert.equal((await sessions.load(before)).isNew, true);
    assert.equal((await sessions.load(after)).get("username"), "alice");
    assert.equal(sessions.canCommitSync, false);
    assert.throws(() => createSessions({ secret: SECRET, store: new MemoryStore(), revocation: { store: new MemoryStore() } }), /revocable already/);
  });
});
