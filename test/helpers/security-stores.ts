/**
 * The four server-side stores the security and concurrency tests run on,
 * each with its own table or key prefix (so test files run in parallel), a
 * reachability probe for the real services, and cleanup.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { createClient } from "redis";
import type { Store } from "../../src/index.js";
import { MemoryStore } from "../../src/stores/memory.js";
import { SqliteStore } from "../../src/stores/sqlite.js";
import { RedisStore } from "../../src/stores/redis.js";
import { PostgresStore } from "../../src/stores/postgres.js";
import { probeService } from "../../src/testing/index.js";
import { uniqueLabel } from "./security-server.js";

/** One opened store. */
export interface OpenedTestStore {
  store: Store;
  /** How many session records exist (for "no record" assertions). */
  count(): Promise<number>;
  close(): Promise<void>;
}

/** A store kind, with the reason it cannot run here (undefined when it can). */
export interface StoreKind {
  name: "memory" | "sqlite" | "redis" | "postgres";
  skip: string | undefined;
  open(): Promise<OpenedTestStore>;
}

/**
 * The four kinds. Redis and PostgreSQL are probed once; `skip` says why one is unreachable.
 *
 * @example
 * for (const kind of await storeKinds("concurrency")) { if (kind.skip) serviceUnavailable(kind.name, kind.skip); else … }
 */
export async function storeKinds(file: string): Promise<StoreKind[]> {
  const label = uniqueLabel(file);
  const redisProbe = createClient({ url: "redis://127.0.0.1:6379", socket: { reconnectStrategy: false, connectTimeout: 2_000 } });
  redisProbe.on("error", () => {});
  const redisSkip = await probeService("Redis at 127.0.0.1:6379", async () => {
    await redisProbe.connect();
    await redisProbe.ping();
  });
  if (redisProbe.isOpen) redisProbe.destroy();
  const pgSkip = await probeService("PostgreSQL at 127.0.0.1:5432 (database test, user postgres)", async () => {
    const pool = new pg.Pool({ host: "127.0.0.1", port: 5432, user: "postgres", database: "test", max: 1 });
    try {
      await pool.query("SELECT 1");
    } finally {
      await pool.end();
    }
  });
  let n = 0;
  return [
    {
      name: "memory",
      skip: undefined,
      open: async () => {
        const store = new MemoryStore({ maxEntries: 100_000 });
        return { store, count: async () => store.size, close: async () => {} };
      },
    },
    {
      name: "sqlite",
      skip: undefined,
      open: async () => {
        const dir = mkdtempSync(join(tmpdir(), "sk-sec-"));
        const db = new Database(join(dir, "s.db"));
        const store = new SqliteStore({ db, table: "sessions" });
        return {
          store,
          count: async () => (db.prepare("SELECT COUNT(*) AS n FROM sessions").get() as { n: number }).n,
          close: async () => {
            db.close();
            rmSync(dir, { recursive: true, force: true });
          },
        };
      },
    },
    {
      name: "redis",
      skip: redisSkip,
      open: async () => {
        const client = createClient({ url: "redis://127.0.0.1:6379", socket: { connectTimeout: 2_000 } });
        client.on("error", () => {});
        await client.connect();
        const prefix = `${label}:${(n += 1)}:`;
        const store = new RedisStore({ client, prefix: `${prefix}s:`, userPrefix: `${prefix}u:` });
        const keys = async (): Promise<string[]> => {
          const out: string[] = [];
          for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) out.push(...(Array.isArray(batch) ? batch : [batch]));
          return out;
        };
        return {
          store,
          count: async () => (await keys()).filter((k) => k.startsWith(`${prefix}s:`)).length,
          close: async () => {
            const all = await keys();
            if (all.length) await client.del(all);
            client.destroy();
          },
        };
      },
    },
    {
      name: "postgres",
      skip: pgSkip,
      open: async () => {
        const pool = new pg.Pool({ host: "127.0.0.1", port: 5432, user: "postgres", database: "test", max: 10 });
        pool.on("error", () => {});
        const table = `${label}_${(n += 1)}`;
        const store = new PostgresStore({ pool, table });
        await store.migrate();
        return {
          store,
          count: async () => Number((await pool.query(`SELECT COUNT(*) AS n FROM "${table}"`)).rows[0].n),
          close: async () => {
            await pool.query(`DROP TABLE IF EXISTS "${table}"`);
            await pool.end();
          },
        };
      },
    },
  ];
}
