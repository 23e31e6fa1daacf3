/**
 * Per-session expiry on a real store: `session.setExpiry()` sets the
 * record's expiry and the cookie's Expires to the same instant, the store
 * forgets the session then, and a store Flask reads (raw ids) refuses it.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { FormatUnsupportedError } from "../core/errors.js";
import { withStore, type MakeStore } from "./fixture.js";
import { ctx } from "./records.js";
import { cookieFrom, idFrom, sessionsOn, storeKey } from "./sessions-helpers.js";

/** @internal Registered by testSessionsOnStore. */
export function registerSessionsExpiryTests(make: MakeStore): void {
  it("setExpiry: the record's expiry and the cookie's Expires agree, and the session ends then (a store Flask reads refuses it)", () =>
    withStore(make, async ({ store }) => {
      const t0 = Math.floor(Date.now() / 1000) * 1000;
      let nowMs = t0;
      const sessions = sessionsOn(store, { now: () => nowMs, lifetime: "1d" });
      const session = await sessions.load(undefined);
      session.set("n", 1);
      if (store.rawIds === true) {
        assert.throws(() => session.setExpiry("10m"), FormatUnsupportedError);
        return;
      }
      session.setExpiry("10m");
      const [setCookie] = (await sessions.commit(session, { status: 200 })).setCookie;
      const expires = /; Expires=([^;]+)/.exec(setCookie ?? "")?.[1];
      assert.equal(expires === undefined ? undefined : Date.parse(expires), t0 + 600_000);
      const cookie = cookieFrom([setCookie!]);
      const record = await store.load(storeKey(store, idFrom(cookie)), ctx(t0));
      assert.equal(record?.expiresAtMs, t0 + 600_000);
      nowMs = t0 + 599_000;
      assert.equal((await sessions.load(cookie)).get("n"), 1);
      nowMs = t0 + 600_000;
      assert.equal((await sessions.load(cookie)).isNew, true, "ended at the instant the cookie expires");
    }));
}
