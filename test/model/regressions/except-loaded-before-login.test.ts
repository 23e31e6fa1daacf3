/**
 * Found by the model test (test/model) on the memory store: a shrunk run,
 * rewritten by hand and rendered by the harness.
 *
 * A request loads the session; a concurrent login rotates it; then
 * destroyAllForUser(user, { except: that request's session }) runs. The
 * request loaded the id while it was still current, so core passes that id
 * (now frozen, out of the index) as `except`, and the session the request
 * meant to spare, now under its new id, is ended (guarantee 6).
 * The model reads `except` as the session its request loaded, whichever id
 * that request came with.
 *
 * What the harness saw:
 * ModelViolation: the model rejects what destroyAllForUser("alice", except r2) did
 *   observed: [{"count":1,"ok":true}]
 *   the guarantees allow:
 *     [{"count":0,"ok":true}]    (6 destroyAllForUser ends every session indexed under the user, under all its ids, except `except`)
 */
import { it } from "node:test";
import { commit } from "../fixture.js";
import { arrive, assertOneOf, cookieHeader, countOutcome, openFixture, settle } from "../kit.js";

it("6 destroyAllForUser spares the except session when a login rotated it after its request loaded [memory]", async () => {
  const f = await openFixture("memory", { idleSeconds: 600, absoluteSeconds: undefined, graceSeconds: 60, format: "signed" });
  const { sessions, clock, store, jar, issued } = f;
  try {
    const r1 = await sessions.load(cookieHeader(jar[0]));
    r1.set("a", 1);
    clock.tick();
    arrive(f, 0, await settle(commit(sessions, r1)));
    const r2 = await sessions.load(cookieHeader(jar[0]));
    const r3 = await sessions.load(cookieHeader(jar[0]));
    await r3.login("alice", { keep: [] });
    clock.tick();
    arrive(f, 0, await settle(commit(sessions, r3)));
    clock.tick();
    const b1 = await Promise.all([settle(sessions.destroyAllForUser("alice", { except: r2 }))]);
    assertOneOf([countOutcome(b1[0])], [
        [{"count":0,"ok":true}],
    ], "6 destroyAllForUser ends every session indexed under the user, under all its ids, except `except`");
  } finally {
    await f.close();
  }
});
