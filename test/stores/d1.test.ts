/**
 * The D1 store on a real D1: Miniflare runs workerd with a D1 database, and
 * `getD1Database` hands this process the binding a Worker would get (every
 * call crosses into workerd's D1, as in production). The shared suites, then
 * what is particular to D1.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import "../helpers/miniflare-wait.js";
import { D1Store, type D1DatabaseLike } from "../../src/stores/d1.js";
import { SqliteStore } from "../../src/stores/sqlite.js";
import { ConfigError } from "../../src/core/errors.js";
import { ctx, randomIdHash, record, serviceUnavailable, testSessionsOnStore, testStore, type MakeStore } from "../../src/testing/index.js";

async function startD1(): Promise<{ mf: Miniflare; db: D1DatabaseLike } | { skip: string }> {
  const mf = new Miniflare({ modules: true, script: "export default { fetch: () => new Response('') }", d1Databases: ["DB"] });
  try {
    return { mf, db: (await mf.getD1Database("DB")) as D1DatabaseLike };
  } catch (error) {
    await mf.dispose().catch(() => undefined);
    return { skip: `Miniflare (workerd) did not start (${error instanceof Error ? error.name : typeof error})` };
  }
}

const started = await startD1();
if ("skip" in started) {
  serviceUnavailable("D1Store", started.skip);
} else {
  const { mf, db } = started;
  after(() => mf.dispose());

  const fixture: MakeStore = async () => {
    const table = `t_${randomBytes(6).toString("hex")}`;
    const store = new D1Store({ db, table, userBatchSize: 4 });
    return {
      store,
      userBatchSize: 4,
      cleanup: async () => void (await db.batch([db.prepare(`DROP TABLE IF EXISTS "${table}"`), db.prepare(`DROP TABLE IF EXISTS "${table}_locks"`)])),
      // Every row, every column: what a dump of the database would show.
      // (No table before the store's first call: no rows.)
      dump: async () => {
        const exists = await db.prepare("SELECT 1 AS yes FROM sqlite_master WHERE type = 'table' AND name = ?1").bind(table).first();
        return exists === null ? "[]" : JSON.stringify((await db.prepare(`SELECT * FROM "${table}" ORDER BY id_hash`).all()).results);
      },
    };
  };

  // Not `heavy`: every call crosses Miniflare's binding proxy (~20-30 ms here), and `apply` is one
  // UPDATE, so 1,000 writers prove nothing 100 do not; they pass (22 s), kept out of CI's time.
  testStore("d1 (Miniflare)", fixture);
  testSessionsOnStore("d1 (Miniflare)", fixture);

  describe("D1Store specifics", () => {
    it("refuses what is not a D1 binding, and a table name that is not a plain identifier", () => {
      assert.throws(() => new D1Store({ db: {} as D1DatabaseLike }), (e: unknown) => e instanceof ConfigError && e.option === "db");
      assert.throws(() => new D1Store({ db, table: 'x"; DROP TABLE y; --' }), (e: unknown) => e instanceof ConfigError && e.option === "table");
      assert.throws(() => new D1Store({ db, userBatchSize: 0 }), (e: unknown) => e instanceof ConfigError && e.option === "userBatchSize");
    });

    it("creates its table and indexes on the first call, once, whatever many calls race", async () => {
      const table = `s_${randomBytes(6).toString("hex")}`;
      const store = new D1Store({ db, table });
      const ids = Array.from({ length: 20 }, () => randomIdHash());
      const created = await Promise.all(ids.map((id) => store.create(id, record({ a: "1" }), ctx())));
      assert.deepEqual(new Set(created), new Set([true]));
      const names = await db.prepare("SELECT name FROM sqlite_master WHERE tbl_name IN (?1, ?2) ORDER BY name").bind(table, `${table}_locks`).all<{ name: string }>();
      assert.deepEqual(
        names.results.map((r) => r.name).filter((n) => !n.startsWith("sqlite_autoindex")),
        [table, `${table}_expires_at_ms`, `${table}_locks`, `${table}_user_id`],
      );
    });

    it("makes the same sessions table as the SQLite store: columns, types, keys and indexes, as SQLite records them", async () => {
      const table = `same_${randomBytes(6).toString("hex")}`;
      await new D1Store({ db, table }).load(randomIdHash(), ctx());
      const onD1 = await db.prepare("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ?1 ORDER BY name").bind(table).all<Record<string, unknown>>();
      const local = new Database(":memory:");
      try {
        new SqliteStore({ db: local, table });
        const onSqlite = local.prepare("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? ORDER BY name").all(table);
        assert.deepEqual(onD1.results, onSqlite);
        assert.deepEqual(
          onD1.results.map((row) => row.name),
          [table, `${table}_expires_at_ms`, `${table}_user_id`],
        );
        const columns = local.prepare(`PRAGMA table_info("${table}")`).all() as Array<{ name: string }>;
        assert.deepEqual(columns.map((c) => c.name), ["id_hash", "data", "created_at_ms", "expires_at_ms", "user_id", "frozen", "successor", "predecessor", "readable_until_ms"]);
      } finally {
        local.close();
      }
    });

    it("prunes exclusively: a second pruner is refused while the lease is held, and the lease is released", async () => {
      const table = `p_${randomBytes(6).toString("hex")}`;
      const [a, b] = [new D1Store({ db, table, pruneBatchSize: 2 }), new D1Store({ db, table })];
      const past = Date.now() - 1_000;
      for (let i = 0; i < 5; i += 1) await a.create(randomIdHash(), record({ a: "1" }, { expiresAtMs: past + 1, nowMs: past - 10 }), ctx(past - 10));
      await db.prepare(`INSERT INTO "${table}_locks" (name, holder, until_ms) VALUES ('prune', 'other', ?1)`).bind(Date.now() + 60_000).run();
      assert.equal(await b.pruneExclusive(Date.now()), undefined, "another holder's lease is live");
      assert.equal(await a.pruneExclusive(Date.now() + 61_000), 5, "a lease that ran out is taken over");
      const left = await db.prepare(`SELECT COUNT(*) AS n FROM "${table}_locks"`).first<{ n: number }>();
      assert.equal(left?.n, 0, "the pruner released its lease");
    });

    it("bundles for a Worker: no node: module and no Buffer in the store's code", async () => {
      const out = await build({
        entryPoints: [new URL("../../src/stores/d1.ts", import.meta.url).pathname],
        bundle: true,
        write: false,
        platform: "neutral",
        format: "esm",
        logLevel: "silent",
      });
      const code = out.outputFiles[0]!.text;
      assert.doesNotMatch(code, /\bnode:/);
      assert.doesNotMatch(code, /\bBuffer\b/);
      assert.match(code, /D1Store = class|class D1Store/);
    });
  });
}
