/**
 * Written by hand while fixing logout-through-old-id-after-link-expired
 * (found by `npm run fuzz:model`, base seed 20261203, round 48, memory:
 * seed -1757856657): the variant that fix does not reach, with the cause of
 * except-loaded-before-login-link-expired.test.ts. It has no replay line of
 * its own, so it runs here on every server-side kind.
 *
 * A request (r2) loads the session and calls destroy(); meanwhile r3
 * regenerates it (grace window 60 s). Ten minutes later (past the old
 * record's own idle expiry, and past the grace end) r4 loads the old id,
 * and then r2 commits its logout. r2 loaded the session before it was
 * rotated, so core knows no successor: its destroy(old id) reaches the new
 * id only through the old id's record, the link. Store.rotate used to keep
 * that record only until max(its own idle expiry, the grace end): r4 made
 * the memory store drop it, r2's logout ended nothing and the new id stayed
 * live (guarantee 3: a destroy ends the session under every id it had).
 * Fixed by the longer link: rotate now keeps the old record until the
 * latest of its own expiry, the grace end and the new record's expiry as
 * the rotate set it, so the logout still reaches the new id here.
 */
import { it } from "node:test";
import { commit, type KindName } from "../fixture.js";
import { arrive, assertOneOf, checkOutcome, cookieHeader, openFixture, settle } from "../kit.js";

for (const kind of ["memory", "sqlite", "redis", "postgres", "file"] as KindName[]) {
  it(`3 a logout loaded before a regenerate, committed past the old record's own expiry and the grace, ends the successor [${kind}]`, async () => {
    const f = await openFixture(kind, { idleSeconds: 600, absoluteSeconds: undefined, graceSeconds: 60, format: "signed" });
    const { sessions, clock, jar, issued } = f;
    try {
      const r1 = await sessions.load(cookieHeader(jar[0]));
      await r1.login("alice", { keep: [] });
      clock.tick();
      arrive(f, 0, await settle(commit(sessions, r1)));
      const r2 = await sessions.load(cookieHeader(jar[0]));
      await r2.destroy();
      clock.advance(1000); // second
      const r3 = await sessions.load(cookieHeader(jar[0]));
      await r3.regenerate({ keepData: true });
      clock.tick();
      arrive(f, 0, await settle(commit(sessions, r3)));
      clock.advance(599000); // idle-
      const r4 = await sessions.load(cookieHeader(issued[0]));
      clock.tick();
      arrive(f, undefined, await settle(commit(sessions, r4)));
      clock.tick();
      arrive(f, undefined, await settle(commit(sessions, r2)));
      const b1 = await Promise.all([checkOutcome(sessions, issued[1])]);
      assertOneOf([b1[0]], [
          [{"data":{},"flashes":[],"isNew":true,"ok":true}],
      ], "3 destroy wins: the session was destroyed (or timed out), under every id it had");
    } finally {
      await f.close();
    }
  });
}
