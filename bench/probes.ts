/**
 * Store probes for the sanity check: they read a server's store from the
 * outside (Redis keys with their TTLs, every SQLite row) or, for stores that
 * live in the server's memory, through its `GET /__store` route.
 */
import { createHash } from "node:crypto";
import type { StoreProbe, StoreSnapshot } from "./sanity.js";

/** Values are compared, never printed: keep a digest so snapshots stay small. */
function digest(value: string | Buffer): string {
  return createHash("sha256").update(value).digest("base64url");
}

/** The part of a node-redis v5 client the Redis probe uses. */
export interface RedisLike {
  scanIterator(options: { MATCH: string; COUNT: number }): AsyncIterable<string[] | string>;
  sendCommand(args: string[]): Promise<unknown>;
}

/**
 * Every key under `prefix` with a digest of its DUMP and its PTTL, so that a
 * TTL refresh (a touch) shows as a write too.
 *
 * @example
 * const probe = redisProbe(client, "bench:sk-node-redis:");
 */
export function redisProbe(client: RedisLike, prefix: string, maxKeys = 100_000): StoreProbe {
  return {
    name: "redis",
    async snapshot(): Promise<StoreSnapshot> {
      const entries = new Map<string, string>();
      const ttlMs = new Map<string, number>();
      for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
        for (const key of Array.isArray(batch) ? batch : [batch]) {
          if (entries.size >= maxKeys) throw new RangeError(`more than ${maxKeys} keys under the probe's prefix`);
          const [dump, pttl] = await Promise.all([client.sendCommand(["DUMP", key]), client.sendCommand(["PTTL", key])]);
          entries.set(key, digest(String(dump)));
          ttlMs.set(key, Number(pttl));
        }
      }
      return { entries, ttlMs };
    },
  };
}

/** The part of a better-sqlite3 database the SQLite probe uses. */
export interface SqliteLike {
  prepare(sql: string): { all(): unknown[] };
  close(): unknown;
}

/**
 * Every row of every table in the database file (opened read-only beside the
 * server's own connection), keyed by table and first column.
 *
 * @example
 * const probe = sqliteProbe(new Database(file, { readonly: true }));
 */
export function sqliteProbe(db: SqliteLike): StoreProbe {
  return {
    name: "sqlite",
    async snapshot(): Promise<StoreSnapshot> {
      const entries = new Map<string, string>();
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[];
      for (const { name } of tables) {
        const quoted = `"${name.replaceAll('"', '""')}"`;
        // Keyed by table and first column (the key in every schema we probe), valued by the whole row.
        for (const row of db.prepare(`SELECT * FROM ${quoted}`).all()) {
          const first = JSON.stringify(Object.values(row as object)[0] ?? null);
          entries.set(`${name}:${digest(first)}`, digest(JSON.stringify(row)));
        }
      }
      return { entries };
    },
    async close(): Promise<void> {
      db.close();
    },
  };
}

/**
 * The store of a server that keeps it in memory, through its `GET /__store`
 * route (a JSON object: record key → record).
 *
 * @example
 * const probe = endpointProbe("http://127.0.0.1:3000", "memory");
 */
export function endpointProbe(baseUrl: string, name: string): StoreProbe {
  return {
    name,
    async snapshot(): Promise<StoreSnapshot> {
      const res = await fetch(`${baseUrl}/__store`, { signal: AbortSignal.timeout(5_000) });
      if (!res.ok) throw new Error(`GET /__store answered ${res.status}`);
      const all = (await res.json()) as Record<string, unknown>;
      return { entries: new Map(Object.entries(all).map(([k, v]) => [k, digest(JSON.stringify(v))])) };
    },
  };
}
