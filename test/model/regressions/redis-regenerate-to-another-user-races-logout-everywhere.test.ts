/**
 * Found by `npm run fuzz:model` (base seed 20261203, round 24, redis) on the
 * Redis store: seed 1102935193, path "329:0:0:1:2:3:3:6:9:9:11:23:23:23:23:24"
 * (MODEL_SEED=1102935193 MODEL_PATH="329:0:0:1:2:3:3:6:9:9:11:23:23:23:23:24" MODEL_STORE=redis MODEL_ACTIONS=24),
 * issue #14. The same program passed on the memory, SQLite, PostgreSQL and
 * file stores. A shrunk run, rewritten by hand as a loop: the race depends
 * on timing, so each try starts the logout a few event-loop turns later
 * than the last, to meet the regenerate at each of its steps.
 *
 * A regenerate that hands the session from alice to bob (setUser) commits at
 * the same time as destroyAllForUser("alice"). When the commit succeeds (the
 * session is bob's under a new id), "log out everywhere" for alice must
 * leave it whole, its old id readable for the grace window (guarantee 4)
 * and nothing counted; when the logout comes first, the regenerate is
 * refused and the old id loads fresh (guarantee 6). Redis did neither: the
 * regenerate succeeded and the old id loaded fresh. Its destroyForUser
 * checked the old record's successor, then deleted the old record because
 * it still carried alice (a frozen record keeps its user), in two steps: a
 * rotate that finished between them lost its old id.
 *
 * Fixed in the Redis store (src/stores/redis.ts, `#end`): the walk keeps a
 * frozen record of the user's, ends its successor first in one script on
 * the successor's key (it carries the user: ended; nothing there yet: a
 * tombstone refuses the rotate on its way; another user: left alone), and
 * deletes the old id only when its successor went. test/stores/redis.test.ts
 * ("destroyForUser meeting a rotate at the old id") drives each order of the
 * two at the exact step, which this loop meets only by timing.
 */
import { describe, it } from "node:test";
import { serviceUnavailable } from "../../../src/testing/index.js";
import { commit, kindUnavailable } from "../fixture.js";
import { arrive, assertOneOf, checkOutcome, cookieHeader, countOutcome, openFixture, settle } from "../kit.js";

const TRIES = 16;

/** Wait `n` event-loop turns: the logout starts that much after the regenerate's commit. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

const skip = await kindUnavailable("redis");
if (skip) serviceUnavailable("4 the old id stays readable when a regenerate to another user races destroyAllForUser", skip);
else {
  describe("model regressions: a regenerate to another user races log out everywhere [redis]", () => {
    it(`4 the old id stays readable when a regenerate to another user wins the race with destroyAllForUser; 6 it is refused when the logout wins (${TRIES} tries) [redis]`, async (t) => {
      const f = await openFixture("redis", { idleSeconds: 600, absoluteSeconds: undefined, graceSeconds: 60, format: "signed" });
      const { sessions, clock, jar } = f;
      let regeneratesWon = 0;
      try {
        for (let i = 0; i < TRIES; i += 1) {
          const alice = `alice-${i}`;
          jar[1] = undefined;
          const r1 = await sessions.load(cookieHeader(jar[1]));
          await r1.login(alice, { keep: [] });
          clock.tick();
          const first = arrive(f, 1, await settle(commit(sessions, r1)));
          const r2 = await sessions.load(cookieHeader(jar[1]));
          await r2.regenerate({ keepData: false });
          r2.setUser(`bob-${i}`);
          clock.tick();
          const [regenerated, ended] = await Promise.all([
            settle(commit(sessions, r2)),
            turns(i).then(() => settle(sessions.destroyAllForUser(alice))),
          ]);
          const outcome = arrive(f, 1, regenerated);
          assertOneOf(
            [outcome.outcome, countOutcome(ended)],
            [
              [{ ok: false, error: "SessionInterruptedError" }, { ok: true, count: 1 }],
              [{ ok: true, cookie: "new" }, { ok: true, count: 0 }],
            ],
            `6 either the logout ended alice's session or the regenerate took it to bob first (try ${i + 1})`,
          );
          const won = outcome.value !== undefined;
          if (won) regeneratesWon += 1;
          assertOneOf(
            [await checkOutcome(sessions, first.value)],
            [[{ ok: true, isNew: !won, data: {}, flashes: [] }]],
            `4 regenerate: the old id shows what was stored when it was rotated, read-only; fresh if the logout won (try ${i + 1})`,
          );
          if (won) {
            assertOneOf([await checkOutcome(sessions, outcome.value)], [[{ ok: true, isNew: false, data: {}, flashes: [] }]], "4 the new id is bob's live session");
          }
        }
        t.diagnostic(`the regenerate won ${regeneratesWon} of ${TRIES} tries`);
      } finally {
        await f.close();
      }
    });
  });
}
