/**
 * Found by the model test (test/model) on the cookie-memory store: a shrunk run,
 * rewritten by hand and rendered by the harness. Fixed on main by 2c0f82d
 * (core); kept so that it stays fixed.
 *
 * Cookie mode with revocation: clear() drops the cookie's `_sk_jti`, so
 * the next cookie gets a new one that no denylist entry links to the old.
 * A later logout revokes only the new jti, and a copy of the cookie issued
 * before the clear() still loads with its data (guarantee 3).
 *
 * What the harness saw:
 * ModelViolation: the model rejects what check issued[0] did
 *   observed: [{"data":{"a":1},"flashes":[],"isNew":false,"ok":true}]
 *   the guarantees allow:
 *     [{"data":{},"flashes":[],"isNew":true,"ok":true}]    (3 destroy wins: every cookie of a destroyed session is refused)
 */
import { it } from "node:test";
import { commit } from "../fixture.js";
import { arrive, assertOneOf, checkOutcome, cookieHeader, openFixture, settle } from "../kit.js";

it("3 a logout refuses the cookies issued before a clear() [cookie-memory]", async () => {
  const f = await openFixture("cookie-memory", { idleSeconds: 600, absoluteSeconds: undefined, graceSeconds: 60, format: "signed" });
  const { sessions, clock, store, jar, issued } = f;
  try {
    const r1 = await sessions.load(cookieHeader(jar[0]));
    r1.set("a", 1);
    clock.tick();
    arrive(f, 0, await settle(commit(sessions, r1)));
    const r2 = await sessions.load(cookieHeader(jar[0]));
    r2.clear();
    r2.set("b", 3);
    clock.tick();
    arrive(f, 0, await settle(commit(sessions, r2)));
    const r3 = await sessions.load(cookieHeader(jar[0]));
    await r3.destroy();
    clock.tick();
    arrive(f, 0, await settle(commit(sessions, r3)));
    const b1 = await Promise.all([checkOutcome(sessions, issued[0])]);
    assertOneOf([b1[0]], [
        [{"data":{},"flashes":[],"isNew":true,"ok":true}],
    ], "3 destroy wins: every cookie of a destroyed session is refused");
  } finally {
    await f.close();
  }
});
