/**
 * Written by hand next to logout-through-old-id-after-link-expired.test.ts
 * (found by `npm run fuzz:model`, base seed 20261203, round 48, memory:
 * seed -1757856657), the same timeline with destroyAllForUser in place of
 * the logout.
 *
 * r5 loads the old id in its grace window (read-only; the record names its
 * successor). The old record, the link to the new id, is kept only until
 * max(its own idle expiry, the grace end); r4 loads the old id just after
 * that and the memory store drops the expired record. Then
 * destroyAllForUser("alice", { except: r5 }): core looked up the session r5
 * loaded by following the old record's link, found no record, passed the
 * old id as `except`, and the store ended the successor r5 meant to spare
 * (guarantee 6: `except` spares the session its request loaded, whichever
 * of its ids it came with). The fix: core starts from the successor the
 * loaded record named.
 */
import { it } from "node:test";
import { commit, type KindName } from "../fixture.js";
import { arrive, assertOneOf, cookieHeader, countOutcome, listOutcome, openFixture, settle } from "../kit.js";

for (const kind of ["memory", "sqlite"] as KindName[]) {
  it(`6 destroyAllForUser spares the except session loaded through an old id after the old record expired [${kind}]`, async () => {
    const f = await openFixture(kind, { idleSeconds: 600, absoluteSeconds: undefined, graceSeconds: 60, format: "signed" });
    const { sessions, clock, store, jar } = f;
    try {
      const r1 = await sessions.load(cookieHeader(jar[0]));
      await r1.login("alice", { keep: [] });
      clock.tick();
      arrive(f, 0, await settle(commit(sessions, r1)));
      clock.advance(1000); // second
      const r2 = await sessions.load(cookieHeader(jar[0]));
      await r2.regenerate({ keepData: false });
      store.mode = "pause";
      clock.tick();
      const b1 = await Promise.all([settle(sessions.load(cookieHeader(jar[0]))), settle(commit(sessions, r2))]);
      arrive(f, 0, b1[1]);
      await store.recover();
      const r5 = await sessions.load(cookieHeader(jar[0]));
      clock.advance(599000); // idle-
      const r4 = await sessions.load(cookieHeader(jar[0]));
      clock.tick();
      arrive(f, 0, await settle(commit(sessions, r4)));
      clock.tick();
      const count = countOutcome(await settle(sessions.destroyAllForUser("alice", { except: r5 })));
      assertOneOf([count], [[{ ok: true, count: 0 }]], "6 destroyAllForUser ends every session indexed under the user, under all its ids, except `except`");
      const listed = await listOutcome(f, "alice");
      assertOneOf([listed], [[{ ok: true, sessions: [{ id: "?", createdAtMs: 1796299200001, expiresAtMs: 1796299801002 }] }]], "6 the except session is still listed");
    } finally {
      await f.close();
    }
  });
}
