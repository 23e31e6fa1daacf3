/**
 * Written by hand beside the model test (test/model), which moves its clock
 * by a millisecond before every commit and every "log out everywhere" (real
 * time passes between two writes), and so never tries this:
 *
 * Cookie mode with revocation: a login commits, then "log out everywhere"
 * runs for the same user within the same millisecond. The per-user
 * revocation refuses cookies authenticated *before* its time, so a login at
 * that very millisecond survives the logout that came after it (guarantee 6;
 * server-side sessions end, as the second test shows). Millisecond clocks
 * make this rare, not impossible: two requests of one user on a fast server.
 */
import { it } from "node:test";
import { commit } from "../fixture.js";
import { arrive, assertOneOf, checkOutcome, cookieHeader, openFixture, settle } from "../kit.js";

for (const kind of ["cookie-memory", "memory"] as const) {
  it(`6 a login committed in the same millisecond before destroyAllForUser ends with it [${kind}]`, async () => {
    const f = await openFixture(kind, { idleSeconds: 600, absoluteSeconds: undefined, graceSeconds: 60, format: "signed" });
    const { sessions, jar, issued } = f;
    try {
      const r1 = await sessions.load(cookieHeader(jar[0]));
      await r1.login("alice", { keep: [] });
      arrive(f, 0, await settle(commit(sessions, r1)));
      await settle(sessions.destroyAllForUser("alice"));
      assertOneOf([await checkOutcome(sessions, issued[0])], [[{ ok: true, isNew: true, data: {}, flashes: [] }]], "6 destroyAllForUser ends every session of the user");
    } finally {
      await f.close();
    }
  });
}
