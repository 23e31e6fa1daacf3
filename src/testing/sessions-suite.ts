/**
 * The second layer of the store suite: the real `createSessions` from core
 * on top of a real store, checking what users rely on end to end (strict
 * ids, hashed ids, no lost writes, logout that sticks, regenerate's grace
 * window, timeouts, deadlines).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { hashSessionId } from "../index.js";
import { SessionInterruptedError, StoreError } from "../core/errors.js";
import { withStore, type MakeStore, type SuiteOptions } from "./fixture.js";
import { ctx } from "./records.js";
import { cookieFrom, foreignId, idFrom, sessionsOn, storeKey, testSecret } from "./sessions-helpers.js";
import { serviceUnavailable } from "./service.js";
import { heldStore, spyStore } from "./store-spies.js";
import { registerSessionsTimeTests } from "./sessions-suite-time.js";
import { registerSessionsSaveTests } from "./sessions-suite-save.js";
import { registerSessionsExpiryTests } from "./sessions-suite-expiry.js";
import { registerDeviceTests } from "./sessions-suite-devices.js";

/**
 * Register the end-to-end tests of `createSessions` on a store.
 *
 * @example
 * testSessionsOnStore("redis", makeStore);
 */
export function testSessionsOnStore(name: string, makeStore: MakeStore, options: SuiteOptions = {}): void {
  describe(`sessions on store: ${name}`, () => {
    if (options.skip !== undefined) {
      serviceUnavailable(`sessions on store: ${name}`, options.skip);
      return;
    }
    registerIdTests(makeStore, options.rawIds === true);
    registerConcurrencyTests(makeStore, options);
    registerSessionsTimeTests(makeStore);
    registerSessionsSaveTests(makeStore);
    registerSessionsExpiryTests(makeStore);
    registerDeviceTests(makeStore);
  });
}

function registerIdTests(make: MakeStore, rawIds: boolean): void {
  it("an unknown, well-formed id gives a fresh session with another id, and no record under it", () =>
    withStore(make, async ({ store }) => {
      const sessions = sessionsOn(store);
      const sent = foreignId();
      const session = await sessions.load(`session=${sent}`);
      assert.equal(session.isNew, true);
      assert.equal(session.get("user"), undefined);
      session.set("user", "mallory");
      const issued = idFrom(cookieFrom((await sessions.commit(session, { status: 200 })).setCookie));
      assert.notEqual(issued, sent);
      assert.equal(await store.load(storeKey(store, sent), ctx()), undefined, "the sent id was not adopted");
      assert.ok(await store.load(storeKey(store, issued), ctx()));
    }));

  it("loading 1,000 random ids writes nothing", () =>
    withStore(make, async ({ store, dump }) => {
      const before = dump ? await dump() : undefined;
      const spy = spyStore(store);
      const sessions = sessionsOn(spy.store);
      for (let i = 0; i < 1_000; i += 1) {
        const session = await sessions.load(`session=${foreignId()}`);
        session.get("anything");
        assert.deepEqual((await sessions.commit(session, { status: 200 })).setCookie, []);
      }
      assert.equal(spy.calls.filter((c) => c.method === "load").length, 1_000);
      assert.deepEqual(spy.calls.filter((c) => c.method !== "load"), [], "no create, apply, touch or destroy");
      if (dump) assert.equal(await dump(), before, "the backing service holds exactly what it held before");
    }));

  if (!rawIds) it("the store never sees a raw id: not in any call, result or stored byte", () =>
    withStore(make, async ({ store, dump }) => {
      const spy = spyStore(store);
      const sessions = sessionsOn(spy.store);
      const ids: string[] = [];
      let session = await sessions.load(undefined);
      session.set("n", 1);
      let cookie = cookieFrom((await sessions.commit(session, { status: 200 })).setCookie);
      ids.push(idFrom(cookie));
      session = await sessions.load(cookie);
      await session.regenerate();
      if (store.listForUser) session.setUser("user-raw-id-check");
      cookie = cookieFrom((await sessions.commit(session, { status: 200 })).setCookie);
      ids.push(idFrom(cookie));
      session = await sessions.load(cookie);
      session.set("n", 2);
      await sessions.commit(session, { status: 200 });
      if (store.listForUser) assert.equal((await sessions.listForUser("user-raw-id-check")).length, 1);
      for (const id of ids) {
        assert.equal(id.length, 43);
        for (const call of spy.calls) {
          assert.ok(!call.argsJson.includes(id) && !call.resultJson.includes(id), `raw id reached store.${call.method}`);
        }
        assert.equal(await store.load(id, ctx()), undefined, "nothing is stored under the raw id");
        if (dump) assert.ok(!(await dump()).includes(id), "a dump of the store holds no live cookie id");
      }
      assert.ok(await store.load(hashSessionId(ids[1]!), ctx()), "the record is under the hash");
    }));
}

function registerConcurrencyTests(make: MakeStore, options: SuiteOptions): void {
  const concurrent = (requests: number) => () =>
    withStore(make, async ({ store }) => {
      // This proves that no write is lost, not the deadline (tested below): a
      // store that serializes fsync'd writes on one record (the file store) may
      // need more than the default 2 s for 100 of them on a busy disk.
      const sessions = sessionsOn(store, { storeTimeoutMs: 15_000 });
      const first = await sessions.load(undefined);
      first.set("base", true);
      const cookie = cookieFrom((await sessions.commit(first, { status: 200 })).setCookie);
      await Promise.all(
        Array.from({ length: requests }, async (_, i) => {
          const session = await sessions.load(cookie);
          session.set(`k${i}`, i);
          await sessions.commit(session, { status: 200 });
        }),
      );
      const last = await sessions.load(cookie);
      for (let i = 0; i < requests; i += 1) assert.equal(last.get(`k${i}`), i, `key k${i} was lost`);
      assert.equal(last.get("base"), true);
    });
  it("100 concurrent requests (load, set own key, commit) on one session keep every key", concurrent(100));
  if (options.heavy) it("1,000 concurrent requests keep every key", concurrent(1_000));

  it("a logout racing slow requests stays logged out; their commits raise SessionInterruptedError", () =>
    withStore(make, async ({ store }) => {
      const sessions = sessionsOn(store);
      const login = await sessions.load(undefined);
      login.set("user", "alice");
      const cookie = cookieFrom((await sessions.commit(login, { status: 200 })).setCookie);
      const slow = await Promise.all(Array.from({ length: 5 }, () => sessions.load(cookie)));
      const logout = await sessions.load(cookie);
      await logout.destroy();
      const deletion = (await sessions.commit(logout, { status: 200 })).setCookie;
      assert.match(deletion[0] ?? "", /^session=;/);
      for (const [i, session] of slow.entries()) {
        assert.equal(session.get("user"), "alice", "loaded before the logout");
        session.set(`late${i}`, true);
        await assert.rejects(sessions.commit(session, { status: 200 }), (e: unknown) => e instanceof SessionInterruptedError && e.code === "SESSION_INTERRUPTED");
      }
      assert.equal(await store.load(storeKey(store, idFrom(cookie)), ctx()), undefined, "no slow request brought the record back");
      const after = await sessions.load(cookie);
      assert.equal(after.isNew, true);
      assert.equal(after.get("user"), undefined);
    }));

  it("destroyAllForUser logs a user out everywhere except the current session", async (t) => {
    await withStore(make, async ({ store }) => {
      if (!store.listForUser || !store.destroyForUser) return t.skip(`${store.name} declares no user index`);
      const sessions = sessionsOn(store);
      const cookies: string[] = [];
      for (const user of ["ivy", "ivy", "ivy", "jack"]) {
        const s = await sessions.load(undefined);
        s.set("user", user);
        s.setUser(user);
        cookies.push(cookieFrom((await sessions.commit(s, { status: 200 })).setCookie));
      }
      assert.equal((await sessions.listForUser("ivy")).length, 3);
      const current = await sessions.load(cookies[0]);
      assert.equal(await sessions.destroyAllForUser("ivy", { except: current }), 2);
      assert.equal((await sessions.load(cookies[0])).get("user"), "ivy");
      assert.equal((await sessions.load(cookies[1])).isNew, true);
      assert.equal((await sessions.load(cookies[2])).isNew, true);
      assert.equal((await sessions.load(cookies[3])).get("user"), "jack");
    });
  });

  it("a store slower than storeTimeoutMs raises StoreError within the deadline", () =>
    withStore(make, async ({ store }) => {
      // The store is held, not slowed by a fixed delay: only core's deadline can end a call, and the
      // setup write goes through a manager without the short deadline, so a loaded machine where a
      // real call takes longer than 150 ms cannot fail the test before the store is held.
      const held = heldStore(store);
      const secret = testSecret();
      const setup = sessionsOn(store, { secret });
      const sessions = sessionsOn(held.store, { secret, storeTimeoutMs: 150 });
      const s = await setup.load(undefined);
      s.set("a", 1);
      const cookie = cookieFrom((await setup.commit(s, { status: 200 })).setCookie);
      held.hold();
      try {
        const started = Date.now();
        await assert.rejects(
          sessions.load(cookie),
          (e: unknown) => e instanceof StoreError && e.timedOut && e.operation === "load" && e.storeName === store.name,
        );
        const elapsed = Date.now() - started;
        // Never before the deadline; the upper bound only names a deadline that never fired (the store answers nothing).
        assert.ok(elapsed >= 140 && elapsed < 30_000, `rejected after ${elapsed} ms`);
        const loaded = await sessions.load(undefined);
        loaded.set("b", 2);
        await assert.rejects(sessions.commit(loaded, { status: 200 }), (e: unknown) => e instanceof StoreError && e.timedOut && e.operation === "create");
      } finally {
        // Let the abandoned calls run and land before cleanup, so they leave nothing behind.
        await held.release();
      }
    }));
}
