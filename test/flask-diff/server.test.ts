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
import { PY_FLOAT_KEY } from "./ops.js";
import { SERVER_AGREED, SERVER_T0, checkServerScript, serverScriptArb, type ServerConfig, type ServerScript } from "./server-script.js";

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

    const config = (overrides: Partial<ServerConfig>): ServerConfig => ({
      secret: "diff-flask-session-secret-0123456789",
      prefix: fixture.prefix,
      permanent: true,
      idLength: 32,
      refresh: true,
      lifetime: 3600,
      name: "session",
      path: "/",
      secure: false,
      httpOnly: true,
      ...overrides,
    });

    it("issue #16 item 4: with SESSION_ID_LENGTH=16 (22-character ids) each app carries on with the other's session", async () => {
      const script: ServerScript = {
        config: config({ idLength: 16 }),
        steps: [
          { atMs: SERVER_T0, ops: [["set", "user", "ada"]] },
          { atMs: SERVER_T0 + 1000, swap: true, ops: [["get", "user"], ["set", "seen", true]] },
        ],
      };
      await checkServerScript(fixture.peer(), fixture.store(), script);
    });

    it("issue #16 item 5: a float 1.0 Flask-Session wrote stays a float through sessionkit's changes and its regenerate", async () => {
      const script: ServerScript = {
        config: config({}),
        steps: [
          { atMs: SERVER_T0, ops: [["set", PY_FLOAT_KEY, { $float: "1.0" }], ["set", "user", "ada"]], flaskOnly: true },
          { atMs: SERVER_T0 + 1000, ops: [["get", PY_FLOAT_KEY], ["set", "cart", [1]]] },
          { atMs: SERVER_T0 + 2000, ops: [["regenerate"]] },
          { atMs: SERVER_T0 + 3000, swap: true, ops: [["get", PY_FLOAT_KEY]] },
        ],
      };
      await checkServerScript(fixture.peer(), fixture.store(), script);
    });
  });
}
