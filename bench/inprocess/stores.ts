/**
 * The stores of the in-process benchmark, on node:http: sessionkit's store
 * mode, and a floor that sends the same driver the store's round trips with
 * no session logic (a row's cost "beyond its own round trip" is sessionkit's
 * minus the floor's). Each floor keeps one record of the contract's shape in
 * the store's own table or key space, so indexes and encoding are the same.
 *
 * - memory: no round trip; its floor is bare node:http.
 * - sqlite: read = the store's SELECT; write = SELECT, then a transaction
 *   of SELECT + UPDATE (what `load` + `apply` run).
 * - redis: read = HGETALL; write = HGETALL + HSET (two commands, as
 *   `load` + `apply` are two scripts).
 * - postgres: read = one SELECT; write = SELECT + UPDATE, each one pooled query.
 *   The store wraps each statement in BEGIN + SET LOCAL statement_timeout …
 *   COMMIT (three round trips); `postgres-untimed` is the same store with
 *   `statementTimeoutMs: 0` (one round trip each), so the two rows together
 *   measure what the server-side timeout costs.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createSessions, type SessionManager } from "sessionkit";
import { SECRET, USER, nextCounter } from "../servers/shared.js";
import { nodeInject, type Inject } from "./apps.js";

export const STORES = ["memory", "sqlite", "redis", "postgres", "postgres-untimed"] as const;
export type StoreName = (typeof STORES)[number];

type Manager = SessionManager<{ user?: string; n?: number }>;

/** A store's sessionkit manager, its floor (undefined: bare is the floor) and how to let go of its clients. */
export interface StoreSetup {
  sessions: Manager;
  floor: Inject | undefined;
  close: () => Promise<void>;
}

const cookie = { httpOnly: true, sameSite: "lax" as const, secure: "auto" as const };
const record = (n: number): string => JSON.stringify({ user: USER, n });

/** A node:http floor: `read` and `write` do the store's round trips, then answer as bare does. */
function floorInject(read: () => Promise<unknown> | unknown, write: (n: number) => Promise<unknown> | unknown): Inject {
  return nodeInject((req: IncomingMessage, res: ServerResponse) => {
    res.setHeader("content-type", "text/plain; charset=utf-8");
    const fail = (): void => {
      res.statusCode = 503;
      res.end("store error");
    };
    if (req.url === "/read") Promise.resolve().then(read).then(() => res.end(USER), fail);
    else if (req.url === "/write") {
      const n = nextCounter();
      Promise.resolve().then(() => write(n)).then(() => res.end(String(n)), fail);
    } else res.end("ok");
  });
}

/**
 * Open `store`'s client and build its manager and floor.
 *
 * @example
 * const { sessions, floor, close } = await setupStore("redis");
 * const base = await setupStore("redis", "_base"); // a second one beside it (its own table or key prefix)
 */
export async function setupStore(store: StoreName, suffix = ""): Promise<StoreSetup> {
  const tag = `bench_inproc_${process.pid}${suffix}`;
  if (store === "memory") {
    const { MemoryStore } = await import("sessionkit/stores/memory");
    return { sessions: createSessions({ secret: SECRET, store: new MemoryStore({ maxEntries: 100_000 }), cookie }), floor: undefined, close: async () => {} };
  }
  if (store === "sqlite") {
    const { default: Database } = await import("better-sqlite3");
    const { SqliteStore } = await import("sessionkit/stores/sqlite");
    const dir = mkdtempSync(join(tmpdir(), "sk-inproc-"));
    const db = new Database(join(dir, "sessions.db"));
    const sessions = createSessions<{ user?: string; n?: number }>({ secret: SECRET, store: new SqliteStore({ db }), cookie });
    const t = "sessionkit_sessions";
    db.prepare(`INSERT INTO ${t} (id_hash, data, created_at_ms, expires_at_ms) VALUES ('floor', ?, ?, ?)`).run(record(0), Date.now(), Date.now() + 3_600_000);
    // `*`: the store's own columns, whatever its version (a --baseline tree's table has fewer; naming them failed there).
    // Raw arrays, as the store reads its rows since 2026-12-04 (src/stores/sqlite/statements.ts): the floor is the driver's least cost.
    const select = db.prepare(`SELECT * FROM ${t} WHERE id_hash = ? AND expires_at_ms > ?`).raw(true);
    const update = db.prepare(`UPDATE ${t} SET data = ?, expires_at_ms = ? WHERE id_hash = ?`);
    const tx = db.transaction((n: number) => {
      select.get("floor", Date.now());
      update.run(record(n), Date.now() + 3_600_000, "floor");
    });
    const floor = floorInject(
      () => select.get("floor", Date.now()),
      (n) => {
        select.get("floor", Date.now());
        tx.immediate(n);
      },
    );
    return { sessions, floor, close: async () => void (db.close(), rmSync(dir, { recursive: true, force: true })) };
  }
  if (store === "redis") {
    const { createClient } = await import("redis");
    const { RedisStore } = await import("sessionkit/stores/redis");
    const client = createClient({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" });
    await client.connect();
    const prefix = `${tag}:`;
    const sessions = createSessions<{ user?: string; n?: number }>({ secret: SECRET, store: new RedisStore({ client, prefix: `${prefix}sess:`, userPrefix: `${prefix}user:` }), cookie });
    const key = `${prefix}floor`;
    await client.hSet(key, { "d:user": JSON.stringify(USER), "d:n": "0" });
    await client.expire(key, 3_600);
    const floor = floorInject(
      () => client.hGetAll(key),
      async (n) => {
        await client.hGetAll(key);
        await client.hSet(key, "d:n", String(n));
      },
    );
    const close = async (): Promise<void> => {
      for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) if (keys.length > 0) await client.del(keys);
      await client.quit();
    };
    return { sessions, floor, close };
  }
  const { default: pg } = await import("pg");
  const { PostgresStore } = await import("sessionkit/stores/postgres");
  const pool = new pg.Pool({ connectionString: process.env.PG_URL ?? "postgres://postgres@127.0.0.1:5432/test", max: 4 });
  const pgStore = new PostgresStore({ pool, table: tag, ...(store === "postgres-untimed" ? { statementTimeoutMs: 0 } : {}) });
  await pgStore.migrate();
  const sessions = createSessions<{ user?: string; n?: number }>({ secret: SECRET, store: pgStore, cookie });
  await pool.query(`INSERT INTO ${tag} (id_hash, data, created_at_ms, expires_at_ms) VALUES ('floor', $1::jsonb, $2, $3)`, [record(0), Date.now(), Date.now() + 3_600_000]);
  const selectSql = `SELECT id_hash, data, created_at_ms, expires_at_ms, user_id, frozen, successor, predecessor, readable_until_ms FROM ${tag} WHERE id_hash = $1 AND expires_at_ms > $2`;
  const floor = floorInject(
    () => pool.query(selectSql, ["floor", Date.now()]),
    async (n) => {
      await pool.query(selectSql, ["floor", Date.now()]);
      await pool.query(`UPDATE ${tag} SET data = $2::jsonb, expires_at_ms = $3 WHERE id_hash = $1`, ["floor", record(n), Date.now() + 3_600_000]);
    },
  );
  const close = async (): Promise<void> => {
    await pool.query(`DROP TABLE IF EXISTS ${tag}`);
    await pool.end();
  };
  return { sessions, floor, close };
}
