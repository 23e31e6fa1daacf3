/**
 * Found by the model test (test/model) on the SQLite, Redis, PostgreSQL and
 * file stores, which on this main still follow the old store contract:
 *
 * - they have no `rotate`, so every login and regenerate is a StoreError
 *   (cause: TypeError) instead of a new id (guarantees 4 and 5);
 * - they decide expiry by their own clock instead of core's (`ctx.nowMs`),
 *   so with an injected clock a session past its idle timeout is still
 *   written to (a write in flight revives it) or touched (a read in flight
 *   revives it) instead of the write being refused (guarantees 3 and 7).
 *
 * Shrunk runs, rewritten by hand in the harness's style: one set of three
 * tests per store.
 */
import { describe, it } from "node:test";
import { serviceUnavailable } from "../../../src/testing/index.js";
import { commit, kindUnavailable, type KindName } from "../fixture.js";
import { arrive, assertOneOf, checkOutcome, cookieHeader, openFixture, settle } from "../kit.js";

const config = { idleSeconds: 600, absoluteSeconds: undefined, graceSeconds: 60, format: "signed" } as const;

for (const kind of ["sqlite", "redis", "postgres", "file"] as const satisfies readonly KindName[]) {
  const skip = await kindUnavailable(kind);
  if (skip !== undefined) {
    serviceUnavailable(`model regressions [${kind}]`, skip);
    continue;
  }
  describe(`model regressions: the store contract [${kind}]`, () => {
    it(`5 login gives the session a new id [${kind}]`, async () => {
      const f = await openFixture(kind, config);
      const { sessions, clock, jar } = f;
      try {
        const r1 = await sessions.load(cookieHeader(jar[0]));
        r1.set("a", 1);
        clock.tick();
        arrive(f, 0, await settle(commit(sessions, r1)));
        const r2 = await sessions.load(cookieHeader(jar[0]));
        await r2.login("alice", { keep: [] });
        clock.tick();
        const b1 = await Promise.all([settle(commit(sessions, r2))]);
        assertOneOf([arrive(f, 0, b1[0]).outcome], [[{ cookie: "new", ok: true }]], "5 login: a new id");
      } finally {
        await f.close();
      }
    });

    it(`3 a write committed after the idle timeout is refused, not written into the expired session [${kind}]`, async () => {
      const f = await openFixture(kind, config);
      const { sessions, clock, jar } = f;
      try {
        const r1 = await sessions.load(cookieHeader(jar[0]));
        r1.set("a", 1);
        clock.tick();
        arrive(f, 0, await settle(commit(sessions, r1)));
        const r2 = await sessions.load(cookieHeader(jar[0]));
        clock.advance(600000); // idle
        r2.set("b", 2);
        clock.tick();
        const b1 = await Promise.all([settle(commit(sessions, r2))]);
        assertOneOf([arrive(f, 0, b1[0]).outcome], [[{ error: "SessionInterruptedError", ok: false }]], "3 a write cannot revive a destroyed or expired session");
      } finally {
        await f.close();
      }
    });

    it(`7 a read committed after the idle timeout does not touch the session back to life [${kind}]`, async () => {
      const f = await openFixture(kind, config);
      const { sessions, clock, jar, issued } = f;
      try {
        const r1 = await sessions.load(cookieHeader(jar[0]));
        r1.set("a", 1);
        clock.tick();
        arrive(f, 0, await settle(commit(sessions, r1)));
        const r2 = await sessions.load(cookieHeader(jar[0]));
        clock.advance(1200000);
        clock.tick();
        arrive(f, 0, await settle(commit(sessions, r2)));
        const b1 = await Promise.all([checkOutcome(sessions, issued[0])]);
        assertOneOf([b1[0]], [[{ data: {}, flashes: [], isNew: true, ok: true }]], "7 idle timeout: no request for idleTimeout");
      } finally {
        await f.close();
      }
    });
  });
}
