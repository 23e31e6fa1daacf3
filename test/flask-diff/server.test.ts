/**
 * Server-side sessions, proven by differential testing: random scripts run
 * on a real Flask-Session 0.8 app and on sessionkit's flask-session store,
 * on the machine's Redis, and after every request the two agree on the op
 * results, the cookie, and every record as both sides read it
 * (server-script.ts). Swap steps make each app carry on with the session the
 * other created.
 *
 * FLASKDIFF_SERVER_RUNS scripts (default 500; `npm run fuzz:flask` runs more).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { serviceUnavailable } from "../../src/testing/index.js";
import { serverFixture } from "./server-fixture.js";
import { SERVER_AGREED, checkServerScript, serverScriptArb } from "./server-script.js";

const RUNS = Number(process.env.FLASKDIFF_SERVER_RUNS ?? 500);
const SEED = process.env.FLASKDIFF_SEED === undefined ? undefined : Number(process.env.FLASKDIFF_SEED);

const fixture = await serverFixture("server");

if (fixture.skip) {
  serviceUnavailable("Flask-Session differential harness", fixture.skip);
} else {
  describe("sessionkit's flask-session store vs real Flask-Session 0.8, request by request", () => {
    it(`${RUNS} random scripts: same results and cookies, and all four readings of the two records agree`, async () => {
      let requests = 0;
      let swaps = 0;
      await fc.assert(
        fc.asyncProperty(serverScriptArb(fixture.prefix, SERVER_AGREED), async (script) => {
          requests += script.steps.length;
          swaps += script.steps.filter((s) => s.swap).length;
          await checkServerScript(fixture.peer(), fixture.store(), script);
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
      assert.ok(swaps >= RUNS / 10, `${swaps} swaps in ${requests} requests: the apps took over each other's sessions`);
    });
  });
}
