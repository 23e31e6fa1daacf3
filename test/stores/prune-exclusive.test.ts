/**
 * Store.pruneExclusive: one pruner at a time across processes. SQLite and
 * the file store against a real second process (and a second process killed
 * while it held the lock); PostgreSQL with two stores on separate
 * connections, which is what two processes are to an advisory lock (MySQL's
 * GET_LOCK is tested in mysql-specifics.ts on the MariaDB that test starts).
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import pg from "pg";
import { FileStore } from "../../src/stores/file.js";
import { PostgresStore } from "../../src/stores/postgres.js";
import { SqliteStore } from "../../src/stores/sqlite.js";
import type { Store } from "../../src/core/store.js";
import { ctx, probeService, randomIdHash, record, serviceUnavailable } from "../../src/testing/index.js";

const CHILD = fileURLToPath(new URL("./pruner.child.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "sk-prune-x-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function addExpired(store: Store, count: number): Promise<void> {
  const nowMs = Date.now();
  for (let i = 0; i < count; i += 1) await store.create(randomIdHash(), record({}, { nowMs: nowMs - 60_000, expiresAtMs: nowMs - 1_000 }), ctx(nowMs - 60_000));
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A pruner process; resolves what it printed once it exits. */
function pruner(kind: "sqlite" | "file", path: string) {
  const proc = spawn(process.execPath, ["--conditions=source", "--import", "tsx", CHILD, kind, path], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  // "close", not "exit": only then has all the child printed been read (on a loaded machine "exit" can come first).
  const done = new Promise<string>((resolve) => proc.once("close", () => resolve(out.trim())));
  return { proc, done };
}

/** For each local store: how to make one on the shared place, and how many records are left there. */
const LOCAL = {
  sqlite: {
    count: 2_000,
    open: (path: string) => new SqliteStore({ db: new Database(path) }),
    left: (path: string) => {
      const db = new Database(path, { readonly: true });
      try {
        return (db.prepare("SELECT count(*) AS n FROM sessionkit_sessions").get() as { n: number }).n;
      } finally {
        db.close();
      }
    },
  },
  file: {
    count: 300,
    open: (path: string) => new FileStore({ directory: path, fsync: false }),
    left: (path: string) => readdirSync(path).filter((name) => /^[A-Za-z0-9_-]{43}$/.test(name)).length,
  },
} as const;

for (const kind of ["sqlite", "file"] as const) {
  describe(`pruneExclusive across processes: ${kind}`, () => {
    it("while another process prunes, this one skips (undefined, nothing removed); after it, this one prunes", async () => {
      const local = LOCAL[kind];
      const path = join(dir, `${kind}-a${kind === "sqlite" ? ".db" : ""}`);
      const store = local.open(path);
      await addExpired(store, local.count);
      const child = pruner(kind, path);
      await until(() => local.left(path) < local.count, 20_000, "the other process starting to prune");
      assert.equal(await store.pruneExclusive!(Date.now()), undefined, "the lock is held by the other process");
      assert.equal(await child.done, `removed ${local.count}`, "the other process removed every record");
      assert.equal(await store.pruneExclusive!(Date.now()), 0, "the lock was released");
    });

    it("a process killed while it held the lock does not block pruning", async () => {
      const local = LOCAL[kind];
      const path = join(dir, `${kind}-b${kind === "sqlite" ? ".db" : ""}`);
      const store = local.open(path);
      await addExpired(store, local.count);
      const child = pruner(kind, path);
      await until(() => local.left(path) < local.count, 20_000, "the other process starting to prune");
      child.proc.kill("SIGKILL");
      await child.done;
      const removed = await store.pruneExclusive!(Date.now());
      assert.ok(typeof removed === "number" && removed > 0, `pruned after the holder died: ${removed}`);
      assert.equal(local.left(path), 0);
    });
  });
}

const pool = new pg.Pool({ host: "127.0.0.1", port: 5432, user: "postgres", database: "test", max: 6 });
const skip = await probeService("PostgreSQL at 127.0.0.1:5432 (database test, user postgres)", async () => void (await pool.query("SELECT 1")));
const table = `sk_prune_x_${process.pid}`;
after(async () => {
  if (skip === undefined) await pool.query(`DROP TABLE IF EXISTS "${table}"`);
  await pool.end();
});
if (skip !== undefined) {
  serviceUnavailable("pruneExclusive on PostgreSQL", skip);
} else {
  describe("pruneExclusive on PostgreSQL", () => {
    it("two stores on separate connections: one prunes, the other skips; every record removed once", async () => {
      const [a, b] = [new PostgresStore({ pool, table, pruneBatchSize: 20 }), new PostgresStore({ pool, table, pruneBatchSize: 20 })];
      await a.migrate();
      await pool.query(`INSERT INTO "${table}" (id_hash, data, created_at_ms, expires_at_ms)
        SELECT md5(random()::text || g::text), '{}'::jsonb, 0, 1 FROM generate_series(1, 3000) AS g`);
      // b tries once a is seen deleting (so it holds the lock), not after a fixed 20 ms: on a loaded machine
      // a may not even have asked for the lock by then, and b would prune first.
      const first = a.pruneExclusive(Date.now());
      const count = async (): Promise<number> => Number((await pool.query(`SELECT count(*) AS n FROM "${table}"`)).rows[0].n);
      while ((await count()) === 3000) await new Promise((r) => setTimeout(r, 2));
      const results = await Promise.all([first, b.pruneExclusive(Date.now())]);
      assert.deepEqual(results, [3000, undefined]);
      assert.equal(await b.pruneExclusive(Date.now()), 0, "the lock was released");
    });
  });
}
