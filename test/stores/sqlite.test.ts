import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { SqliteStore } from "../../src/stores/sqlite.js";
import { ConfigError } from "../../src/core/errors.js";
import { change, ctx, randomIdHash, record, testSessionsOnStore, testStore } from "../../src/testing/index.js";

const dir = mkdtempSync(join(tmpdir(), "sk-sqlite-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

testStore(
  "sqlite (in memory)",
  async () => {
    const db = new Database(":memory:");
    return { store: new SqliteStore({ db, userBatchSize: 4 }), userBatchSize: 4, cleanup: async () => void db.close() };
  },
  { heavy: true },
);

testStore("sqlite (file, WAL, custom table)", async () => {
  const db = new Database(join(dir, "suite.db"));
  const table = `sessions_${process.pid}_${(counter += 1)}`;
  return {
    store: new SqliteStore({ db, table }),
    cleanup: async () => {
      db.exec(`DROP TABLE "${table}"`);
      db.close();
    },
  };
});

testSessionsOnStore("sqlite (file)", async () => {
  const db = new Database(join(dir, "sessions.db"));
  const table = `sessions_${process.pid}_${(counter += 1)}`;
  return {
    store: new SqliteStore({ db, table }),
    dump: async () => JSON.stringify(db.prepare(`SELECT * FROM "${table}" ORDER BY id_hash`).all()),
    cleanup: async () => {
      db.exec(`DROP TABLE "${table}"`);
      db.close();
    },
  };
});

describe("SqliteStore specifics", () => {
  it("creates its table and indexes, sets WAL and busy_timeout, and never closes the db", async () => {
    const db = new Database(join(dir, "schema.db"));
    try {
      const store = new SqliteStore({ db, table: "web_sessions" });
      assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
      assert.equal(db.pragma("busy_timeout", { simple: true }), 5_000);
      const indexes = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'web_sessions' ORDER BY name")
        .pluck()
        .all();
      assert.deepEqual(indexes, ["web_sessions_expires_at_ms", "web_sessions_user_id"]);
      new SqliteStore({ db, table: "web_sessions" }); // a second store on the same table is fine
      const id = randomIdHash();
      await store.create(id, record({ a: "1" }), ctx());
      assert.equal(db.open, true);
      db.pragma("busy_timeout = 60000");
      new SqliteStore({ db, table: "web_sessions" });
      assert.equal(db.pragma("busy_timeout", { simple: true }), 60_000, "a higher busy_timeout is kept");
    } finally {
      db.close();
    }
  });

  it("adds the link columns to a table made before rotate existed, keeping its sessions", async () => {
    const db = new Database(":memory:");
    db.exec(`CREATE TABLE old_sessions (id_hash TEXT PRIMARY KEY NOT NULL, data TEXT NOT NULL, created_at_ms INTEGER NOT NULL,
      expires_at_ms INTEGER NOT NULL, user_id TEXT, frozen INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID`);
    const [id, next] = [randomIdHash(), randomIdHash()];
    const nowMs = Date.now();
    db.prepare("INSERT INTO old_sessions VALUES (?, ?, ?, ?, ?, 0)").run(id, '{"a":"\\"x\\""}', nowMs, nowMs + 60_000, "u");
    const store = new SqliteStore({ db, table: "old_sessions" });
    assert.equal(await store.rotate(id, next, change({ set: { b: "1" } }), nowMs + 10_000, ctx(nowMs)), "ok");
    assert.deepEqual({ ...(await store.load(next, ctx(nowMs)))?.data }, { a: '"x"', b: "1" });
    assert.equal((await store.load(id, ctx(nowMs)))?.successor, next);
    db.close();
  });

  it("stores only the id hash it was given, and data as JSON text", async () => {
    const db = new Database(":memory:");
    const store = new SqliteStore({ db });
    const id = randomIdHash();
    await store.create(id, record([["__proto__", '"p"']], { userId: "u" }), ctx());
    const row = db.prepare("SELECT * FROM sessionkit_sessions").get() as Record<string, unknown>;
    assert.equal(row.id_hash, id);
    assert.equal(row.data, '{"__proto__":"\\"p\\""}');
    assert.equal(row.user_id, "u");
    db.close();
  });

  it("reads numbers even when the app turned on defaultSafeIntegers", async () => {
    const db = new Database(":memory:");
    db.defaultSafeIntegers(true);
    const store = new SqliteStore({ db });
    const id = randomIdHash();
    const rec = record({ a: "1" });
    await store.create(id, rec, ctx());
    const loaded = await store.load(id, ctx());
    assert.equal(loaded?.expiresAtMs, rec.expiresAtMs);
    assert.equal(typeof loaded?.createdAtMs, "number");
    db.close();
  });

  it("rejects a table name that is not a plain identifier, and a missing db", () => {
    const db = new Database(":memory:");
    for (const table of ["a-b", 'x"; DROP TABLE y; --', "", "1abc", "a".repeat(64)]) {
      assert.throws(() => new SqliteStore({ db, table }), (e: unknown) => e instanceof ConfigError && e.option === "table");
    }
    assert.throws(() => new SqliteStore({} as never), (e: unknown) => e instanceof ConfigError && e.option === "db");
    db.close();
  });

  it("prune deletes expired rows in batches of pruneBatchSize", async () => {
    const db = new Database(":memory:");
    const store = new SqliteStore({ db, pruneBatchSize: 3 });
    const nowMs = Date.now();
    for (let i = 0; i < 10; i += 1) await store.create(randomIdHash(), record({}, { expiresAtMs: nowMs - 1 - i }), ctx());
    await store.create(randomIdHash(), record({}), ctx());
    assert.equal(await store.prune(nowMs), 10);
    assert.equal(db.prepare("SELECT count(*) FROM sessionkit_sessions").pluck().get(), 1);
    db.close();
  });

  it("applies are atomic across processes sharing the file (4 processes × 50 writers)", async () => {
    const file = join(dir, "multi.db");
    const db = new Database(file);
    const store = new SqliteStore({ db });
    const id = randomIdHash();
    await store.create(id, record({}), ctx());
    const child = [
      'import Database from "better-sqlite3";',
      'const { SqliteStore } = await import(process.env.SK_STORE);',
      "const store = new SqliteStore({ db: new Database(process.env.SK_FILE) });",
      "const p = process.env.SK_PROC;",
      "const out = [];",
      "for (let i = 0; i < 50; i += 1) {",
      '  const set = Object.create(null); set[`p${p}-${i}`] = String(i);',
      "  out.push(await store.apply(process.env.SK_ID, { set, delete: [] }, { nowMs: Date.now(), abandoned: false }));",
      "}",
      "console.log(JSON.stringify(out.filter((r) => r !== 'ok')));",
    ].join("\n");
    const runs = Array.from({ length: 4 }, (_, p) =>
      new Promise<string>((resolve, reject) => {
        const proc = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", child], {
          cwd: process.cwd(),
          env: { ...process.env, SK_STORE: new URL("../../src/stores/sqlite.ts", import.meta.url).href, SK_FILE: file, SK_PROC: String(p), SK_ID: id },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        let err = "";
        const timer = setTimeout(() => proc.kill(), 60_000);
        proc.stdout.on("data", (d: Buffer) => (out += d));
        proc.stderr.on("data", (d: Buffer) => (err += d));
        proc.on("error", reject);
        proc.on("close", (code) => {
          clearTimeout(timer);
          if (code === 0) resolve(out.trim());
          else reject(new Error(`child ${p} exited ${code}: ${err.slice(0, 500)}`));
        });
      }),
    );
    const outs = await Promise.all(runs);
    assert.deepEqual(outs, ["[]", "[]", "[]", "[]"]);
    const loaded = await store.load(id, ctx());
    assert.equal(Object.keys(loaded?.data ?? {}).length, 200);
    assert.equal(await store.apply(id, change({ set: { last: "1" } }), ctx()), "ok");
    db.close();
  });
});
