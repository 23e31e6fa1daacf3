/**
 * Found by the model test (test/model) on the cookie-memory store: seed 794985725, path "1113:0:0:1:0:1:5:2:5:8:11:10:12:13:18:17:24:30:9" (MODEL_SEED=794985725 MODEL_PATH="1113:0:0:1:0:1:5:2:5:8:11:10:12:13:18:17:24:30:9" MODEL_STORE=cookie-memory MODEL_ACTIONS=24).
 * ModelViolation: the model rejects what check issued[1] did
 *   observed: [{"data":{},"flashes":[],"isNew":true,"ok":true}]
 *   the guarantees allow:
 *     [{"data":{},"flashes":[],"isNew":false,"ok":true}]    (1 the data the cookie was issued with)
 */
import { it } from "node:test";
import { commit } from "../fixture.js";
import { arrive, assertOneOf, checkOutcome, cookieHeader, openFixture, settle } from "../kit.js";
it("a regenerate that loaded before a login does not revoke the login's cookie (check issued[1]) [cookie-memory]", async () => {
  const f = await openFixture("cookie-memory", { idleSeconds: 600, absoluteSeconds: undefined, graceSeconds: 0, format: "signed" });
  const { sessions, clock, store, jar, issued } = f;
  try {
    const r1 = await sessions.load(cookieHeader(jar[0]));
    r1.set("a", 1);
    clock.tick();
    arrive(f, 0, await settle(commit(sessions, r1)));
    const r5 = await sessions.load(cookieHeader(jar[0]));
    const r2 = await sessions.load(cookieHeader(jar[0]));
    clock.tick();
    arrive(f, 0, await settle(commit(sessions, r2)));
    const r3 = await sessions.load(cookieHeader(jar[0]));
    await r3.login("alice", { keep: [] });
    clock.tick();
    arrive(f, 0, await settle(commit(sessions, r3)));
    const r4 = await sessions.load(cookieHeader(jar[0]));
    clock.tick();
    arrive(f, 0, await settle(commit(sessions, r4)));
    r5.pop("a");
    await r5.regenerate({ keepData: true });
    clock.tick();
    arrive(f, 0, await settle(commit(sessions, r5)));
    await checkOutcome(sessions, issued[0]);
    const b1 = await Promise.all([checkOutcome(sessions, issued[1])]);
    assertOneOf([b1[0]], [
        [{"data":{},"flashes":[],"isNew":false,"ok":true}],
    ], "1 the data the cookie was issued with");
  } finally {
    await f.close();
  }
});
