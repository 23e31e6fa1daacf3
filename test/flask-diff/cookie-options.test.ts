/**
 * sessionkit's options that Flask lacks, in the `flask` format, with real
 * Flask as the oracle (issue #16 items 2 and 3):
 *
 * - `idleTimeout`: an active visitor is never logged out. Flask, which has
 *   no idle timeout (and a 31-day lifetime here), says what an active
 *   visitor must still see; sessionkit keeps its own cookie, since it
 *   re-issues cookies Flask would not.
 * - options that need a key of their own in the cookie are refused.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { ConfigError, createSessions } from "sessionkit";
import { MemoryStore } from "sessionkit/stores/memory";
import { serviceUnavailable } from "sessionkit/testing";
import { flaskUnavailable } from "../helpers/flask-app.js";
import { AGREED, checkScript, type CookieConfig, type Script, type Step } from "./cookie-script.js";
import { requestOpsArb, type Op } from "./ops.js";
import { startPeer, type Peer } from "./peer.js";

const PEER = new URL("../../scripts/flask/diff_peer.py", import.meta.url).pathname;
const RUNS = Number(process.env.FLASKDIFF_RUNS ?? 500);
const unavailable = flaskUnavailable();
const T0 = 1_700_000_000_000;
const CONFIG: CookieConfig = {
  secret: "diff-secret-0123456789abcdef-0123456789",
  lifetime: 2_678_400,
  refresh: true,
  name: "session",
  path: "/",
  secure: false,
  httpOnly: true,
  partitioned: false,
};
/** sessionkit's default `touchAfter`: gaps up to idleTimeout × (1 − touchAfter) must never log out. */
const ACTIVE = 0.75;

/** A visit reads, or now and then writes; the session may be permanent, refreshed or not. */
const visit: fc.Arbitrary<Op[]> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<Op[]>([], [["get", "user"]], [["keys"]], [["has", "cart"]]) },
  { weight: 1, arbitrary: requestOpsArb(AGREED).map((ops) => ops.filter((op) => op[0] === "set" && op[1] !== "user")) },
);

/** A login, then visits `gap × idle` apart, each ending with a read of the user. */
function idleScript(idle: number, permanent: boolean, refresh: boolean, visits: [number, Op[]][]): Script {
  let t = T0;
  const steps: Step[] = [{ atMs: t, cookie: "jar", ops: [["set", "user", "ada"], ["setPermanent", permanent]] }];
  for (const [gap, ops] of visits) {
    t += Math.floor(gap * idle * 1000);
    steps.push({ atMs: t, cookie: "jar", ops: [...ops, ["get", "user"]] });
  }
  return { config: { ...CONFIG, refresh }, sessionkit: { idleTimeout: idle }, steps };
}

const idleArb = (gap: fc.Arbitrary<number>) =>
  fc
    .record({
      idle: fc.integer({ min: 60, max: 3600 }),
      permanent: fc.boolean(),
      refresh: fc.boolean(),
      visits: fc.array(fc.tuple(gap, visit), { minLength: 1, maxLength: 8 }),
    })
    .map(({ idle, permanent, refresh, visits }) => idleScript(idle, permanent, refresh, visits));

if (unavailable) {
  serviceUnavailable("Flask differential harness (options Flask lacks)", unavailable);
} else {
  describe("idleTimeout in the flask format, with Flask as the oracle of 'still logged in'", () => {
    let peer: Peer;
    before(async () => {
      peer = await startPeer("python3", [PEER]);
    });
    after(() => peer?.stop());

    it("the issue's visitor: idleTimeout 10m, a read every 5 minutes for an hour, never logged out", async () => {
      const visits = Array.from({ length: 12 }, (): [number, Op[]] => [0.5, []]);
      await checkScript(peer, idleScript(600, false, true, visits), { resultsOnly: true });
    });

    it(`${Math.max(50, RUNS / 5)} generated visitors whose gaps stay under 3/4 of the idle window see what Flask sees`, async () => {
      await fc.assert(
        fc.asyncProperty(idleArb(fc.double({ min: 0, max: ACTIVE, noNaN: true })), async (script) => {
          await checkScript(peer, script, { resultsOnly: true });
        }),
        { numRuns: Math.max(50, RUNS / 5) },
      );
    });

    it("after a gap longer than the idle window the session is gone, where Flask (no idle timeout) still has it", async () => {
      await fc.assert(
        fc.asyncProperty(idleArb(fc.double({ min: 0, max: ACTIVE, noNaN: true })), fc.double({ min: 1.01, max: 3, noNaN: true }), async (script, late) => {
          const last = script.steps.at(-1)!;
          const idle = script.sessionkit!.idleTimeout!;
          script.steps.push({ atMs: last.atMs + Math.ceil(late * idle * 1000) + 1000, cookie: "jar", ops: [["get", "user"]] });
          await assert.rejects(checkScript(peer, script, { resultsOnly: true }), /at step \d+: op 0 result: Flask "ada", sessionkit null/);
        }),
        { numRuns: 50 },
      );
    });
  });
}

describe("the flask format refuses options that need a key of their own in the cookie", () => {
  const flask = { format: "flask" as const, secret: "a-flask-secret-key-0123456789abcdef" };
  for (const [option, extra] of [
    ["absoluteTimeout", { absoluteTimeout: "1d" }],
    ["revocation", { revocation: { store: new MemoryStore() } }],
  ] as const) {
    it(`${option}: a ConfigError at createSessions naming it`, () => {
      assert.throws(
        () => createSessions({ ...flask, ...extra }),
        (error: unknown) => error instanceof ConfigError && error.option === option && /flask cookie format/.test(error.message),
      );
      // The same option in a native format, or with a store, is accepted.
      createSessions({ ...flask, format: "signed", ...extra });
    });
  }
});
