/**
 * Found by `npm run fuzz:model` (base seed 20261203, round 24, redis) on the
 * Redis store: seed 1102935193, path "329:0:0:1:2:3:3:6:9:9:11:23:23:23:23:24"
 * (MODEL_SEED=1102935193 MODEL_PATH="329:0:0:1:2:3:3:6:9:9:11:23:23:23:23:24" MODEL_STORE=redis MODEL_ACTIONS=24).
 * It fails every time on Redis; the same program passes on the memory,
 * SQLite, PostgreSQL and file stores, and on Redis too when the two calls
 * run one after the other.
 *
 * A regenerate that hands the session from alice to bob (setUser) commits at
 * the same time as destroyAllForUser("alice"). The commit succeeds (the
 * session is bob's under a new id), so "log out everywhere" for alice must
 * leave it whole, its old id readable for the grace window (guarantee 4);
 * had it come first, the regenerate would have been refused. Redis does
 * neither: the old id loads fresh afterwards, so destroyForUser, racing the
 * rotate, removed the old (now frozen) record of a session that is no
 * longer alice's.
 *
 * What the harness saw:
 * ModelViolation: the model rejects what check issued[0] did
 *   observed: [{"data":{},"flashes":[],"isNew":true,"ok":true}]
 *   the guarantees allow:
 *     [{"data":{},"flashes":[],"isNew":false,"ok":true}]    (4 regenerate: the old id shows what was stored when it was rotated, read-only)
 */
import { it } from "node:test";
import { serviceUnavailable } from "../../../src/testing/index.js";
import { kindUnavailable } from "../fixture.js";
import { commit } from "../fixture.js";
import { arrive, assertOneOf, checkOutcome, cookieHeader, openFixture, settle } from "../kit.js";

const skip = await kindUnavailable("redis");
if (skip) serviceUnavailable("4 the old id stays readable when a regenerate to another user races destroyAllForUser", skip);
else {
  it("4 the old id stays readable when a regenerate to another user races destroyAllForUser [redis]", async () => {
    const f = await openFixture("redis", { idleSeconds: 600, absoluteSeconds: undefined, graceSeconds: 60, format: "signed" });
    const { sessions, clock, store, jar, issued } = f;
    try {
      const r1 = await sessions.load(cookieHeader(jar[1]));
      await r1.login("alice", { keep: [] });
      clock.tick();
      arrive(f, 1, await settle(commit(sessions, r1)));
      const r2 = await sessions.load(cookieHeader(jar[1]));
      await r2.regenerate({ keepData: false });
      r2.setUser("bob");
      clock.tick();
      const b1 = await Promise.all([settle(commit(sessions, r2)), settle(sessions.destroyAllForUser("alice"))]);
      arrive(f, 1, b1[0]);
      const b2 = await Promise.all([checkOutcome(sessions, issued[0])]);
      assertOneOf([b2[0]], [
          [{"data":{},"flashes":[],"isNew":false,"ok":true}],
      ], "4 regenerate: the old id shows what was stored when it was rotated, read-only");
    } finally {
      await f.close();
    }
  });
}
