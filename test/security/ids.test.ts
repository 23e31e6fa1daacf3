/**
 * Section A of docs/security-model.md: session identifiers in server-side
 * mode — source and entropy, strict mode, syntax checks before the store,
 * no records for unknown ids, hashed ids at rest. Over the wire on all six
 * adapters (R79); the id generator itself (R1) has no adapter in it.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import crypto, { randomBytes } from "node:crypto";
import { syncBuiltinESMExports } from "node:module";
import Database from "better-sqlite3";
import { createSessions, hashSessionId, storeContext } from "../../src/index.js";
import { newSessionId } from "../../src/core/ids.js";
import { MemoryStore } from "../../src/stores/memory.js";
import { SqliteStore } from "../../src/stores/sqlite.js";
import { ADAPTERS, SECRET, cookieValue, spyStore, startApp, type TestApp } from "../helpers/security-server.js";

describe("A. session identifiers", () => {
  it("R1 ids come only from the CSPRNG (crypto.randomFillSync on Node), 256 bits, unique, fixed length, base64url alphabet", () => {
    const original = crypto.randomFillSync;
    const served: Buffer[] = [];
    // Replace the builtin and re-sync the ESM named exports, so the Node runtime set's own import sees the spy.
    (crypto as { randomFillSync: unknown }).randomFillSync = (bytes: Uint8Array) => {
      original(bytes);
      served.push(Buffer.from(bytes));
      return bytes;
    };
    syncBuiltinESMExports();
    try {
      // More than one pool's worth, so at least one id is served by the spy's bytes.
      const ids = Array.from({ length: 300 }, () => newSessionId());
      assert.ok(served.length >= 1, "randomFillSync was called");
      const fromSpy = new Set(served.flatMap((buf) => Array.from({ length: buf.length / 32 }, (_, i) => buf.toString("base64url", i * 32, i * 32 + 32))));
      const last = ids.slice(-100);
      assert.ok(last.every((id) => fromSpy.has(id)), "every id after the switch is bytes the CSPRNG returned");
    } finally {
      (crypto as { randomFillSync: unknown }).randomFillSync = original;
      syncBuiltinESMExports();
    }
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      const id = newSessionId();
      assert.equal(id.length, 43);
      assert.match(id, /^[A-Za-z0-9_-]{43}$/);
      seen.add(id);
    }
    assert.equal(seen.size, 100_000, "no duplicate among 10^5 ids");
    assert.equal(Buffer.from(newSessionId(), "base64url").length, 32, "32 bytes = 256 bits");
  });
});

for (const adapter of ADAPTERS) {
  describe(`A. session identifiers [${adapter}]`, () => {
    describe(`over the wire (MemoryStore) [${adapter}]`, () => {
      let app: TestApp;
      let spy: ReturnType<typeof spyStore>;
      let memory: MemoryStore;
      before(async () => {
        memory = new MemoryStore();
        spy = spyStore(memory);
        const sessions = createSessions({ secret: SECRET, store: spy.store });
        app = await startApp(
          sessions,
          ({ session, url }) => {
            if (url === "/set") session.set("k", "v");
            return JSON.stringify({ k: session.get("k") ?? null, isNew: session.isNew });
          },
          { adapter },
        );
      });
      after(() => app.close());

      it(`R2 an unknown well-formed id is never adopted: a write gets a new id and nothing is stored under the sent one [${adapter}]`, async () => {
        const planted = randomBytes(32).toString("base64url");
        const res = await app.get("/set", { cookie: `session=${planted}` });
        assert.equal(res.status, 200);
        assert.deepEqual(JSON.parse(res.body), { k: "v", isNew: true });
        const issued = cookieValue(res);
        assert.ok(issued !== undefined && issued !== planted, "a new id is issued");
        assert.equal(await memory.load(hashSessionId(planted), storeContext()), undefined, "no record under the planted id");
        assert.equal(await memory.load(planted, storeContext()), undefined, "nor under its raw form");
        assert.ok(await memory.load(hashSessionId(issued), storeContext()), "the record lives under the issued id");
        const again = await app.get("/", { cookie: `session=${planted}` });
        assert.deepEqual(JSON.parse(again.body), { k: null, isNew: true });
      });

      it(`R3 hostile ids are rejected by syntax with zero store calls [${adapter}]`, async () => {
        const hostile = [
          "*",
          "abc:def",
          "../../../../etc/passwd",
          "a\u0000b",
          "x".repeat(10_240),
          randomBytes(32).toString("base64url").slice(0, 42),
          randomBytes(32).toString("base64url") + "A",
          randomBytes(32).toString("base64") .replace(/=+$/, "").padEnd(43, "+").slice(0, 42) + "+",
          "%41".repeat(15),
          "\\" + "A".repeat(42),
          "A".repeat(42) + "B", // right length and alphabet, but not canonical base64url of 32 bytes
        ];
        for (const id of hostile) {
          spy.calls.length = 0;
          const cookie = `session=${encodeURIComponent(id) === id ? id : id.replace(/[^\x21-\x7e]/g, "")}`;
          const res = await app.get("/", { cookie });
          assert.equal(res.status, 200, `status for ${JSON.stringify(id.slice(0, 20))}`);
          assert.deepEqual(JSON.parse(res.body), { k: null, isNew: true });
          assert.deepEqual(res.setCookie, []);
          assert.deepEqual(spy.calls, [], `no store call for ${JSON.stringify(id.slice(0, 20))}`);
        }
      });
    });

    it(`R4 10,000 random well-formed cookies with no writes create no record and no Set-Cookie [${adapter}]`, async () => {
      const db = new Database(":memory:");
      const store = new SqliteStore({ db, table: "r4" });
      const sessions = createSessions({ secret: SECRET, store });
      // 10,000 through load/commit once (node adapter's run), and on the wire a sample of 200 per adapter.
      if (adapter === "node") {
        for (let i = 0; i < 10_000; i++) {
          const session = await sessions.load(`session=${randomBytes(32).toString("base64url")}`);
          session.get("anything");
          assert.deepEqual((await sessions.commit(session, { status: 200 })).setCookie, []);
        }
        assert.equal((db.prepare("SELECT COUNT(*) AS n FROM r4").get() as { n: number }).n, 0);
      }
      const app = await startApp(sessions, ({ session }) => String(session.get("x") ?? ""), { adapter });
      try {
        for (let i = 0; i < 200; i++) {
          const res = await app.get("/", { cookie: `session=${randomBytes(32).toString("base64url")}` });
          assert.equal(res.setCookie.length, 0);
        }
      } finally {
        await app.close();
      }
      assert.equal((db.prepare("SELECT COUNT(*) AS n FROM r4").get() as { n: number }).n, 0);
      db.close();
    });

    it(`R5 the store never sees a raw id: not in a call argument, not in a SQLite dump [${adapter}]`, async () => {
      const db = new Database(":memory:");
      const spy = spyStore(new SqliteStore({ db, table: "r5" }));
      const sessions = createSessions({ secret: SECRET, store: spy.store, regenerateGraceSeconds: 5 });
      const app = await startApp(
        sessions,
        async ({ session, url }) => {
          if (url === "/login") {
            await session.regenerate();
            session.set("user", "alice");
            session.setUser("alice");
          } else if (url === "/logout") await session.destroy();
          else session.set("n", Number(session.get("n") ?? 0) + 1);
          return "ok";
        },
        { adapter },
      );
      const ids: string[] = [];
      try {
        let cookie = "";
        for (const path of ["/", "/", "/login", "/", "/logout"]) {
          const res = await app.get(path, { cookie });
          const value = cookieValue(res);
          if (value) {
            ids.push(value);
            cookie = `session=${value}`;
          }
        }
      } finally {
        await app.close();
      }
      assert.ok(ids.length >= 2, "ids were issued");
      const dump = JSON.stringify(db.prepare("SELECT * FROM r5").all());
      const argsText = JSON.stringify(spy.calls.map((c) => c.args));
      for (const id of ids) {
        if (id === "") continue;
        assert.ok(!argsText.includes(id), "raw id in a store call");
        assert.ok(!dump.includes(id), "raw id in the table");
        assert.ok(argsText.includes(hashSessionId(id)), "the hash is what the store saw");
      }
      db.close();
    });
  });
}
