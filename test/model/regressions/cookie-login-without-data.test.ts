/**
 * Found by the model test (test/model) on the cookie-memory store: a shrunk run,
 * rewritten by hand and rendered by the harness.
 *
 * Cookie mode with revocation: a login that carries no data over and sets
 * none (login(user) alone) is answered with a deletion cookie, so the browser
 * is not logged in. Since clear() keeps the revocation keys and they no longer
 * count toward emptiness, the login's own keys no longer make the session
 * non-empty (guarantee 5: login gives a new cookie that records the user).
 *
 *
 * What the harness saw:
 * ModelViolation: the model rejects what r1 commit did
 *   observed: [{"cookie":"delete","ok":true}]
 *   the guarantees allow:
 *     [{"cookie":"new","ok":true}]    (5 login: a new cookie with only `keep` and the flashes, the user recorded, a new absolute origin)
 */
import { it } from "node:test";
import { commit } from "../fixture.js";
import { arrive, assertOneOf, cookieHeader, openFixture, settle } from "../kit.js";

it("5 a login that keeps no data still sends the logged-in cookie [cookie-memory]", async () => {
  const f = await openFixture("cookie-memory", { idleSeconds: 600, absoluteSeconds: undefined, graceSeconds: 60, format: "signed" });
  const { sessions, clock, store, jar, issued } = f;
  try {
    const r1 = await sessions.load(cookieHeader(jar[0]));
    await r1.login("alice", { keep: [] });
    clock.tick();
    const b1 = await Promise.all([settle(commit(sessions, r1))]);
    assertOneOf([arrive(f, 0, b1[0]).outcome], [
        [{"cookie":"new","ok":true}],
    ], "5 login: a new cookie with only `keep` and the flashes, the user recorded, a new absolute origin");
  } finally {
    await f.close();
  }
});
