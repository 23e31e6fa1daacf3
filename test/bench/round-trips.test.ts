// Issue #20: count the work a request does against each store, at the
// driver, so the cost of a request is guarded by numbers that cannot drift
// with a loaded machine. Real Redis, SQLite and PostgreSQL; the counting
// wrappers forward every call to the real client.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import pg from "pg";
import { createClient } from "redis";
import { createSessions } from "../../src/index.js";
import { RedisStore } from "../../src/stores/redis.js";
import { SCRIPTS } from "../../src/stores/redis/scripts.js";
import { SqliteStore } from "../../src/stores/sqlite.js";
import { PostgresStore } from "../../src/stores/postgres.js";
import type { Store } from "../../src/core/store.js";
import { countingDatabase, countingPool, redisMonitor } from "./counting-clients.js";

const SECRET = "round-trips-secret-0123456789abcdef-0123456789";
const tag = `sk_rt_${process.pid}_${Date.now().toString(36)}`;

/** A manager on `store` with a clock the test moves, and one logged-in visitor's cookie. */
async function visitor(store: Store): Promise<{ read: () => Promise<void>; write: () => Promise<void>; clock: { nowMs: number } }> {
  const clock = { nowMs: Date.now() };
  const sessions = createSessions<{ user?: string; n?: number }>({ secret: SECRET, store, lifetime: "1h", now: () => clock.nowMs });
  const first = await sessions.load(undefined, { secure: false });
  first.set("user", "alice");
  first.set("n", 0);
  const cookie = (await sessions.commit(first, { status: 200 })).setCookie[0]!.split(";", 1)[0]!;
  let n = 0;
  return {
    clock,
    read: async () => {
      const s = await sessions.load(cookie, { secure: false });
      assert.equal(s.get("user"), "alice");
      await sessions.commit(s, { status: 200 });
    },
    write: async () => {
      const s = await sessions.load(cookie, { secure: false });
      s.set("n", (n += 1));
      await sessions.commit(s, { status: 200 });
    },
  };
}

describe("Redis: commands per request (MONITOR on a dedicated connection, this client's commands only)", async () => {
  const client = createClient({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" });
  await client.connect();
  // A server that has not run a script yet answers its first EVALSHA with NOSCRIPT and the client
  // sends EVAL: once per script, not per request. A fresh CI server has run none, so load them all
  // first; the counts below are the steady state.
  for (const { source } of Object.values(SCRIPTS)) await client.scriptLoad(source);
  const monitor = await redisMonitor(client);
  const prefix = `${tag}:`;
  const v = await visitor(new RedisStore({ client, prefix: `${prefix}sess:`, userPrefix: `${prefix}user:` }));
  await v.write();
  after(async () => {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*` })) if (keys.length > 0) await client.del(keys);
    await monitor.close();
    await client.quit();
  });

  it("a read is one command: EVALSHA of the load script", async () => {
    assert.deepEqual(await monitor.during(v.read), [`evalsha ${SCRIPTS.load.sha1}`]);
  });
  it("a write is the load and one apply script, with the touch folded in", async () => {
    assert.deepEqual(await monitor.during(v.write), [`evalsha ${SCRIPTS.load.sha1}`, `evalsha ${SCRIPTS.apply.sha1}`]);
  });
  it("a write once the touch is due is still the load and one apply script", async () => {
    v.clock.nowMs += 50 * 60_000;
    assert.deepEqual(await monitor.during(v.write), [`evalsha ${SCRIPTS.load.sha1}`, `evalsha ${SCRIPTS.apply.sha1}`]);
  });
  it("a read once the touch is due adds one touch script (lazy: most reads are one command)", async () => {
    v.clock.nowMs += 50 * 60_000;
    assert.deepEqual(await monitor.during(v.read), [`evalsha ${SCRIPTS.load.sha1}`, `evalsha ${SCRIPTS.touch.sha1}`]);
    assert.deepEqual(await monitor.during(v.read), [`evalsha ${SCRIPTS.load.sha1}`]);
  });
});

describe("SQLite: statements and transactions per request (a counting wrapper around the Database)", async () => {
  const { db, counts } = countingDatabase(new Database(":memory:"));
  const v = await visitor(new SqliteStore({ db }));
  after(() => db.close());

  it("a read is one prepared statement and no transaction", async () => {
    counts.reset();
    await v.read();
    assert.deepEqual(counts.snapshot(), { statements: ["get"], transactions: 0, exec: 0 });
  });
  it("a write is the load's statement and one transaction (its SELECT and UPDATE inside)", async () => {
    counts.reset();
    await v.write();
    assert.deepEqual(counts.snapshot(), { statements: ["get", "get", "run"], transactions: 1, exec: 0 });
  });
  it("a write once the touch is due is still one transaction", async () => {
    v.clock.nowMs += 50 * 60_000;
    counts.reset();
    await v.write();
    assert.deepEqual(counts.snapshot(), { statements: ["get", "get", "run"], transactions: 1, exec: 0 });
  });
});

describe("PostgreSQL: round trips per request (a counting wrapper around the pool's clients)", async () => {
  const pool = new pg.Pool({ host: "127.0.0.1", port: 5432, user: "postgres", database: "test", max: 2 });
  const counting = countingPool(pool);
  const table = `${tag}_t`;
  after(async () => {
    await pool.query(`DROP TABLE IF EXISTS "${table}"`);
    await pool.end();
  });

  // The default statementTimeoutMs wraps each statement in BEGIN + SET LOCAL statement_timeout … COMMIT
  // (src/stores/postgres/runner.ts: a server-side limit scoped to the store's own transaction): three
  // round trips per statement. A pool whose connections carry a statement_timeout at most that long
  // (checked once per connection), or statementTimeoutMs: 0, makes a read and a write's own statement
  // one round trip each.
  it("with statementTimeoutMs: 0, a read is one round trip and a write the load's plus one", async () => {
    const store = new PostgresStore({ pool: counting.pool, table, statementTimeoutMs: 0 });
    await store.migrate();
    const v = await visitor(store);
    counting.reset();
    await v.read();
    assert.deepEqual(counting.kinds(), ["SELECT"]);
    counting.reset();
    await v.write();
    assert.deepEqual(counting.kinds(), ["SELECT", "WITH"]);
  });
  it("log out everywhere runs each batch with the JIT compiler off, at REPEATABLE READ, in its own transaction", async () => {
    // At 10M rows the batch's cost estimate turned JIT on, and compiling took over a second per batch.
    // REPEATABLE READ: the batch decides and deletes on one snapshot (issue #14).
    const store = new PostgresStore({ pool: counting.pool, table, statementTimeoutMs: 0, userBatchSize: 2 });
    await store.migrate();
    const sessions = createSessions({ secret: SECRET, store });
    for (let i = 0; i < 3; i++) {
      const s = await sessions.load(undefined, { secure: false });
      await s.login("jit-user");
      await sessions.commit(s, { status: 200 });
    }
    counting.reset();
    assert.equal(await sessions.destroyAllForUser("jit-user"), 3);
    const texts = counting.texts();
    const batches = counting.kinds().filter((k) => k === "WITH").length;
    assert.ok(batches >= 2, `the 3 sessions took ${batches} batches of 2`);
    assert.deepEqual(
      texts.filter((t) => t.startsWith("BEGIN")),
      Array.from({ length: batches }, () => "BEGIN ISOLATION LEVEL REPEATABLE READ; SET LOCAL jit = off"),
      "every batch opens its transaction at REPEATABLE READ with the JIT off",
    );
  });
  it("with the default server-side statement timeout, each statement costs three round trips", async () => {
    const v = await visitor(new PostgresStore({ pool: counting.pool, table }));
    counting.reset();
    await v.read();
    assert.deepEqual(counting.kinds(), ["BEGIN", "SELECT", "COMMIT"]);
    counting.reset();
    await v.write();
    assert.deepEqual(counting.kinds(), ["BEGIN", "SELECT", "COMMIT", "BEGIN", "WITH", "COMMIT"]);
  });
  it("a pool whose connections carry a statement_timeout within the store's needs no transaction: one round trip each", async () => {
    const tight = new pg.Pool({ host: "127.0.0.1", port: 5432, user: "postgres", database: "test", max: 1, statement_timeout: 1500 });
    const loose = new pg.Pool({ host: "127.0.0.1", port: 5432, user: "postgres", database: "test", max: 1, statement_timeout: 60_000 });
    try {
      const c = countingPool(tight);
      const v = await visitor(new PostgresStore({ pool: c.pool, table }));
      c.reset();
      await v.read();
      assert.deepEqual(c.kinds(), ["SELECT"]);
      c.reset();
      await v.write();
      assert.deepEqual(c.kinds(), ["SELECT", "WITH"]);
      // A limit looser than statementTimeoutMs (2000) is not enough: the store scopes its own.
      const l = countingPool(loose);
      const w = await visitor(new PostgresStore({ pool: l.pool, table }));
      l.reset();
      await w.read();
      assert.deepEqual(l.kinds(), ["BEGIN", "SELECT", "COMMIT"]);
    } finally {
      await Promise.all([tight.end(), loose.end()]);
    }
  });
});
