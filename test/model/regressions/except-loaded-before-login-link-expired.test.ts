/**
 * Found by `npm run fuzz:model` (base seed 20261203, round 8, memory) on the
 * memory store: seed -250273666, path "409:1:2:2:6:5:8:13:18:18:21:25:0:25:32:34:34:39:38:38:31"
 * (MODEL_SEED=-250273666 MODEL_PATH="409:1:2:2:6:5:8:13:18:18:21:25:0:25:32:34:34:39:38:38:31" MODEL_STORE=memory MODEL_ACTIONS=24).
 * The same program fails on the SQLite, Redis, PostgreSQL and file stores.
 *
 * A request (r3) loads the session; a concurrent login (r2) rotates it with
 * no grace window; a second later, past the idle expiry the session had
 * before the login, r3 calls destroyAllForUser(user, { except: r3 }). Core
 * follows the id r3 loaded to its successor, but the store keeps the old
 * id's record (the link) only until the later of its own idle expiry and
 * the grace end (Store.rotate): both have passed, so the old id names no
 * session, nothing is spared, and the logged-in session ends with the
 * user's others. The model first read `except` as the session its request
 * loaded however long ago that was, and rejected this; the documented rule
 * is now the link's lifetime (SECURITY.md, the model's choices; the JSDoc
 * of destroyAllForUser): ending more than asked is the safe side of "log
 * out everywhere". The test pins the count of 1, so a store that kept the
 * link longer, or spared nothing while the link still held
 * (except-loaded-before-login.test.ts), would be seen.
 *
 * What the harness saw before the model followed the documented rule:
 * ModelViolation: the model rejects what destroyAllForUser("bob", except r3) did
 *   observed: [{"count":1,"ok":true}]
 *   the guarantees allow:
 *     [{"count":0,"ok":true}]    (6 destroyAllForUser ends every session indexed under the user, under all its ids, except `except`)
 */
import { it } from "node:test";
import { commit } from "../fixture.js";
import { arrive, assertOneOf, cookieHeader, countOutcome, openFixture, settle } from "../kit.js";

it("6 destroyAllForUser spares nothing when `except` loaded an id a login rotated away and the link has expired [memory]", async () => {
  const f = await openFixture("memory", { idleSeconds: 600, absoluteSeconds: undefined, graceSeconds: 0, format: "signed" });
  const { sessions, clock, store, jar, issued } = f;
  try {
    const r1 = await sessions.load(cookieHeader(jar[0]));
    r1.set("a", 1);
    clock.tick();
    arrive(f, 0, await settle(commit(sessions, r1)));
    const r2 = await sessions.load(cookieHeader(jar[0]));
    await r2.login("bob", { keep: [] });
    clock.advance(599000); // idle-
    const r3 = await sessions.load(cookieHeader(jar[0]));
    clock.tick();
    arrive(f, 0, await settle(commit(sessions, r2)));
    clock.advance(1000); // second
    clock.tick();
    const b1 = await Promise.all([settle(sessions.destroyAllForUser("bob", { except: r3 }))]);
    assertOneOf([countOutcome(b1[0])], [
        [{"count":1,"ok":true}],
    ], "6 destroyAllForUser: an `except` whose old id's link has expired spares nothing");
  } finally {
    await f.close();
  }
});
