/**
 * Section D of docs/security-model.md: logout and termination — destroy,
 * no resurrection by a request in flight (also under fast-check's scheduler),
 * log out everywhere, no persistence on 5xx (a late change: headers-sent.test.ts). On the
 * wire on all six adapters (R79); the scheduler property drives core alone.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { createSessions, hashSessionId, storeContext, SessionInterruptedError } from "../../src/index.js";
import { MemoryStore } from "../../src/stores/memory.js";
import { ADAPTERS, SECRET, cookieOf, cookieValue, startApp } from "../helpers/security-server.js";

const FC_RUNS = Number(process.env.FC_RUNS ?? 50);

for (const adapter of ADAPTERS) {
  describe(`D. logout and termination [${adapter}]`, () => {
    it(`R19 destroy deletes the record and clears the cookie with the same attributes, Max-Age=0 and an epoch Expires [${adapter}]`, async () => {
      const store = new MemoryStore();
      const cookieOptions = { name: "sid", path: "/app", domain: "example.com", secure: true, sameSite: "strict", partitioned: true } as const;
      const sessions = createSessions({ secret: SECRET, store, cookie: cookieOptions });
      const app = await startApp(
        sessions,
        async ({ session, url }) => {
          if (url === "/app/logout") await session.destroy();
          else session.set("user", "alice");
          return String(session.get("user") ?? "");
        },
        { adapter },
      );
      try {
        const login = await app.get("/app/login");
        const id = cookieValue(login, "sid")!;
        assert.equal(login.setCookie[0], `sid=${id}; Domain=example.com; Secure; HttpOnly; Path=/app; SameSite=Strict; Partitioned`);
        const logout = await app.get("/app/logout", { cookie: `sid=${id}` });
        assert.deepEqual(logout.setCookie, [
          "sid=; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Secure; HttpOnly; Path=/app; SameSite=Strict; Partitioned",
        ]);
        assert.equal(await store.load(hashSessionId(id), storeContext()), undefined, "record deleted");
        const replay = await app.get("/app/read", { cookie: `sid=${id}` });
        assert.notEqual(cookieValue(replay, "sid"), id, "the replayed id is not adopted");
      } finally {
        await app.close();
      }
    });

    it(`R20 a slow request in flight cannot resurrect a logged-out session: it gets 409 and the old cookie stays FRESH [${adapter}]`, async () => {
      const store = new MemoryStore();
      const sessions = createSessions({ secret: SECRET, store });
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => (release = resolve));
      let slowLoaded: () => void = () => {};
      const loaded = new Promise<void>((resolve) => (slowLoaded = resolve));
      const app = await startApp(
        sessions,
        async ({ session, url }) => {
          if (url === "/login") session.set("user", "alice");
          if (url === "/logout") await session.destroy();
          if (url === "/slow") {
            slowLoaded();
            await gate;
            session.set("cart", ["late item"]);
          }
          return String(session.get("user") ?? "");
        },
        { adapter },
      );
      try {
        const cookie = cookieOf(await app.get("/login"))!;
        const slow = app.get("/slow", { cookie });
        await loaded;
        const logout = await app.get("/logout", { cookie });
        assert.match(logout.setCookie[0] ?? "", /Max-Age=0/);
        release();
        const late = await slow;
        assert.equal(late.status, 409, "the slow request's write is refused");
        assert.deepEqual(late.setCookie, [], "and it sets no cookie");
        const replay = await app.get("/read", { cookie });
        assert.equal(replay.body, "", "still logged out");
        assert.equal(await store.load(hashSessionId(cookie.slice(8)), storeContext()), undefined, "no record came back");
      } finally {
        await app.close();
      }
    });

    it(`R21 destroyAllForUser ends every session of the user, leaves other users alone, and lists hashed ids only [${adapter}]`, async () => {
      const store = new MemoryStore();
      const sessions = createSessions({ secret: SECRET, store });
      const app = await startApp(
        sessions,
        ({ session, query }) => {
          const user = query.get("as");
          if (user) {
            session.set("user", user);
            session.setUser(user);
          }
          return String(session.get("user") ?? "");
        },
        { adapter },
      );
      try {
        const alice = await Promise.all(Array.from({ length: 5 }, () => app.get("/login?as=alice")));
        const bob = await Promise.all(Array.from({ length: 2 }, () => app.get("/login?as=bob")));
        const listed = await sessions.listForUser("alice");
        assert.equal(listed.length, 5);
        const ids = alice.map((r) => cookieValue(r)!);
        for (const info of listed) assert.ok(!ids.includes(info.idHash) && ids.map(hashSessionId).includes(info.idHash));
        assert.equal(await sessions.destroyAllForUser("alice"), 5);
        for (const r of alice) assert.equal((await app.get("/", { cookie: cookieOf(r)! })).body, "", "alice is logged out everywhere");
        for (const r of bob) assert.equal((await app.get("/", { cookie: cookieOf(r)! })).body, "bob", "bob is untouched");
      } finally {
        await app.close();
      }
    });

    it(`R22 a 5xx response persists nothing and sends no Set-Cookie [${adapter}]`, async () => {
      const store = new MemoryStore();
      const sessions = createSessions({ secret: SECRET, store });
      const app = await startApp(
        sessions,
        ({ session, url }) => {
          session.set(url === "/fail" ? "bad" : "good", 1);
          return { status: url === "/fail" ? 503 : 200, body: JSON.stringify(session.toJSON()) };
        },
        { adapter },
      );
      try {
        const fresh = await app.get("/fail");
        assert.equal(fresh.status, 503);
        assert.deepEqual(fresh.setCookie, []);
        const cookie = cookieOf(await app.get("/ok"))!;
        const failed = await app.get("/fail", { cookie });
        assert.deepEqual(failed.setCookie, []);
        const read = await app.get("/ok", { cookie });
        assert.deepEqual(JSON.parse(read.body), { good: 1 }, "the key set during the 503 was not saved");
      } finally {
        await app.close();
      }
    });
  });
}

describe("D. logout and termination: core under a scheduler (no adapter involved)", () => {
  it("R20 R69 logout wins in every interleaving of a slow writer and a logout (fast-check scheduler)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (s) => {
        const store = new MemoryStore();
        const sessions = createSessions({ secret: SECRET, store });
        const s0 = await sessions.load(undefined);
        s0.set("user", "alice");
        const cookie = ((await sessions.commit(s0)).setCookie)[0]!.split(";")[0]!;
        const step = <T>(label: string, run: () => Promise<T>): Promise<T> => s.schedule(Promise.resolve(label)).then(run);
        const writer = (async () => {
          const session = await step("writer load", () => sessions.load(cookie));
          session.set("cart", 1);
          return step("writer commit", () => sessions.commit(session)).then(
            () => "saved",
            (e: unknown) => (e instanceof SessionInterruptedError ? "interrupted" : Promise.reject(e)),
          );
        })();
        const logout = (async () => {
          const session = await step("logout load", () => sessions.load(cookie));
          await session.destroy();
          await step("logout commit", () => sessions.commit(session));
        })();
        await s.waitFor(Promise.all([writer, logout]));
        const after = await sessions.load(cookie);
        assert.equal(after.isNew, true, "FRESH after logout, whatever the order");
        assert.equal(after.get("user"), undefined);
        assert.equal(await store.load(hashSessionId(cookie.slice(8)), storeContext()), undefined);
      }),
      { numRuns: FC_RUNS },
    );
  });
});
