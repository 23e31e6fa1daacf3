/**
 * Explicit save, reload and idHash on a real store: `await session.save()`
 * lands the write before the response (and later changes commit again at
 * the end), `session.reload()` reads what other requests saved, and
 * `session.idHash` is the key the store and `listForUser` know the session by.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { hashSessionId } from "../core/ids.js";
import { withStore, type MakeStore } from "./fixture.js";
import { ctx } from "./records.js";
import { cookieFrom, idFrom, sessionsOn, storeKey } from "./sessions-helpers.js";

/** @internal Registered by testSessionsOnStore. */
export function registerSessionsSaveTests(make: MakeStore): void {
  it("save() lands a new session in the store before the commit; idHash names it; later changes commit at the end", () =>
    withStore(make, async ({ store }) => {
      const sessions = sessionsOn(store);
      const session = await sessions.load(undefined);
      assert.equal(session.idHash, undefined, "no id before the first save");
      session.set("step", "upload-started");
      await session.save();
      const idHash = session.idHash;
      assert.match(idHash ?? "", /^[A-Za-z0-9_-]{43}$/);
      assert.equal(session.modified, false);
      session.set("step", "upload-done");
      const setCookie = (await sessions.commit(session, { status: 200 })).setCookie;
      const id = idFrom(cookieFrom(setCookie));
      assert.equal(hashSessionId(id), idHash, "idHash is the SHA-256 of the id the cookie carries");
      // What another request, or the store itself, sees now.
      const stored = await store.load(storeKey(store, id), ctx());
      assert.ok(stored);
      const next = await sessions.load(cookieFrom(setCookie));
      assert.equal(next.get("step"), "upload-done");
      assert.equal(next.idHash, idHash);
    }));

  it("save() before the commit is visible to a concurrent request; the cookie still goes out on a 5xx", () =>
    withStore(make, async ({ store }) => {
      const sessions = sessionsOn(store);
      const first = await sessions.load(undefined);
      first.set("n", 1);
      const cookie = cookieFrom((await sessions.commit(first, { status: 200 })).setCookie);
      const long = await sessions.load(cookie);
      long.set("progress", 50);
      await long.save();
      const other = await sessions.load(cookie);
      assert.equal(other.get("progress"), 50, "saved mid-request, seen by another request");
      long.set("progress", 75);
      const result = await sessions.commit(long, { status: 500 });
      assert.deepEqual(result.setCookie, [], "a 5xx saves nothing more, and no cookie changed: the id is the same");
      assert.equal((await sessions.load(cookie)).get("progress"), 50);
    }));

  it("save() after login writes the new id at once: the old id is no longer the session, idHash follows, the final commit sends the new cookie", () =>
    withStore(make, async ({ store }) => {
      const sessions = sessionsOn(store, { regenerateGraceSeconds: 0 });
      const anon = await sessions.load(undefined);
      anon.set("cart", ["book"]);
      const oldCookie = cookieFrom((await sessions.commit(anon, { status: 200 })).setCookie);
      const session = await sessions.load(oldCookie);
      const oldHash = session.idHash;
      await session.login("user-save", { keep: ["cart"] });
      await session.save();
      assert.ok(session.idHash);
      assert.notEqual(session.idHash, oldHash);
      assert.equal((await sessions.load(oldCookie)).isNew, true, "the pre-login id ended at save()");
      if (store.listForUser && store.rawIds !== true) {
        const listed = await sessions.listForUser("user-save");
        assert.deepEqual(listed.map((s) => s.idHash), [session.idHash], "the listing names the session by its idHash");
      }
      session.set("name", "Ada");
      const setCookie = (await sessions.commit(session, { status: 200 })).setCookie;
      assert.equal(setCookie.length, 1);
      assert.equal(hashSessionId(idFrom(cookieFrom(setCookie))), session.idHash);
      const next = await sessions.load(cookieFrom(setCookie));
      assert.deepEqual([next.get("cart"), next.get("name")], [["book"], "Ada"]);
    }));

  it("save() after destroy ends the record at once; the final commit deletes the cookie", () =>
    withStore(make, async ({ store }) => {
      const sessions = sessionsOn(store);
      const first = await sessions.load(undefined);
      first.set("n", 1);
      const cookie = cookieFrom((await sessions.commit(first, { status: 200 })).setCookie);
      const session = await sessions.load(cookie);
      await session.destroy();
      await session.save();
      assert.equal(session.idHash, undefined);
      assert.equal(await store.load(storeKey(store, idFrom(cookie)), ctx()), undefined);
      const setCookie = (await sessions.commit(session, { status: 200 })).setCookie;
      assert.match(setCookie[0] ?? "", /^session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0/);
    }));

  it("reload() reads what another request saved and discards this request's unsaved changes", () =>
    withStore(make, async ({ store }) => {
      const sessions = sessionsOn(store);
      const first = await sessions.load(undefined);
      first.set("theme", "light");
      const cookie = cookieFrom((await sessions.commit(first, { status: 200 })).setCookie);
      const mine = await sessions.load(cookie);
      mine.set("draft", "unsaved");
      const other = await sessions.load(cookie);
      other.set("theme", "dark");
      await sessions.commit(other, { status: 200 });
      await mine.reload();
      assert.equal(mine.get("theme"), "dark");
      assert.equal(mine.has("draft"), false);
      assert.equal(mine.modified, false);
      assert.deepEqual((await sessions.commit(mine, { status: 200 })).setCookie, []);
      assert.equal((await sessions.load(cookie)).has("draft"), false);
    }));
}
