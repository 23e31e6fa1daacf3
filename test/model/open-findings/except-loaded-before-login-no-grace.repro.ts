/**
 * Found by `npm run fuzz:model` (base seed 20261203, round 8, memory) on the
 * memory store: seed -250273666, path "409:1:2:2:6:5:8:13:18:18:21:25:0:25:32:34:34:39:38:38:31"
 * (MODEL_SEED=-250273666 MODEL_PATH="409:1:2:2:6:5:8:13:18:18:21:25:0:25:32:34:34:39:38:38:31" MODEL_STORE=memory MODEL_ACTIONS=24).
 * The same program fails on the SQLite, Redis, PostgreSQL and file stores.
 *
 * A request (r3) loads the session; a concurrent login (r2) rotates it with
 * no grace window; a second later, past the idle expiry the session had
 * before the login, destroyAllForUser(user, { except: r3 }) ends the
 * logged-in session r3 meant to spare (guarantee 6; the model reads
 * `except` as the session its request loaded, whichever id it came with).
 * Core follows the old id's record to its successor, but rotate keeps that
 * record (the link) only until max(its own idle expiry, the grace end):
 * here both have passed, so core passes the old id as `except`, and the
 * store ends the successor. The grace-window variant,
 * except-loaded-before-login.test.ts, passes because no time passes there.
 *
 * What the harness saw:
 * ModelViolation: the model rejects what destroyAllForUser("bob", except r3) did
 *   observed: [{"count":1,"ok":true}]
 *   the guarantees allow:
 *     [{"count":0,"ok":true}]    (6 destroyAllForUser ends every session indexed under the user, under all its ids, except `except`)
 */
import { it } from "node:test";
import { commit } from "../fixture.js";
import { arrive, assertOneOf, cookieHeader, countOutcome, openFixture, settle } from "../kit.js";

it("6 destroyAllForUser spares the except session when a login rotated it with no grace window and its old idle expiry has passed [memory]", async () => {
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
    ], "6 destroyAllForUser ends every session indexed under the user, under all its ids, except `except`");
  } finally {
    await f.close();
  }
});
