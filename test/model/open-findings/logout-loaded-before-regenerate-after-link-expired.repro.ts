/**
 * Written by hand while fixing logout-through-old-id-after-link-expired
 * (found by `npm run fuzz:model`, base seed 20261203, round 48, memory:
 * seed -1757856657): the variant that fix does not reach, with the cause of
 * except-loaded-before-login-no-grace.repro.ts.
 *
 * A request (r2) loads the session and calls destroy(); meanwhile r3
 * regenerates it (grace window 60 s). r2 commits its logout after the old
 * id's record (the link to the new id) has expired, here just after r4 made
 * the memory store drop it: rotate keeps that record only until max(its own
 * idle expiry, the grace end). r2 loaded the session before it was rotated,
 * so core knows no successor: destroy(old id) ends nothing and the new id
 * stays live (guarantee 3: a destroy ends the session under every id it
 * had). The fix is a link that lives as long as the session it leads to.
 */
import { it } from "node:test";
import { commit } from "../fixture.js";
import { arrive, assertOneOf, checkOutcome, cookieHeader, openFixture, settle } from "../kit.js";

it("3 a logout loaded before a regenerate, committed after the old record expired, ends the successor [memory]", async () => {
  const f = await openFixture("memory", { idleSeconds: 600, absoluteSeconds: undefined, graceSeconds: 60, format: "signed" });
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
