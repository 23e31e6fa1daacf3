/**
 * Found by the model test (test/model) on the memory store: a shrunk run,
 * rewritten by hand and rendered by the harness.
 *
 * As logout-then-login-without-grace, with a grace window: the logout
 * commits after the window, once the old record has been dropped (here by a
 * request that loaded the old id after the window), so destroy(old id) no
 * longer reaches the successor and the logged-in session stays live
 * (guarantee 3).
 *
 * What the harness saw:
 * ModelViolation: the model rejects what check issued[1] did
 *   observed: [{"data":{},"flashes":[],"isNew":false,"ok":true}]
 *   the guarantees allow:
 *     [{"data":{},"flashes":[],"isNew":true,"ok":true}]    (3 destroy wins: the session was destroyed (or timed out), under every id it had)
 */
import { it } from "node:test";
import { commit } from "../fixture.js";
import { arrive, assertOneOf, checkOutcome, cookieHeader, openFixture, settle } from "../kit.js";

it("3 a logout that loaded the session before a login, committed after the grace window, ends the logged-in successor [memory]", async () => {
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
    await r2.destroy();
    clock.advance(61000); // grace
    const r4 = await sessions.load(cookieHeader(issued[0]));
    clock.tick();
    arrive(f, 0, await settle(commit(sessions, r2)));
    clock.tick();
    arrive(f, undefined, await settle(commit(sessions, r4)));
    await checkOutcome(sessions, issued[0]);
    const b1 = await Promise.all([checkOutcome(sessions, issued[1])]);
    assertOneOf([b1[0]], [
        [{"data":{},"flashes":[],"isNew":true,"ok":true}],
    ], "3 destroy wins: the session was destroyed (or timed out), under every id it had");
  } finally {
    await f.close();
  }
});
