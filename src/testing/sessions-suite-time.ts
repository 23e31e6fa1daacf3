/**
 * Time-driven parts of the sessions suite: regenerate's grace window and the
 * idle and absolute timeouts, with an injected clock. Core passes its clock
 * to the store; where a test must prove that core itself enforces a limit,
 * the store is seen through {@link clockedStore}, whose clock stands still
 * (a native TTL that has not fired yet), so it still returns the record.
 */
import { it } from "node:test";
import assert from "node:assert/strict";

import { SessionInterruptedError } from "../core/errors.js";
import { withStore, type MakeStore } from "./fixture.js";
import { cookieFrom, idFrom, sessionsOn, storeKey } from "./sessions-helpers.js";
import { ctx } from "./records.js";
import { clockedStore, spyStore } from "./store-spies.js";

/** @internal Registered by testSessionsOnStore. */
export function registerSessionsTimeTests(make: MakeStore): void {
  it("regenerate keeps the data under a new id; the old id is read-only for the grace window, then fresh", () =>
    withStore(make, async ({ store }) => {
      let nowMs = Date.now();
      const sessions = sessionsOn(store, { now: () => nowMs, regenerateGraceSeconds: 10 });
      const anon = await sessions.load(undefined);
      anon.set("cart", ["book"]);
      const oldCookie = cookieFrom((await sessions.commit(anon, { status: 200 })).setCookie);
      const login = await sessions.load(oldCookie);
      await login.regenerate();
      login.set("user", "alice");
      const newCookie = cookieFrom((await sessions.commit(login, { status: 200 })).setCookie);
      assert.notEqual(idFrom(newCookie), idFrom(oldCookie));
      const fresh = await sessions.load(newCookie);
      assert.deepEqual(fresh.get("cart"), ["book"]);
      assert.equal(fresh.get("user"), "alice");

      nowMs += 5_000;
      const inFlight = await sessions.load(oldCookie);
      assert.equal(inFlight.isNew, false, "the old id is still readable in the grace window");
      assert.deepEqual(inFlight.get("cart"), ["book"]);
      inFlight.set("cart", ["stolen"]);
      await assert.rejects(sessions.commit(inFlight, { status: 200 }), (e: unknown) => e instanceof SessionInterruptedError);
      assert.deepEqual((await store.load(storeKey(store, idFrom(oldCookie)), ctx(nowMs)))?.data.cart, '["book"]', "the old record was not written");

      nowMs += 6_000;
      const late = await sessions.load(oldCookie);
      assert.equal(late.isNew, true, "after the grace window the old id gives a fresh session");
      assert.equal(late.get("cart"), undefined);
      assert.equal((await sessions.load(newCookie)).get("user"), "alice");
    }));

  it("the idle timeout is enforced on load even while the store still returns the record", () =>
    withStore(make, async ({ store }) => {
      const startMs = Date.now();
      let nowMs = startMs;
      const spy = spyStore(clockedStore(store, () => startMs));
      const sessions = sessionsOn(spy.store, { now: () => nowMs, idleTimeout: "10m", lifetime: "31d" });
      const s = await sessions.load(undefined);
      s.set("user", "bob");
      const cookie = cookieFrom((await sessions.commit(s, { status: 200 })).setCookie);
      nowMs += 9 * 60_000;
      const active = await sessions.load(cookie);
      assert.equal(active.get("user"), "bob");
      await sessions.commit(active, { status: 200 }); // a read-only request: at most a lazy touch
      nowMs += 10 * 60_000 + 1_000;
      spy.calls.length = 0;
      const idle = await sessions.load(cookie);
      assert.equal(idle.isNew, true);
      assert.equal(idle.get("user"), undefined);
      const load = spy.calls.find((c) => c.method === "load");
      assert.ok(load && load.resultJson.includes("bob"), "the store did return the record; core refused it");
      assert.ok(spy.calls.some((c) => c.method === "destroy"), "and core deleted it");
      assert.equal(await store.load(storeKey(store, idFrom(cookie)), ctx(startMs)), undefined, "gone even for the lagging clock");
    }));

  it("the absolute timeout ends a session that rolling activity keeps alive", () =>
    withStore(make, async ({ store }) => {
      let nowMs = Date.now();
      const sessions = sessionsOn(store, { now: () => nowMs, idleTimeout: "30m", absoluteTimeout: "1h" });
      const s = await sessions.load(undefined);
      s.set("n", 0);
      const cookie = cookieFrom((await sessions.commit(s, { status: 200 })).setCookie);
      for (let step = 1; step <= 5; step += 1) {
        nowMs += 11 * 60_000; // well inside the idle window each time
        const active = await sessions.load(cookie);
        assert.equal(active.get("n"), step - 1, `alive at ${step * 11} min`);
        active.set("n", step);
        await sessions.commit(active, { status: 200 });
      }
      nowMs += 6 * 60_000; // 61 minutes after creation
      const expired = await sessions.load(cookie);
      assert.equal(expired.isNew, true, "dead at the absolute limit despite activity");
      assert.equal(expired.get("n"), undefined);
    }));
}
