/**
 * J.68 — touch never overwrites data. A read-only request that loaded the
 * session before a concurrent write commits only a touch (new expiry), and
 * must not bring back the stale copy it read (session-file-store #55). Runs
 * through `createSessions` on every server-side store the suite reaches:
 * memory, SQLite, Redis, PostgreSQL, the file store and the Flask-Session
 * store (real Redis). No adapter is involved (core load/commit only).
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "redis";
import { createSessions, type Store } from "../../src/index.js";
import { FileStore } from "../../src/stores/file.js";
import { FlaskSessionRedisStore } from "../../src/stores/flask-session.js";
import { serviceUnavailable } from "../../src/testing/index.js";
import { SECRET, spyStore, uniqueLabel } from "../helpers/security-server.js";
import { storeKinds } from "../helpers/security-stores.js";

interface Opened {
  store: Store;
  close(): Promise<void>;
}

const kinds: { name: string; skip: string | undefined; open(): Promise<Opened> }[] = [...(await storeKinds("touch"))];
kinds.push({
  name: "file",
  skip: undefined,
  open: async () => {
    const directory = mkdtempSync(join(tmpdir(), "sk-sec-touch-"));
    return { store: new FileStore({ directory }), close: async () => rmSync(directory, { recursive: true, force: true }) };
  },
});
const redisSkip = kinds.find((k) => k.name === "redis")!.skip;
kinds.push({
  name: "flask-session",
  skip: redisSkip,
  open: async () => {
    const client = createClient({ url: "redis://127.0.0.1:6379", socket: { connectTimeout: 2_000 } });
    client.on("error", () => {});
    await client.connect();
    const base = `${uniqueLabel("touch")}:fs:`;
    const store = new FlaskSessionRedisStore({ client, keyPrefix: `${base}session:`, metaPrefix: `${base}meta:` });
    return {
      store,
      close: async () => {
        const keys: string[] = [];
        for await (const batch of client.scanIterator({ MATCH: `${base}*`, COUNT: 1000 })) keys.push(...(Array.isArray(batch) ? batch : [batch]));
        if (keys.length) await client.del(keys);
        client.destroy();
      },
    };
  },
});

const IDLE_S = 600;

for (const kind of kinds) {
  if (kind.skip) {
    serviceUnavailable(`R68 touch (${kind.name})`, kind.skip);
    continue;
  }
  describe(`J.68 touch never overwrites data (${kind.name})`, () => {
    let opened: Opened | undefined;
    after(async () => opened?.close());

    it(`R68 touch never rewrites data: a read-only request that loaded before a concurrent write keeps the write (${kind.name})`, async () => {
      opened = await kind.open();
      const spy = spyStore(opened.store);
      let nowMs = 1_800_000_000_000;
      // touchAfter 0: every read-only request past the first millisecond touches, so request A below must touch.
      const sessions = createSessions({ secret: SECRET, store: spy.store, idleTimeout: IDLE_S, lifetime: 3 * IDLE_S, touchAfter: 0, now: () => nowMs });

      const first = await sessions.load(undefined);
      first.set("x", "old");
      first.set("y", "doomed");
      first.set("keep", 1);
      const cookie = ((await sessions.commit(first)).setCookie)[0]!.split(";")[0]!;

      nowMs += 60_000;
      const a = await sessions.load(cookie); // request A: reads, writes nothing
      assert.equal(a.get("x"), "old");
      assert.equal(a.get("y"), "doomed");

      const b = await sessions.load(cookie); // request B, concurrent: changes x, deletes y, adds z
      b.set("x", "new");
      b.delete("y");
      b.set("z", true);
      await sessions.commit(b);

      nowMs += 1_000;
      const touchesBefore = spy.calls.filter((c) => c.method === "touch").length;
      const writesBefore = spy.calls.filter((c) => c.method === "apply" || c.method === "create").length;
      await sessions.commit(a); // A commits after B: only a touch
      assert.equal(spy.calls.filter((c) => c.method === "touch").length, touchesBefore + 1, "A's commit is a touch");
      assert.equal(spy.calls.filter((c) => c.method === "apply" || c.method === "create").length, writesBefore, "A's commit writes no data");

      const c = await sessions.load(cookie);
      assert.equal(c.isNew, false, "the touched session is still there");
      assert.deepEqual({ ...c.toJSON() }, { x: "new", keep: 1, z: true }, "B's write survives A's touch; the deleted key stays deleted");
    });
  });
}
