/**
 * The SQL of the D1 store, and the shape of the D1 client it needs. D1 has
 * no interactive transaction: every write that must be atomic is one
 * statement, or one `batch` (D1 runs a batch as one transaction), so each
 * read-modify-write is done inside SQLite (`json_patch`, `INSERT … SELECT`,
 * a recursive CTE for the links) rather than read into JavaScript and
 * written back.
 */
import { quotedTable, sessionsTableDdl, SQL_COLUMNS } from "../shared/sql-row.js";

/**
 * One prepared statement, as Cloudflare's `D1PreparedStatement` has it (the
 * part the store uses). Any client with this shape works.
 *
 * @example
 * const row = await db.prepare("SELECT 1 AS one").first<{ one: number }>();
 */
export interface D1StatementLike {
  bind(...values: unknown[]): D1StatementLike;
  first<T = Record<string, unknown>>(): Promise<T | null>;
  run(): Promise<D1ResultLike>;
  all<T = Record<string, unknown>>(): Promise<{ results: T[] }>;
}

/**
 * What D1 answers a write with: `meta.changes`, the rows it changed.
 *
 * @example
 * const { meta } = await db.prepare("DELETE FROM t").run(); meta.changes;
 */
export interface D1ResultLike {
  meta: { changes: number };
  /** The rows a SELECT in a batch read. */
  results?: unknown[];
}

/**
 * A D1 database binding (`env.DB` in a Worker, `mf.getD1Database("DB")` from
 * Miniflare): `prepare` and `batch` are all the store calls.
 *
 * @example
 * const store = new D1Store({ db: env.DB });
 */
export interface D1DatabaseLike {
  prepare(query: string): D1StatementLike;
  batch(statements: D1StatementLike[]): Promise<D1ResultLike[]>;
}

export type { SqlRow as Row } from "../shared/sql-row.js";

const COLS = SQL_COLUMNS;

/**
 * Every statement's text for one table. Numbered parameters (`?1`) so a
 * value used twice is bound once.
 *
 * @example
 * const sql = d1Sql("sessionkit_sessions");
 * await db.prepare(sql.select).bind(idHash, nowMs).first();
 */
export function d1Sql(table: string) {
  const t = quotedTable(table);
  const locks = `"${table}_locks"`;
  // The data after a change-set: ?clear empties it, then the merge patch ?patch
  // (RFC 7396: a key set to null is removed, a string is written) applies the
  // deletes and sets. Values are always strings, so the patch never nests.
  const changed = (clear: string, patch: string) => `json_patch(CASE WHEN ${clear} THEN '{}' ELSE data END, ${patch})`;
  // Every id linked to ?1 by successor/predecessor, transitively, never crossing ?2.
  const linked = (seed: string) => `WITH RECURSIVE linked(id) AS (
      ${seed}
      UNION SELECT s.successor FROM ${t} s JOIN linked ON s.id_hash = linked.id WHERE s.successor IS NOT NULL AND s.successor IS NOT ?2
      UNION SELECT s.predecessor FROM ${t} s JOIN linked ON s.id_hash = linked.id WHERE s.predecessor IS NOT NULL AND s.predecessor IS NOT ?2
    )`;
  return {
    schema: [
      ...sessionsTableDdl(table),
      `CREATE TABLE IF NOT EXISTS ${locks} (name TEXT PRIMARY KEY NOT NULL, holder TEXT NOT NULL, until_ms INTEGER NOT NULL)`,
    ],
    select: `SELECT ${COLS} FROM ${t} WHERE id_hash = ?1 AND expires_at_ms > ?2`,
    /** An expired row under the id is gone for every reader: it must not block a create. */
    deleteExpiredId: `DELETE FROM ${t} WHERE id_hash = ?1 AND expires_at_ms <= ?2`,
    insert: `INSERT OR IGNORE INTO ${t} (${COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, NULL, ?7)`,
    /** ?1 id, ?2 now, ?3 clear, ?4 patch, ?5 expiresAtMs or NULL, ?6 whether ?7 replaces user_id. */
    apply: `UPDATE ${t} SET data = ${changed("?3", "?4")}, expires_at_ms = COALESCE(?5, expires_at_ms),
      user_id = CASE WHEN ?6 THEN ?7 ELSE user_id END
      WHERE id_hash = ?1 AND expires_at_ms > ?2 AND frozen = 0`,
    /** Whether a live row exists and is frozen (to say why an apply changed nothing). */
    state: `SELECT frozen FROM ${t} WHERE id_hash = ?1 AND expires_at_ms > ?2`,
    touch: `UPDATE ${t} SET expires_at_ms = ?3 WHERE id_hash = ?1 AND expires_at_ms > ?2 AND frozen = 0`,
    /**
     * Rotate, first half: the new row from the live, unfrozen old one. ?1 old, ?2 now, ?3 clear,
     * ?4 patch, ?5 expiresAtMs, ?6/?7 user, ?8 new id, ?9 createdAtMs or NULL.
     */
    rotateInsert: `INSERT INTO ${t} (${COLS})
      SELECT ?8, ${changed("?3", "?4")}, COALESCE(?9, created_at_ms), COALESCE(?5, expires_at_ms),
        CASE WHEN ?6 THEN ?7 ELSE user_id END, 0, NULL, ?1, NULL
      FROM ${t} WHERE id_hash = ?1 AND expires_at_ms > ?2 AND frozen = 0`,
    /**
     * Rotate, second half, in the same batch: freeze the old row only if the insert above
     * happened (the new row names it as predecessor). It leaves the user index, and is kept
     * until the latest of its expiry, the grace window and the new row's expiry, as the link a
     * logout follows.
     */
    rotateFreeze: `UPDATE ${t} SET frozen = 1, readable_until_ms = ?3,
        expires_at_ms = MAX(expires_at_ms, ?3, (SELECT n.expires_at_ms FROM ${t} n WHERE n.id_hash = ?2)), successor = ?2, user_id = NULL
      WHERE id_hash = ?1 AND frozen = 0 AND EXISTS (SELECT 1 FROM ${t} WHERE id_hash = ?2 AND predecessor = ?1)`,
    /** ?1 id, ?2 the id never crossed (or NULL). Expired linked rows go too: a dead link costs nothing. */
    destroyLinked: `${linked("SELECT ?1")} DELETE FROM ${t} WHERE id_hash IN (SELECT id FROM linked)`,
    /** One batch of a user's rows (?1 user, ?2 except, ?3 limit), expired ones included, in a stable order. */
    userBatch: `SELECT id_hash, expires_at_ms, frozen FROM ${t} WHERE user_id = ?1 AND id_hash IS NOT ?2 ORDER BY id_hash LIMIT ?3`,
    /** The same batch, deleted with everything linked to it, never crossing ?2. */
    destroyUserBatch: `${linked(`SELECT id_hash FROM (SELECT id_hash FROM ${t} WHERE user_id = ?1 AND id_hash IS NOT ?2 ORDER BY id_hash LIMIT ?3)`)}
      DELETE FROM ${t} WHERE id_hash IN (SELECT id FROM linked)`,
    listForUser: `SELECT ${COLS} FROM ${t} WHERE user_id = ?1 AND expires_at_ms > ?2 AND frozen = 0 ORDER BY created_at_ms, id_hash`,
    /** Live sessions only (?1 now, ?2 limit, -1 for none): a frozen record is an old id of a listed session. */
    list: `SELECT ${COLS} FROM ${t} WHERE expires_at_ms > ?1 AND frozen = 0 ORDER BY created_at_ms LIMIT ?2`,
    listUser: `SELECT ${COLS} FROM ${t} WHERE user_id = ?3 AND expires_at_ms > ?1 AND frozen = 0 ORDER BY created_at_ms LIMIT ?2`,
    prune: `DELETE FROM ${t} WHERE id_hash IN (SELECT id_hash FROM ${t} WHERE expires_at_ms <= ?1 ORDER BY expires_at_ms LIMIT ?2)`,
    /** Take the prune lease (?1 token, ?2 now, ?3 until) unless a lease that has not run out holds it. */
    takeLock: `INSERT INTO ${locks} (name, holder, until_ms) VALUES ('prune', ?1, ?3)
      ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until_ms = excluded.until_ms WHERE ${locks}.until_ms <= ?2`,
    releaseLock: `DELETE FROM ${locks} WHERE name = 'prune' AND holder = ?1`,
  };
}

/** The statements of {@link d1Sql}. */
export type D1Sql = ReturnType<typeof d1Sql>;
