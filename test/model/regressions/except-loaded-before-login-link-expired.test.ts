/**
 * Found by `npm run fuzz:model` (base seed 20261203, round 8, memory) on the
 * memory store: seed -250273666, path "409:1:2:2:6:5:8:13:18:18:21:25:0:25:32:34:34:39:38:38:31"
 * (MODEL_SEED=-250273666 MODEL_PATH="409:1:2:2:6:5:8:13:18:18:21:25:0:25:32:34:34:39:38:38:31" MODEL_STORE=memory MODEL_ACTIONS=24).
 * The same program failed on the SQLite, Redis, PostgreSQL and file stores.
 *
 * A request (r3) loads the session; a concurrent login (r2) rotates it with
 * no grace window; a second later, past the idle expiry the session had
 * before the login, r3 calls destroyAllForUser(user, { except: r3 }). Core
 * follows the id r3 loaded to its successor through the old id's record
 * (the link). Store.rotate used to keep that record only until the later of
 * its own idle expiry and the grace end: both had passed, so the old id
 * named no session, nothing was spared, and the logged-in session ended
 * with the user's others (count 1; the model then allowed it as the
 * conservative side of "log out everywhere"). Fixed by the longer link:
 * rotate now keeps the old record until the latest of its own expiry, the
 * grace end and the new record's expiry as the rotate set it, so here the
 * link still holds, the session `except` loaded is spared, and nothing
 * else of bob's is live (count 0). The test pins the 0, so a store whose
 * link is short again would be seen.
 *
 * What the harness first saw, before the model took the short link as the
 * documented rule:
 * ModelViolation: the model rejects what destroyAllForUser("bob", except r3) did
 *   observed: [{"count":1,"ok":true}]
 *   the guarantees allow:
 *     [{"count":0,"ok":true}]    (6 destroyAllForUser ends every session indexed under the user, under all its ids, except `except`)
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { commit } from "../fixture.js";
import { arrive, assertOneOf, checkOutcome, cookieHeader, countOutcome, openFixture, settle } from "../kit.js";

it("6 destroyAllForUser spares the session `except` loaded through an id a login rotated away, past that id's own idle expiry [memory]", async () => {
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
        [{"count":0,"ok":true}],
    ], "6 destroyAllForUser: `except` spares its session through the old id's link, which lasts the new record's first idle window");
    assert.deepEqual(await checkOutcome(sessions, issued[1]), { ok: true, isNew: false, data: {}, flashes: [] }, "the spared session still loads under its new id");
  } finally {
    await f.close();
  }
});
