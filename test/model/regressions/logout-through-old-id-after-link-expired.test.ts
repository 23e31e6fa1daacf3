/**
 * Found by `npm run fuzz:model` (base seed 20261203, round 48, memory) on the
 * memory store: seed -1757856657, path "1883:1:2:2:6:4:12:20:27:27:32:32:32:40:44:49:54:53:58:65:64:47:56:56:59:11:52:58:16:40"
 * (MODEL_SEED=-1757856657 MODEL_PATH="1883:1:2:2:6:4:12:20:27:27:32:32:32:40:44:49:54:53:58:65:64:47:56:56:59:11:52:58:16:40" MODEL_STORE=memory MODEL_ACTIONS=24).
 * The same program passes on the SQLite store even without the fix (its load
 * leaves an expired record where it is, so the link lasts until a prune); it
 * runs here on both.
 *
 * A regenerate (r2) times out while the store hangs, and lands when it
 * recovers (the browser keeps the old id). r5 loads the old id in its grace
 * window (read-only, the record names its successor). The old record, the
 * link to the new id, is kept only until max(its own idle expiry, the grace
 * end); r4 loads the old id just after that and the store drops the expired
 * record. r5's logout then commits: destroy(old id) found no record, so no
 * link to follow, and the successor stayed live and listed under alice
 * (guarantee 3: a destroy ends the session under every id it had). The fix:
 * core's destroy of a session loaded through an old id also destroys the
 * successor that id's record named when it was loaded.
 *
 * What the harness saw:
 * ModelViolation: the model rejects what listForUser("alice") did
 *   observed: [{"ok":true,"sessions":[{"createdAtMs":1796299200001,"expiresAtMs":1796299801002,"id":"?"}]}]
 *   the guarantees allow:
 *     [{"ok":true,"sessions":[]}]    (5/6 listForUser lists the user's live sessions: current ids, creation (the absolute origin) and idle expiry)
 */
import { it } from "node:test";
import { commit, type KindName } from "../fixture.js";
import { arrive, assertOneOf, checkOutcome, cookieHeader, listOutcome, openFixture, settle } from "../kit.js";

for (const kind of ["memory", "sqlite"] as KindName[]) {
  it(`3 a logout loaded through an old id ends the successor after the old record expired [${kind}]`, async () => {
    const f = await openFixture(kind, { idleSeconds: 600, absoluteSeconds: undefined, graceSeconds: 60, format: "signed" });
    const { sessions, clock, store, jar, issued } = f;
    try {
      const r1 = await sessions.load(cookieHeader(jar[0]));
      await r1.login("alice", { keep: [] });
      clock.tick();
      arrive(f, 0, await settle(commit(sessions, r1)));
      clock.advance(1000); // second
      const r2 = await sessions.load(cookieHeader(jar[0]));
      await r2.regenerate({ keepData: false });
      store.mode = "pause"; // until 1 store call(s) are held
      clock.tick();
      const b1 = await Promise.all([settle(sessions.load(cookieHeader(jar[0]))), settle(commit(sessions, r2))]);
      arrive(f, 0, b1[1]);
      await store.recover();
      const r5 = await sessions.load(cookieHeader(jar[0]));
      clock.advance(599000); // idle-
      const r4 = await sessions.load(cookieHeader(jar[0]));
      clock.tick();
      arrive(f, 0, await settle(commit(sessions, r4)));
      await r5.destroy();
      clock.tick();
      arrive(f, 0, await settle(commit(sessions, r5)));
      await checkOutcome(sessions, issued[0]);
      const b2 = await Promise.all([listOutcome(f, "alice")]);
      assertOneOf([b2[0]], [
          [{"ok":true,"sessions":[]}],
      ], "5/6 listForUser lists the user's live sessions: current ids, creation (the absolute origin) and idle expiry");
    } finally {
      await f.close();
    }
  });
}
