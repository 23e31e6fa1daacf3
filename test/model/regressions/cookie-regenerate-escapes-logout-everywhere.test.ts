/**
 * Found by the model test (test/model) on the cookie-memory store: a shrunk run,
 * rewritten by hand and rendered by the harness. Fixed on main by 2c0f82d
 * (core); kept so that it stays fixed.
 *
 * Cookie mode with revocation: a request loads a logged-in cookie, then
 * "log out everywhere" runs for the user, then the request commits
 * regenerate({ keepData: false }) and a new key. clear() dropped `_sk_user`
 * and `_sk_auth`, so the new cookie names no user and escapes the per-user
 * revocation: the logged-out session lives on (guarantees 3 and 6).
 *
 * What the harness saw:
 * ModelViolation: the model rejects what check issued[1] did
 *   observed: [{"data":{"b":4},"flashes":[],"isNew":false,"ok":true}]
 *   the guarantees allow:
 *     [{"data":{},"flashes":[],"isNew":true,"ok":true}]    (6 destroyAllForUser refuses every cookie of the user authenticated before it)
 */
import { it } from "node:test";
import { commit } from "../fixture.js";
import { arrive, assertOneOf, checkOutcome, cookieHeader, openFixture, settle } from "../kit.js";

it("6 regenerate({ keepData: false }) of a session logged out everywhere does not bring it back [cookie-memory]", async () => {
  const f = await openFixture("cookie-memory", { idleSeconds: 600, absoluteSeconds: undefined, graceSeconds: 60, format: "signed" });
  const { sessions, clock, store, jar, issued } = f;
  try {
    const r1 = await sessions.load(cookieHeader(jar[0]));
    await r1.login("alice", { keep: [] });
    r1.set("a", 2);
    clock.tick();
    arrive(f, 0, await settle(commit(sessions, r1)));
    const r2 = await sessions.load(cookieHeader(jar[0]));
    clock.tick();
    await settle(sessions.destroyAllForUser("alice"));
    await r2.regenerate({ keepData: false });
    r2.set("b", 4);
    clock.tick();
    arrive(f, 0, await settle(commit(sessions, r2)));
    await checkOutcome(sessions, issued[0]);
    const b1 = await Promise.all([checkOutcome(sessions, issued[1])]);
    assertOneOf([b1[0]], [
        [{"data":{},"flashes":[],"isNew":true,"ok":true}],
    ], "6 destroyAllForUser refuses every cookie of the user authenticated before it");
  } finally {
    await f.close();
  }
});
