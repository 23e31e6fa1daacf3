/**
 * Flask's session semantics, proven by differential testing: random scripts
 * of requests run on real Flask 3.1.3 and on sessionkit's `flask` format
 * (same secret, configuration and clock), and after every request the op
 * results, every Set-Cookie byte and Vary must agree (cookie-script.ts).
 *
 * FLASKDIFF_RUNS scripts (default 500; `npm run fuzz:flask` runs 100,000),
 * FLASKDIFF_SEED to replay. A difference prints the shrunk script.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { serviceUnavailable } from "sessionkit/testing";
import { flaskUnavailable } from "../helpers/flask-app.js";
import { AGREED, checkScript, runOnSessionkit, scriptArb, sessionkitSide, type Outcome, type Script } from "./cookie-script.js";
import { startPeer, type Peer } from "./peer.js";

const PEER = new URL("../../scripts/flask/diff_peer.py", import.meta.url).pathname;
const RUNS = Number(process.env.FLASKDIFF_RUNS ?? 500);
const SEED = process.env.FLASKDIFF_SEED === undefined ? undefined : Number(process.env.FLASKDIFF_SEED);
const unavailable = flaskUnavailable();
const SECRET = "diff-secret-0123456789abcdef-0123456789";
const CONFIG = { secret: SECRET, lifetime: 2_678_400, refresh: true, name: "session", path: "/", secure: false, httpOnly: true, partitioned: false };

if (unavailable) {
  serviceUnavailable("Flask differential harness (cookie sessions)", unavailable);
} else {
  describe("sessionkit's flask format vs real Flask 3.1.3, request by request", () => {
    let peer: Peer;
    before(async () => {
      peer = await startPeer("python3", [PEER]);
    });
    after(() => peer?.stop());

    it(`${RUNS} random scripts: same results, same Set-Cookie bytes, same Vary after every request`, async () => {
      const seen = { requests: 0, written: 0, deleted: 0, loaded: 0, rejected: 0 };
      await fc.assert(
        fc.asyncProperty(scriptArb(AGREED), async (script) => {
          const outcomes = await checkScript(peer, script);
          outcomes.forEach((o, i) => {
            if (script.steps[i]!.flaskOnly) return;
            seen.requests += 1;
            if (o.setCookie.some((c) => !c.includes("Max-Age=0"))) seen.written += 1;
            if (o.setCookie.some((c) => c.includes("Max-Age=0"))) seen.deleted += 1;
            // A cookie was sent, and Flask loaded it, or refused it (expired, from the future, tampered, garbage).
            if (o.cookieHeader && o.loadedKeys! > 0) seen.loaded += 1;
            if (o.cookieHeader && o.loadedKeys === 0) seen.rejected += 1;
          });
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
      // The generator reaches the states that matter, not only fresh sessions.
      for (const [what, count] of Object.entries(seen)) assert.ok(count >= RUNS / 20, `${what}: ${count} of ${seen.requests} requests`);
    });

    it("issue #16 item 1: flashes are taken out once per request and returned again, the cookie deleted as Flask deletes it", async () => {
      const script: Script = {
        config: CONFIG,
        steps: [
          { atMs: 1_700_000_000_000, cookie: "jar", ops: [["flash", "saved", "info"], ["flash", "bad input", "error"]] },
          {
            atMs: 1_700_000_001_000,
            cookie: "jar",
            ops: [
              ["flashes", false, ["error"]],
              ["flashes", false, ["info"]],
              ["flashes", false, []],
              ["flashes", true, []],
            ],
          },
        ],
      };
      await checkScript(peer, script);
      const answer = await peer.run<{ steps: Outcome[] }>(script);
      // What Flask answers, spelled out: the harness compared sessionkit with exactly this.
      assert.deepEqual(answer.steps[1]!.results, [["bad input"], ["saved"], ["saved", "bad input"], [["info", "saved"], ["error", "bad input"]]]);
      assert.deepEqual(answer.steps[1]!.setCookie, ["session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=/"]);
    });
  });
}
