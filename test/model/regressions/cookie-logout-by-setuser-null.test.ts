/**
 * Found by the model test (test/model) on the cookie-memory store: a shrunk run,
 * rewritten by hand and rendered by the harness.
 *
 * Minor. Cookie mode with revocation: a logged-in session with no data whose
 * request calls setUser(null) is left with nothing (core's own rule: only
 * destroy() or setUser(null) ends a login), and the server-side mode deletes
 * its cookie; cookie mode still counts the loaded `_sk_user` when it decides
 * emptiness, so it sends a cookie with no data and no user instead of
 * deleting it.
 *
 * What the harness saw:
 * ModelViolation: the model rejects what r2 commit did
 *   observed: [{"cookie":"new","ok":true}]
 *   the guarantees allow:
 *     [{"cookie":"delete","ok":true}]    (an emptied cookie session (no data, no user): its cookie is deleted)
 */
import { it } from "node:test";
import { commit } from "../fixture.js";
import { arrive, assertOneOf, cookieHeader, openFixture, settle } from "../kit.js";

it("a logged-in cookie session with no data that drops its user with setUser(null) is empty: its cookie is deleted [cookie-memory]", async () => {
  const f = await openFixture("cookie-memory", { idleSeconds: 600, absoluteSeconds: undefined, graceSeconds: 60, format: "signed" });
  const { sessions, clock, store, jar, issued } = f;
  try {
    const r1 = await sessions.load(cookieHeader(jar[0]));
    await r1.login("alice", { keep: [] });
    clock.tick();
    arrive(f, 0, await settle(commit(sessions, r1)));
    const r2 = await sessions.load(cookieHeader(jar[0]));
    r2.setUser(null);
    clock.tick();
    const b1 = await Promise.all([settle(commit(sessions, r2))]);
    assertOneOf([arrive(f, 0, b1[0]).outcome], [
        [{"cookie":"delete","ok":true}],
    ], "an emptied cookie session (no data, no user): its cookie is deleted");
  } finally {
    await f.close();
  }
});
