/**
 * Found by the model test (test/model) on the memory store: a shrunk run,
 * rewritten by hand and rendered by the harness.
 *
 * Two tabs of one browser: one logs out, the other logs in, both loaded the
 * session before either committed, and the login commits first. With no grace
 * window (regenerateGraceSeconds: 0) the old id is deleted at the login, so
 * the logout's destroy(old id) finds nothing and the logged-in successor
 * stays live: the logout did not stick (guarantee 3).
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

it("3 a logout that loaded the session before a concurrent login ends the logged-in successor (no grace window) [memory]", async () => {
  const f = await openFixture("memory", { idleSeconds: 600, absoluteSeconds: undefined, graceSeconds: 0, format: "signed" });
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
    clock.tick();
    arrive(f, 0, await settle(commit(sessions, r2)));
    await checkOutcome(sessions, issued[0]);
    const b1 = await Promise.all([checkOutcome(sessions, issued[1])]);
    assertOneOf([b1[0]], [
        [{"data":{},"flashes":[],"isNew":true,"ok":true}],
    ], "3 destroy wins: the session was destroyed (or timed out), under every id it had");
  } finally {
    await f.close();
  }
});
