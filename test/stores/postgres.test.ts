import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { PostgresStore, UnstorableTextError, CorruptRecordError, WriteAbandonedError } from "../../src/stores/postgres.js";
import { USER_BATCH_ATTEMPTS, conflictPauseMs } from "../../src/stores/postgres/conflict.js";
import { ConfigError, StoreError } from "../../src/core/errors.js";
import { createSessions } from "../../src/index.js";
import { change, ctx, probeService, randomIdHash, record, serviceUnavailable, testSessionsOnStore, testSecret, testStore, type MakeStore } from "../../src/testing/index.js";

const CONNECTION = { host: "127.0.0.1", port: 5432, user: "postgres", database: "test" };
// One pool for the file: tables are unique per fixture, so parallel files never meet.
const pool = new pg.Pool({ ...CONNECTION, max: 10 });
// Idle clients whose connection dies emit here; the store handles checked-out ones itself.
const poolErrors: string[] = [];
pool.on("error", (err) => poolErrors.push((err as { code?: string }).code ?? err.name));
const prefix = `sk_pg_${process.pid}_${Date.now().toString(36)}`;
let counter = 0;
const tables: string[] = [];
const skip = await probeService("PostgreSQL at 127.0.0.1:5432 (database test, user postgres)", async () => {
  await pool.query("SELECT 1");
});
after(async () => {
  if (skip === undefined) for (const t of tables) await pool.query(`DROP TABLE IF EXISTS "${t}"`);
  await pool.end();
});

function newTable(): string {
  const table = `${prefix}_${(counter += 1)}`;
  tables.push(table);
  return table;
}

const fixture: MakeStore = async () => {
  const table = newTable();
  return {
    store: new PostgresStore({ pool, table, userBatchSize: 4 }),
    userBatchSize: 4,
    cleanup: async () => void (await pool.query(`DROP TABLE IF EXISTS "${table}"`)),
    // Every row as text, one a line: what a dump of the table would show. An
    // absent table (before the first migration) and an empty one both hold nothing.
    dump: async () => {
      const { rows } = await pool.query("SELECT to_regclass($1) IS NOT NULL AS present", [table]);
      if (!rows[0].present) return "";
      return (await pool.query(`SELECT * FROM "${table}" ORDER BY id_hash`)).rows.map((r) => JSON.stringify(r)).join("\n");
    },
  };
};

testStore("postgres", fixture, { skip, heavy: true });
// Not the heavy variant: 1,000 requests serialized on one row cannot all finish
// inside core's default 2 s storeTimeoutMs on a loaded 2-core runner; the
// store-level heavy variant above checks the same 1,000 writers without a deadline.
testSessionsOnStore("postgres", fixture, { skip });

describe("the pause after a serialization conflict", () => {
  it("is random below a cap that doubles from 2 ms to 20 ms, so all tries of one batch pause 0.33 s at most", () => {
    const caps = Array.from({ length: USER_BATCH_ATTEMPTS - 1 }, (_, i) => conflictPauseMs(i + 1, () => 1));
    assert.deepEqual(caps.slice(0, 6), [2, 4, 8, 16, 20, 20]);
    assert.equal(caps.reduce((a, b) => a + b), 330);
    assert.equal(conflictPauseMs(3, () => 0), 0);
    assert.equal(conflictPauseMs(3, () => 0.5), 4, "the random draw scales the cap: no fixed step that colliding callers share");
  });
});

if (skip !== undefined) {
  serviceUnavailable("PostgresStore specifics", skip);
} else {
  describe("PostgresStore specifics", () => {
    it("drops a write whose caller gave up while it waited for a pooled connection (ctx.abandoned)", async () => {
      const small = new pg.Pool({ ...CONNECTION, max: 1 });
      small.on("error", () => {});
      try {
        const store = new PostgresStore({ pool: small, table: newTable() });
        const id = randomIdHash();
        await store.create(id, record({ a: "1" }), ctx());
        const held = await small.connect(); // the pool's only connection is busy
        const waiting = { nowMs: Date.now(), abandoned: false };
        const write = store.apply(id, change({ set: { late: "1" } }), waiting);
        await new Promise((r) => setTimeout(r, 20));
        waiting.abandoned = true; // core's deadline passes while the write waits for a connection
        held.release();
        await assert.rejects(write, (e: unknown) => e instanceof WriteAbandonedError && e.code === "SESSIONKIT_ABANDONED");
        assert.deepEqual({ ...(await store.load(id, ctx()))?.data }, { a: "1" }, "nothing of the dropped write landed");
        assert.equal(await store.apply(id, change({ set: { b: "2" } }), ctx()), "ok", "the connection went back to the pool");
      } finally {
        await small.end();
      }
    });

    it("migrate adds the link columns to a table made before rotate existed, keeping its sessions", async () => {
      const table = newTable();
      await pool.query(`CREATE TABLE "${table}" (id_hash text PRIMARY KEY, data jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at_ms bigint NOT NULL, expires_at_ms bigint NOT NULL, user_id text, frozen boolean NOT NULL DEFAULT false)`);
      const [id, next] = [randomIdHash(), randomIdHash()];
      const nowMs = Date.now();
      await pool.query(`INSERT INTO "${table}" VALUES ($1, '{"a":"1"}', $2, $3, 'u', false)`, [id, nowMs, nowMs + 60_000]);
      const store = new PostgresStore({ pool, table });
      assert.equal(await store.rotate(id, next, change({ set: { b: "2" } }), nowMs + 10_000, ctx(nowMs)), "ok");
      assert.deepEqual({ ...(await store.load(next, ctx(nowMs)))?.data }, { a: "1", b: "2" });
      assert.equal((await store.load(id, ctx(nowMs)))?.successor, next);
    });

    it("migrates idempotently, from several stores at once, to the documented schema", async () => {
      const table = newTable();
      const stores = Array.from({ length: 4 }, () => new PostgresStore({ pool, table, autoMigrate: false }));
      await Promise.all(stores.map((s) => s.migrate()));
      await stores[0]!.migrate();
      const { rows: cols } = await pool.query(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position",
        [table],
      );
      assert.deepEqual(
        cols.map((c) => `${c.column_name}:${c.data_type}`),
        ["id_hash:text", "data:jsonb", "created_at_ms:bigint", "expires_at_ms:bigint", "user_id:text", "frozen:boolean", "successor:text", "predecessor:text", "readable_until_ms:bigint"],
      );
      const { rows: idx } = await pool.query("SELECT indexdef FROM pg_indexes WHERE tablename = $1 ORDER BY indexname", [table]);
      const defs = idx.map((r) => String(r.indexdef));
      assert.equal(defs.length, 3);
      assert.ok(defs.some((d) => d.includes("(expires_at_ms)")));
      assert.ok(defs.some((d) => d.includes("(user_id)") && d.includes("WHERE (user_id IS NOT NULL)")));
    });

    it("with autoMigrate off, fails loudly on a missing table instead of creating it", async () => {
      const table = newTable();
      const store = new PostgresStore({ pool, table, autoMigrate: false });
      await assert.rejects(store.load(randomIdHash(), ctx()), (e: unknown) => (e as { code?: string }).code === "42P01");
      const { rowCount } = await pool.query("SELECT 1 FROM pg_tables WHERE tablename = $1", [table]);
      assert.equal(rowCount, 0);
    });

    it("uses the schema option", async () => {
      const schema = `${prefix}_schema`;
      await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      try {
        const store = new PostgresStore({ pool, schema, table: "sessions" });
        const id = randomIdHash();
        await store.create(id, record({ a: "1" }), ctx());
        const { rows } = await pool.query(`SELECT id_hash FROM "${schema}".sessions`);
        assert.deepEqual(rows, [{ id_hash: id }]);
      } finally {
        await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
      }
    });

    it("refuses table and schema names that are not plain identifiers, without touching the pool", () => {
      let connects = 0;
      const counting = { connect: () => ((connects += 1), pool.connect()) };
      for (const table of ['x"; DROP TABLE y; --', "1abc", "", "a-b", "a".repeat(49)]) {
        assert.throws(() => new PostgresStore({ pool: counting, table }), (e: unknown) => e instanceof ConfigError && e.option === "table");
      }
      assert.throws(() => new PostgresStore({ pool: counting, schema: "a.b" }), (e: unknown) => e instanceof ConfigError && e.option === "schema");
      assert.throws(() => new PostgresStore({ pool: counting, statementTimeoutMs: -1 }), ConfigError);
      new PostgresStore({ pool: counting, table: newTable() });
      assert.equal(connects, 0, "constructing a store opens no connection");
    });

    it("escapes U+0000 so psql shows ordinary data as is, and refuses lone surrogates", async () => {
      const table = newTable();
      const store = new PostgresStore({ pool, table });
      const id = randomIdHash();
      await store.create(id, record([["plain", '"alice"'], ["n\u0000ul", "v\u0000"], ["\u0001lead", "\u0001\u0001x"]], { userId: "u\u0000" }), ctx());
      const { rows } = await pool.query(`SELECT data, user_id FROM "${table}"`);
      assert.equal(rows[0].data.plain, '"alice"', "ordinary values are stored verbatim");
      assert.equal(rows[0].data["\u0001n\u00010ul"], "\u0001v\u00010");
      const loaded = await store.load(id, ctx());
      assert.deepEqual({ ...loaded?.data }, { plain: '"alice"', "n\u0000ul": "v\u0000", "\u0001lead": "\u0001\u0001x" });
      assert.equal(loaded?.userId, "u\u0000");
      assert.deepEqual((await store.listForUser("u\u0000", ctx())).map((s) => s.idHash), [id]);
      assert.equal(await store.apply(id, change({ delete: ["n\u0000ul"] }), ctx()), "ok");
      assert.deepEqual(Object.keys((await store.load(id, ctx()))!.data).sort(), ["\u0001lead", "plain"]);
      for (const bad of [change({ set: { "\ud800": "1" } }), change({ set: { a: "\udc00x" } }), change({ delete: ["\ud800"] }), change({ userId: "\ud83d" })]) {
        await assert.rejects(store.apply(id, bad, ctx()), (e: unknown) => e instanceof UnstorableTextError && e.code === "SESSIONKIT_UNSTORABLE_TEXT");
      }
    });

    it("refuses a hand-edited row whose data is not an object of strings", async () => {
      const table = newTable();
      const store = new PostgresStore({ pool, table });
      const id = randomIdHash();
      await store.create(id, record({ a: "1" }), ctx());
      await pool.query(`UPDATE "${table}" SET data = '{"a": {"nested": true}}'::jsonb`);
      await assert.rejects(store.load(id, ctx()), (e: unknown) => e instanceof CorruptRecordError);
      await pool.query(`UPDATE "${table}" SET data = '[1]'::jsonb`);
      await assert.rejects(store.load(id, ctx()), (e: unknown) => e instanceof CorruptRecordError);
    });

    // Issue #14, as on Redis (d871496): a "log out everywhere" whose statement began while a rotate of
    // the user's session to bob was between its statement and its COMMIT. The logout's batch waits for
    // the old row's lock and then sees the row as the rotate left it (frozen, linked to the new id), but
    // under READ COMMITTED the rest of its statement reads the snapshot taken before that COMMIT, where
    // the new row is not: it did not see the session was bob's, and deleted the old id.
    it("destroyForUser whose batch waited for a rotate to another user leaves that session whole: the old id stays, read-only (issue #14)", async () => {
      const table = newTable();
      const plain = new PostgresStore({ pool, table });
      await plain.migrate();
      const nowMs = Date.now();
      const [oldId, newId] = [randomIdHash(), randomIdHash()];
      assert.equal(await plain.create(oldId, record({ a: "1" }, { userId: "alice", nowMs }), ctx(nowMs)), true);
      let release = () => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      let reached = () => {};
      const atCommit = new Promise<void>((resolve) => (reached = resolve));
      // A pool whose clients hold the COMMIT after a rotate statement until released.
      const holding = {
        connect: async () => {
          const client = await pool.connect();
          let last = "";
          return {
            query: async (text: string, values?: unknown[]) => {
              if (text === "COMMIT" && last.includes(" ins AS (")) {
                reached();
                await held;
              }
              last = text;
              return client.query(text, values);
            },
            release: (destroy?: boolean | Error) => client.release(destroy),
            on: (event: "error", listener: (err: Error) => void) => client.on(event, listener),
            removeListener: (event: "error", listener: (err: Error) => void) => client.removeListener(event, listener),
          };
        },
      };
      const rotating = new PostgresStore({ pool: holding, table, autoMigrate: false, statementTimeoutMs: 20_000 });
      const rotated = rotating.rotate(oldId, newId, change({ userId: "bob" }), nowMs + 60_000, ctx(nowMs));
      await atCommit;
      const ended = plain.destroyForUser("alice", undefined, ctx(nowMs));
      // Until the logout's statement waits for the lock the uncommitted rotate holds.
      for (let i = 0; ; i += 1) {
        const { rows } = await pool.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND position($1 in query) > 0 AND position('spared(id)' in query) > 0",
          [table],
        );
        if (rows[0].n > 0) break;
        assert.ok(i < 1_000, "the logout's statement never waited for the rotate's lock");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      release();
      assert.equal(await rotated, "ok");
      assert.equal(await ended, 0, "the session was bob's when the logout decided");
      const old = await plain.load(oldId, ctx(nowMs));
      assert.equal(old?.frozen, true, "the old id is still there, frozen");
      assert.equal(old?.successor, newId);
      assert.equal((await plain.load(newId, ctx(nowMs)))?.userId, "bob");
    });

    describe("destroyForUser's batch against a concurrent commit (40001)", () => {
      /**
       * A pool whose destroyForUser batches each lose to a concurrent change when `conflict(attempt)`:
       * inside the batch's transaction a first read takes its snapshot (and records the isolation
       * level and JIT setting in force), then another connection changes the user's rows and commits,
       * so the batch's `FOR UPDATE` on them fails with 40001 — on the real server, every time.
       */
      function conflictingPool(table: string, userId: string, conflict: (attempt: number) => boolean) {
        const seen = { attempts: 0, settings: [] as string[] };
        const wrapped = {
          connect: async () => {
            const client = await pool.connect();
            return {
              query: async (text: string, values?: unknown[]) => {
                if (text.includes("walk(start, cur, hops)")) {
                  seen.attempts += 1;
                  const { rows } = await client.query("SELECT current_setting('transaction_isolation') AS iso, current_setting('jit') AS jit");
                  seen.settings.push(`${rows[0].iso}, jit ${rows[0].jit}`);
                  if (conflict(seen.attempts)) await pool.query(`UPDATE "${table}" SET data = data WHERE user_id = $1`, [userId]);
                }
                return client.query(text, values);
              },
              release: (destroy?: boolean | Error) => client.release(destroy),
              on: (event: "error", listener: (err: Error) => void) => client.on(event, listener),
              removeListener: (event: "error", listener: (err: Error) => void) => client.removeListener(event, listener),
            };
          },
        };
        return { wrapped, seen };
      }

      async function twoSessions(table: string, userId: string, nowMs: number): Promise<string[]> {
        const plain = new PostgresStore({ pool, table });
        const ids = [randomIdHash(), randomIdHash()];
        for (const id of ids) assert.equal(await plain.create(id, record({ a: "1" }, { userId, nowMs }), ctx(nowMs)), true);
        return ids;
      }

      it("runs the batch again after a serialization conflict, at REPEATABLE READ with JIT off each time", async () => {
        const table = newTable();
        const nowMs = Date.now();
        const ids = await twoSessions(table, "alice", nowMs);
        const { wrapped, seen } = conflictingPool(table, "alice", (attempt) => attempt <= 3);
        const store = new PostgresStore({ pool: wrapped, table, autoMigrate: false });
        assert.equal(await store.destroyForUser("alice", undefined, ctx(nowMs)), 2);
        // A batch that found rows is followed by one more, which finds none and ends the walk.
        assert.equal(seen.attempts, 5, "three conflicts, the batch that went through, the empty last one");
        assert.deepEqual(seen.settings, Array(5).fill("repeatable read, jit off"));
        for (const id of ids) assert.equal(await store.load(id, ctx(nowMs)), undefined);
      });

      it("stops retrying once core has given up on the call (ctx.abandoned): WriteAbandonedError, nothing deleted", async () => {
        const table = newTable();
        const nowMs = Date.now();
        const ids = await twoSessions(table, "alice", nowMs);
        const call = { nowMs, abandoned: false };
        const { wrapped, seen } = conflictingPool(table, "alice", (attempt) => {
          if (attempt === 3) call.abandoned = true; // core's deadline passes during the third try
          return true;
        });
        const store = new PostgresStore({ pool: wrapped, table, autoMigrate: false });
        await assert.rejects(store.destroyForUser("alice", undefined, call), (e: unknown) => e instanceof WriteAbandonedError && e.code === "SESSIONKIT_ABANDONED");
        assert.equal(seen.attempts, 3, "no try after core gave up (20 are allowed otherwise)");
        for (const id of ids) assert.equal((await store.load(id, ctx(nowMs)))?.userId, "alice", "the failed batches deleted nothing");
      });
    });

    describe("faults", () => {
      let blocker: pg.Client;
      before(async () => {
        blocker = new pg.Client(CONNECTION);
        await blocker.connect();
      });
      after(() => blocker.end());

      it("a statement stuck on a row lock ends with statement_timeout (57014), then the next call succeeds", async () => {
        const table = newTable();
        const store = new PostgresStore({ pool, table, statementTimeoutMs: 300 });
        const id = randomIdHash();
        await store.create(id, record({ a: "1" }), ctx());
        await blocker.query("BEGIN");
        await blocker.query(`SELECT 1 FROM "${table}" WHERE id_hash = $1 FOR UPDATE`, [id]);
        const t0 = Date.now();
        try {
          await assert.rejects(store.apply(id, change({ set: { b: "2" } }), ctx()), (e: unknown) => (e as { code?: string }).code === "57014");
          const elapsed = Date.now() - t0;
          // The lock is held until the ROLLBACK below: an end well before that is the 300 ms statement_timeout.
          assert.ok(elapsed >= 250 && elapsed < 10_000, `timed out after ${elapsed} ms`);
        } finally {
          await blocker.query("ROLLBACK");
        }
        assert.equal(await store.apply(id, change({ set: { b: "2" } }), ctx()), "ok");
        assert.deepEqual({ ...(await store.load(id, ctx()))?.data }, { a: "1", b: "2" }, "the timed-out change was rolled back, not half-applied");
        // The SET LOCAL did not leak into the pooled connection: a plain query sees the server default.
        const clients = await Promise.all(Array.from({ length: 3 }, () => pool.connect()));
        try {
          for (const c of clients) assert.equal((await c.query("SHOW statement_timeout")).rows[0].statement_timeout, "0");
        } finally {
          for (const c of clients) c.release();
        }
      });

      it("a pool whose connections carry a tighter statement_timeout: the store leans on it, and a stuck statement still ends (57014)", async () => {
        const table = newTable();
        const tight = new pg.Pool({ host: "127.0.0.1", port: 5432, user: "postgres", database: "test", max: 1, statement_timeout: 300 });
        // The store's own 30 s is far from the pool's 300 ms, so a loaded machine cannot blur which one ended it.
        const store = new PostgresStore({ pool: tight, table, statementTimeoutMs: 30_000 });
        const id = randomIdHash();
        try {
          await store.create(id, record({ a: "1" }), ctx());
          await blocker.query("BEGIN");
          await blocker.query(`SELECT 1 FROM "${table}" WHERE id_hash = $1 FOR UPDATE`, [id]);
          const t0 = Date.now();
          try {
            await assert.rejects(store.apply(id, change({ set: { b: "2" } }), ctx()), (e: unknown) => (e as { code?: string }).code === "57014");
            const elapsed = Date.now() - t0;
            assert.ok(elapsed >= 250 && elapsed < 15_000, `timed out after ${elapsed} ms (the pool's 300 ms, not the store's 30000)`);
          } finally {
            await blocker.query("ROLLBACK");
          }
          assert.equal(await store.apply(id, change({ set: { b: "2" } }), ctx()), "ok");
          assert.deepEqual({ ...(await store.load(id, ctx()))?.data }, { a: "1", b: "2" });
        } finally {
          await tight.end();
        }
      });

      it("a connection killed mid-query with pg_terminate_backend gives an error, not a hang or a crash; the next call works", async () => {
        const table = newTable();
        const store = new PostgresStore({ pool, table, statementTimeoutMs: 10_000 });
        const id = randomIdHash();
        await store.create(id, record({ a: "1" }), ctx());
        const uncaught: unknown[] = [];
        const onUncaught = (e: unknown): void => void uncaught.push(e);
        process.on("uncaughtException", onUncaught);
        await blocker.query("BEGIN");
        await blocker.query(`SELECT 1 FROM "${table}" WHERE id_hash = $1 FOR UPDATE`, [id]);
        try {
          const pending = store.apply(id, change({ set: { b: "2" } }), ctx());
          const outcome = pending.then(
            () => "resolved",
            (e: unknown) => (e instanceof Error ? e : new Error("non-error")),
          );
          // Wait (bounded by time, not tries: the runner may be loaded) until the apply is on the server.
          let victim: number | undefined;
          const deadline = Date.now() + 15_000;
          while (victim === undefined && Date.now() < deadline) {
            // Inside the blocker's transaction, pg_stat_activity is a snapshot taken at the first
            // look (stats_fetch_consistency = cache): clear it, or a first look made before the
            // apply arrived would hide it for good.
            await blocker.query("SELECT pg_stat_clear_snapshot()");
            const { rows } = await blocker.query(
              "SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1 AND query LIKE '%FOR UPDATE%' AND pid <> pg_backend_pid()",
              [`%${table}%`],
            );
            victim = rows[0]?.pid;
            if (victim === undefined) await new Promise((r) => setTimeout(r, 20));
          }
          assert.ok(victim, "the apply reached the server");
          await blocker.query("SELECT pg_terminate_backend($1)", [victim]);
          const t0 = Date.now();
          const result = await outcome;
          assert.ok(result instanceof Error, "the killed query rejects");
          assert.ok(Date.now() - t0 < 2_000, "and promptly");
        } finally {
          await blocker.query("ROLLBACK");
        }
        await new Promise((r) => setTimeout(r, 50));
        process.off("uncaughtException", onUncaught);
        assert.deepEqual(uncaught, []);
        assert.equal(await store.apply(id, change({ set: { c: "3" } }), ctx()), "ok");
        assert.deepEqual({ ...(await store.load(id, ctx()))?.data }, { a: "1", c: "3" });
        // The dead client was destroyed, not returned: every pooled client still works.
        await Promise.all(Array.from({ length: 12 }, () => store.load(id, ctx())));
      });

      it("through createSessions, a pool with its only client stuck gives StoreError within the deadline (requirement 64)", async () => {
        const table = newTable();
        const tiny = new pg.Pool({ ...CONNECTION, max: 1 });
        tiny.on("error", () => undefined);
        const store = new PostgresStore({ pool: tiny, table });
        await store.migrate();
        const sessions = createSessions({ secret: testSecret(), store, storeTimeoutMs: 300 });
        // Stuck for 60 s (cancelled below): only the 300 ms deadline can end the commit, loaded machine or not.
        const marker = `sk_stuck_${process.pid}_${Date.now()}`;
        const stuck = tiny.query(`SELECT pg_sleep(60) AS ${marker}`).catch((error: unknown) => error);
        try {
          const t0 = Date.now();
          const session = await sessions.load(undefined, { secure: false });
          session.set("a", 1);
          await assert.rejects(sessions.commit(session, { status: 200 }), (e: unknown) => e instanceof StoreError && e.timedOut && e.storeName === "postgres");
          const elapsed = Date.now() - t0;
          assert.ok(elapsed < 30_000, `StoreError after ${elapsed} ms`);
        } finally {
          // Cancel it once it is on the server (it may still be on its way there on a loaded machine).
          for (let tries = 0; tries < 300; tries += 1) {
            const { rowCount } = await pool.query("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()", [`%AS ${marker}%`]);
            if (rowCount) break;
            await new Promise((r) => setTimeout(r, 100));
          }
          await stuck;
          await tiny.end();
        }
      });
    });
  });
}
