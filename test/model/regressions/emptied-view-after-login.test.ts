/**
 * Found by the model test (test/model) on the memory store: a shrunk run,
 * rewritten by hand and rendered by the harness. Fixed on main by 2c0f82d
 * (core); kept so that it stays fixed.
 *
 * A request loads the session, a concurrent login rotates it, then the
 * first request clears its view and commits. An emptied view is committed as
 * destroy() without the frozen/missing check a change-set gets, so the
 * write through the old id resolves (instead of SessionInterruptedError)
 * and, following the successor link, ends the freshly logged-in session
 * (guarantees 1 and 4).
 *
 * What the harness saw:
 * ModelViolation: the model rejects what r2 commit did
 *   observed: [{"cookie":"delete","ok":true}]
 *   the guarantees allow:
 *     [{"error":"SessionInterruptedError","ok":false}]    (4 the session was regenerated while this request ran: its old id is read-only)
 */
import { it } from "node:test";
import { commit } from "../fixture.js";
import { arrive, assertOneOf, cookieHeader, openFixture, settle } from "../kit.js";

it("4 a clear() that loaded the session before a concurrent login is refused, and the logged-in successor lives [memory]", async () => {
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
    r2.clear();
    clock.tick();
    const b1 = await Promise.all([settle(commit(sessions, r2))]);
    assertOneOf([arrive(f, 0, b1[0]).outcome], [
        [{"error":"SessionInterruptedError","ok":false}],
    ], "4 the session was regenerated while this request ran: its old id is read-only");
  } finally {
    await f.close();
  }
});
