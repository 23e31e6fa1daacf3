/**
 * What is particular to the MySQL store, on the MariaDB that mysql.test.ts
 * started: migrations, time limits that leave the pool as they found it,
 * typed errors, bytes no character set can alter, abandoned writes.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import mysqlCallback from "mysql2";
import mysql, { type Pool, type PoolConnection } from "mysql2/promise";
import { MysqlBusyError, MysqlStore, MysqlStoreError } from "../../src/stores/mysql.js";
import { ConfigError, StoreError } from "../../src/core/errors.js";
import { WriteAbandonedError } from "../../src/stores/shared/abandoned.js";
import { createSessions, type StoreContext } from "../../src/index.js";
import { change, ctx, randomIdHash, record, testSecret } from "../../src/testing/index.js";
import { sparePort, type SpawnedServer } from "../helpers/spawned-server.js";

let counter = 0;
const table = (): string => `sk_spec_${(counter += 1)}`;

async function rows(pool: Pool, sql: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  return (await pool.query(sql, values))[0] as Record<string, unknown>[];
}

/** Hold `idHash`'s row locked from another connection until `release` is called. */
async function lockRow(pool: Pool, name: string, idHash: string): Promise<{ connection: PoolConnection; release(): Promise<void> }> {
  const connection = await pool.getConnection();
  await connection.query("START TRANSACTION");
  await connection.query(`SELECT id_hash FROM \`${name}\` WHERE id_hash = ? FOR UPDATE`, [idHash]);
  return {
    connection,
    release: async () => {
      await connection.query("COMMIT");
      connection.release();
    },
  };
}

/** @internal Registered by mysql.test.ts once its server runs. */
export function registerMysqlSpecifics(pool: Pool, server: SpawnedServer): void {
  describe("MysqlStore specifics", () => {
    it("migrates idempotently, from several stores at once, to the documented schema", async () => {
      const name = table();
      const stores = Array.from({ length: 4 }, () => new MysqlStore({ pool, table: name, autoMigrate: false }));
      await Promise.all(stores.map((s) => s.migrate()));
      await stores[0]!.migrate();
      const columns = await rows(pool, "SELECT column_name AS c, column_type AS t FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position", [name]);
      assert.deepEqual(
        columns.map((r) => `${String(r.c)}:${String(r.t)}`),
        ["id_hash:varchar(64)", "data:longblob", "created_at_ms:bigint(20)", "expires_at_ms:bigint(20)", "user_id:blob", "user_hash:binary(32)", "frozen:tinyint(1)", "readable_until_ms:bigint(20)", "successor:varchar(64)", "predecessor:varchar(64)"],
      );
      const indexes = await rows(pool, "SELECT index_name AS i, column_name AS c FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? ORDER BY index_name", [name]);
      assert.deepEqual(indexes.map((r) => `${String(r.i)}:${String(r.c)}`), ["PRIMARY:id_hash", `${name}_expires:expires_at_ms`, `${name}_user:user_hash`]);
      const [engine] = await rows(pool, "SELECT engine AS e FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?", [name]);
      assert.equal(engine?.e, "InnoDB");
    });

    it("with autoMigrate off, fails loudly on a missing table instead of creating it", async () => {
      const name = table();
      const store = new MysqlStore({ pool, table: name, autoMigrate: false });
      await assert.rejects(store.load(randomIdHash(), ctx()), (e: unknown) => (e as { code?: string }).code === "ER_NO_SUCH_TABLE");
      const sessions = createSessions({ secret: testSecret(), store });
      await assert.rejects(sessions.load(`session=${randomIdHash()}`), (e: unknown) => e instanceof StoreError && /the table does not exist \(ER_NO_SUCH_TABLE\): create it/.test(e.message));
      assert.deepEqual(await rows(pool, "SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?", [name]), []);
    });

    it("uses the database option, and takes a callback pool through its promise()", async () => {
      await pool.query("CREATE DATABASE IF NOT EXISTS sk_other");
      const callbackPool = mysqlCallback.createPool({ host: "127.0.0.1", port: server.port, user: "root", connectionLimit: 2 });
      try {
        const store = new MysqlStore({ pool: callbackPool, database: "sk_other", table: "sessions" });
        const id = randomIdHash();
        assert.equal(await store.create(id, record({ a: "1" }), ctx()), true);
        assert.deepEqual((await rows(pool, "SELECT id_hash FROM sk_other.sessions")).map((r) => r.id_hash), [id]);
      } finally {
        await callbackPool.promise().end();
        await pool.query("DROP DATABASE sk_other");
      }
    });

    it("refuses a missing pool, bad names and bad numbers with a ConfigError, before any query", () => {
      let borrowed = 0;
      const counting = { getConnection: () => ((borrowed += 1), pool.getConnection()) };
      for (const name of ["x`; DROP TABLE y; --", "1abc", "", "a-b", "a".repeat(49)]) {
        assert.throws(() => new MysqlStore({ pool: counting, table: name }), (e: unknown) => e instanceof ConfigError && e.option === "table");
      }
      assert.throws(() => new MysqlStore({ pool: counting, database: "a.b" }), (e: unknown) => e instanceof ConfigError && e.option === "database");
      for (const statementTimeoutMs of [-1, 1.5, Number.NaN]) {
        assert.throws(() => new MysqlStore({ pool: counting, statementTimeoutMs }), (e: unknown) => e instanceof ConfigError && e.option === "statementTimeoutMs");
      }
      assert.throws(() => new MysqlStore({ pool: counting, userBatchSize: 0 }), (e: unknown) => e instanceof ConfigError && e.option === "userBatchSize");
      assert.throws(() => new MysqlStore({} as never), (e: unknown) => e instanceof ConfigError && e.option === "pool");
      assert.equal(borrowed, 0);
    });

    it("each write runs under its time limits and hands the connection back with the pool's own", async () => {
      const single = mysql.createPool({ host: "127.0.0.1", port: server.port, user: "root", database: "sessionkit_test", connectionLimit: 1 });
      try {
        const before = await rows(single, "SELECT @@SESSION.innodb_lock_wait_timeout AS lw, @@SESSION.max_statement_time AS st");
        const name = table();
        const store = new MysqlStore({ pool: single, table: name, statementTimeoutMs: 3_500 });
        const id = randomIdHash();
        await store.create(id, record({ a: "1" }), ctx());
        assert.equal(await store.apply(id, change({ set: { b: "2" } }), ctx()), "ok");
        assert.deepEqual(await rows(single, "SELECT @@SESSION.innodb_lock_wait_timeout AS lw, @@SESSION.max_statement_time AS st"), before);
        // Inside the store's transaction the limits were its own: a lock held elsewhere ends the wait after 4 s (3.5 s rounded up), not 50.
        const held = await lockRow(pool, name, id);
        const started = Date.now();
        await assert.rejects(store.apply(id, change({ set: { c: "3" } }), ctx()), (e: unknown) => e instanceof MysqlBusyError);
        const waitedMs = Date.now() - started;
        await held.release();
        assert.ok(waitedMs >= 3_500 && waitedMs < 10_000, `waited ${waitedMs} ms`);
        assert.deepEqual(await rows(single, "SELECT @@SESSION.innodb_lock_wait_timeout AS lw, @@SESSION.max_statement_time AS st"), before, "restored after a timeout too");
      } finally {
        await single.end();
      }
    });

    it("a row locked past the limit is a retryable StoreError naming no id; nothing was written, and the next try succeeds", async () => {
      const name = table();
      const store = new MysqlStore({ pool, table: name, statementTimeoutMs: 1_000 });
      const sessions = createSessions<Record<string, unknown>>({ secret: testSecret(), store, storeTimeoutMs: 10_000 });
      const first = await sessions.load(undefined);
      first.set("n", 1);
      const cookie = (await sessions.commit(first, { status: 200 })).setCookie[0]!.split(";")[0]!;
      const idHash = (await rows(pool, `SELECT id_hash FROM \`${name}\``))[0]!.id_hash as string;
      const held = await lockRow(pool, name, idHash);
      const blocked = await sessions.load(cookie);
      blocked.set("n", 2);
      const failure = await sessions.commit(blocked, { status: 200 }).then(() => undefined, (e: unknown) => e);
      await held.release();
      assert.ok(failure instanceof StoreError, String(failure));
      assert.equal(failure.retryable, true);
      assert.ok(failure.cause instanceof MysqlBusyError);
      // The lock wait (1 s) and the statement limit (1 s) race: either ends the wait, and says so.
      const { code } = failure.cause as MysqlBusyError;
      assert.ok(code === "ER_LOCK_WAIT_TIMEOUT" || code === "ER_STATEMENT_TIMEOUT", code);
      assert.match(failure.message, code === "ER_LOCK_WAIT_TIMEOUT" ? /past the lock timeout \(nothing was written\) \(ER_LOCK_WAIT_TIMEOUT\)/ : /past its time limit \(nothing was written\) \(ER_STATEMENT_TIMEOUT\)/);
      for (const text of [failure.message, failure.cause.message]) {
        assert.ok(!text.includes(idHash) && !text.includes(cookie.split("=")[1]!), "no id in the message");
      }
      assert.equal((await sessions.load(cookie)).get("n"), 1, "nothing was written");
      const retry = await sessions.load(cookie);
      retry.set("n", 3);
      await sessions.commit(retry, { status: 200 });
      assert.equal((await sessions.load(cookie)).get("n"), 3);
    });

    it("a write core gave up on is dropped before it starts, and rolled back if core gives up before COMMIT", async () => {
      const name = table();
      const store = new MysqlStore({ pool, table: name });
      const id = randomIdHash();
      await store.create(id, record({ a: "1" }), ctx());
      await assert.rejects(store.apply(id, change({ set: { b: "2" } }), { nowMs: Date.now(), abandoned: true }), (e: unknown) => e instanceof WriteAbandonedError && e.code === "SESSIONKIT_ABANDONED");
      const held = await lockRow(pool, name, id);
      const context: { nowMs: number; abandoned: boolean } = { nowMs: Date.now(), abandoned: false };
      const applying = store.apply(id, change({ set: { c: "3" } }), context as StoreContext);
      await new Promise((resolve) => setTimeout(resolve, 200)); // the apply waits on the row lock
      context.abandoned = true;
      await held.release();
      await assert.rejects(applying, (e: unknown) => e instanceof WriteAbandonedError && e.code === "SESSIONKIT_ABANDONED");
      assert.deepEqual({ ...(await store.load(id, ctx()))?.data }, { a: "1" }, "neither write landed");
    });

    it("pruneExclusive: two stores on separate connections, one prunes (GET_LOCK) and the other skips; every record removed once", async () => {
      const name = table();
      const [a, b] = [new MysqlStore({ pool, table: name, pruneBatchSize: 20 }), new MysqlStore({ pool, table: name, pruneBatchSize: 20 })];
      await a.migrate();
      await pool.query(`INSERT INTO \`${name}\` (id_hash, data, created_at_ms, expires_at_ms)
        SELECT SHA2(CONCAT(RAND(), seq), 256), '{}', 0, 1 FROM seq_1_to_3000`);
      const live = randomIdHash();
      await a.create(live, record({ a: "1" }), ctx());
      const results = await Promise.all([a.pruneExclusive(Date.now()), new Promise((r) => setTimeout(r, 20)).then(() => b.pruneExclusive(Date.now()))]);
      assert.deepEqual(results, [3000, undefined]);
      assert.equal(await b.pruneExclusive(Date.now()), 0, "the lock was released");
      assert.ok(await a.load(live, ctx()), "the live record stays");
    });

    it("stores bytes: 4-byte characters survive a pool whose connection character set is latin1", async () => {
      const latin1 = mysql.createPool({ host: "127.0.0.1", port: server.port, user: "root", database: "sessionkit_test", connectionLimit: 2, charset: "LATIN1_SWEDISH_CI" });
      try {
        const store = new MysqlStore({ pool: latin1, table: table() });
        const id = randomIdHash();
        const data = { "ключ 😀": '"𝄞 中文 \\u0000"', plain: "1" };
        await store.create(id, record(data, { userId: "ユーザー😀" }), ctx());
        const loaded = await store.load(id, ctx());
        assert.deepEqual({ ...loaded?.data }, data);
        assert.equal(loaded?.userId, "ユーザー😀");
        assert.deepEqual((await store.listForUser("ユーザー😀", ctx())).map((s) => s.idHash), [id]);
      } finally {
        await latin1.end();
      }
    });

    it("user ids that differ only in case or trailing spaces are different users", async () => {
      const store = new MysqlStore({ pool, table: table() });
      const users = ["Ada", "ada", "ada ", "ada  "];
      const ids = users.map(() => randomIdHash());
      for (const [i, user] of users.entries()) await store.create(ids[i]!, record({}, { userId: user }), ctx());
      for (const [i, user] of users.entries()) assert.deepEqual((await store.listForUser(user, ctx())).map((s) => s.idHash), [ids[i]], JSON.stringify(user));
    });

    it("refuses a user id that is not well-formed text instead of altering it, writing nothing", async () => {
      const store = new MysqlStore({ pool, table: table() });
      const id = randomIdHash();
      await assert.rejects(store.create(id, record({}, { userId: "bad\ud800" }), ctx()), (e: unknown) => e instanceof MysqlStoreError && e.code === "SESSIONKIT_UNSTORABLE_TEXT");
      assert.equal(await store.load(id, ctx()), undefined);
    });

    it("a server that is not there is a StoreError saying so by code, with no host, user or password in it", async () => {
      const port = await sparePort();
      const nowhere = mysql.createPool({ host: "127.0.0.1", port, user: "sk_user", password: "s3cret-pw", connectionLimit: 1, connectTimeout: 2_000 });
      try {
        const sessions = createSessions({ secret: testSecret(), store: new MysqlStore({ pool: nowhere }) });
        const error = await sessions.load(`session=${randomIdHash()}`).then(() => undefined, (e: unknown) => e);
        assert.ok(error instanceof StoreError && error.operation === "load", String(error));
        assert.match(error.message, /ECONNREFUSED/);
        for (const secret of ["s3cret-pw", "sk_user", String(port)]) assert.ok(!error.message.includes(secret), `no ${secret} in the message`);
      } finally {
        await nowhere.end();
      }
    });

    it("a connection killed by the server is destroyed, not reused: the next call works and nothing stored is lost", async () => {
      const single = mysql.createPool({ host: "127.0.0.1", port: server.port, user: "root", database: "sessionkit_test", connectionLimit: 1 });
      try {
        const store = new MysqlStore({ pool: single, table: table() });
        const id = randomIdHash();
        await store.create(id, record({ a: "1" }), ctx());
        const [own] = await rows(single, "SELECT CONNECTION_ID() AS id");
        await pool.query(`KILL ${Number(own!.id)}`);
        const outcome = await store.apply(id, change({ set: { b: "2" } }), ctx()).then((r) => r, (e: unknown) => e);
        assert.ok(outcome === "ok" || outcome instanceof Error, String(outcome));
        assert.equal(await store.apply(id, change({ set: { c: "3" } }), ctx()), "ok", "the pool hands out a working connection");
        const data = { ...(await store.load(id, ctx()))?.data };
        assert.equal(data.a, "1");
        assert.equal(data.c, "3");
      } finally {
        await single.end();
      }
    });
  });
}
