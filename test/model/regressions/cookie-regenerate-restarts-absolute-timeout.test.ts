/**
 * Found by the model test (test/model) on the cookie-memory store: a shrunk run,
 * rewritten by hand and rendered by the harness. Fixed on main by 2c0f82d
 * (core); kept so that it stays fixed.
 *
 * Cookie mode with revocation and absoluteTimeout: regenerate({ keepData:
 * false }) drops `_sk_created`, so the next cookie starts a new absolute
 * timeout; an active session then outlives absoluteTimeout (guarantees 4
 * and 7: regenerate keeps the origin; only login starts a new one).
 *
 * What the harness saw:
 * ModelViolation: the model rejects what r4 load did
 *   observed: [{"data":{"b":3},"isNew":false,"ok":true}]
 *   the guarantees allow:
 *     [{"data":{},"isNew":true,"ok":true}]    (7 absolute timeout since creation or the last login)
 */
import { it } from "node:test";
import { commit } from "../fixture.js";
import { arrive, assertOneOf, cookieHeader, loadOutcome, openFixture, settle } from "../kit.js";

it("4 regenerate({ keepData: false }) keeps the absolute timeout's origin [cookie-memory]", async () => {
  const f = await openFixture("cookie-memory", { idleSeconds: 1800, absoluteSeconds: 3600, graceSeconds: 60, format: "signed" });
  const { sessions, clock, store, jar, issued } = f;
  try {
    const r1 = await sessions.load(cookieHeader(jar[0]));
    r1.set("a", 1);
    clock.tick();
    arrive(f, 0, await settle(commit(sessions, r1)));
    clock.advance(1799000); // idle-
    const r2 = await sessions.load(cookieHeader(jar[0]));
    await r2.regenerate({ keepData: false });
    r2.set("b", 3);
    clock.tick();
    arrive(f, 0, await settle(commit(sessions, r2)));
    clock.advance(1799000); // idle-
    const r3 = await sessions.load(cookieHeader(jar[0]));
    clock.tick();
    arrive(f, 0, await settle(commit(sessions, r3)));
    clock.advance(451000); // touch
    const b1 = await Promise.all([settle(sessions.load(cookieHeader(jar[0])))]);
    assertOneOf([loadOutcome(b1[0])], [
        [{"data":{},"isNew":true,"ok":true}],
    ], "7 absolute timeout since creation or the last login");
  } finally {
    await f.close();
  }
});
