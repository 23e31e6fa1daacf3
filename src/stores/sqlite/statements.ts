/**
 * The SQL of the SQLite store, prepared once per store. Kept apart from the
 * store's logic so the schema can be read (and migrated) in one place.
 */
import type BetterSqlite3 from "better-sqlite3";
import { ConfigError } from "../../core/errors.js";

/**
 * One row of the sessions table, as better-sqlite3 returns it.
 *
 * @example
 * const row = statements.select.get(idHash, Date.now()) as Row | undefined;
 */
export interface Row {
  id_hash: string;
  data: string;
  created_at_ms: number;
  expires_at_ms: number;
  user_id: string | null;
  frozen: number;
}

/**
 * Every statement the store runs, prepared.
 *
 * @example
 * const sql = prepareStatements(db, "sessionkit_sessions");
 */
export interface SqliteStatements {
  select: BetterSqlite3.Statement;
  insert: BetterSqlite3.Statement;
  update: BetterSqlite3.Statement;
  touch: BetterSqlite3.Statement;
  delete: BetterSqlite3.Statement;
  deleteExpiredId: BetterSqlite3.Statement;
  listForUser: BetterSqlite3.Statement;
  deleteLiveForUser: BetterSqlite3.Statement;
  deleteExpiredForUser: BetterSqlite3.Statement;
  prune: BetterSqlite3.Statement;
  list: BetterSqlite3.Statement;
  listUser: BetterSqlite3.Statement;
}

// The table name is spliced into SQL (it cannot be a bound parameter), so it
// is restricted to a plain identifier rather than escaped.
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Create the table and indexes if missing, then prepare the statements.
 *
 * @example
 * const sql = prepareStatements(new Database(":memory:"), "sessions");
 */
export function prepareStatements(db: BetterSqlite3.Database, table: string): SqliteStatements {
  if (typeof table !== "string" || !TABLE_NAME.test(table)) {
    throw new ConfigError("table", "use a letter or `_` followed by letters, digits or `_` (at most 63 characters).");
  }
  const t = `"${table}"`;
  db.exec(`
    CREATE TABLE IF NOT EXISTS ${t} (
      id_hash TEXT PRIMARY KEY NOT NULL,
      data TEXT NOT NULL,
      created_at_ms INTEGER NOT NULL,
      expires_at_ms INTEGER NOT NULL,
      user_id TEXT,
      frozen INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS "${table}_expires_at_ms" ON ${t} (expires_at_ms);
    CREATE INDEX IF NOT EXISTS "${table}_user_id" ON ${t} (user_id) WHERE user_id IS NOT NULL;
  `);
  const cols = "id_hash, data, created_at_ms, expires_at_ms, user_id, frozen";
  // The app may have turned on `defaultSafeIntegers` (BigInt results) for its
  // own queries; these statements always read plain numbers (ms timestamps
  // are far below 2^53).
  const prepare = (source: string): BetterSqlite3.Statement => db.prepare(source).safeIntegers(false);
  return {
    select: prepare(`SELECT ${cols} FROM ${t} WHERE id_hash = ? AND expires_at_ms > ?`),
    insert: prepare(`INSERT OR IGNORE INTO ${t} (${cols}) VALUES (?, ?, ?, ?, ?, ?)`),
    update: prepare(`UPDATE ${t} SET data = ?, expires_at_ms = ?, user_id = ?, frozen = ? WHERE id_hash = ?`),
    touch: prepare(`UPDATE ${t} SET expires_at_ms = ? WHERE id_hash = ? AND expires_at_ms > ? AND frozen = 0`),
    delete: prepare(`DELETE FROM ${t} WHERE id_hash = ?`),
    deleteExpiredId: prepare(`DELETE FROM ${t} WHERE id_hash = ? AND expires_at_ms <= ?`),
    listForUser: prepare(`SELECT ${cols} FROM ${t} WHERE user_id = ? AND expires_at_ms > ? ORDER BY created_at_ms`),
    deleteLiveForUser: prepare(
      `DELETE FROM ${t} WHERE user_id = @userId AND (@except IS NULL OR id_hash <> @except) AND expires_at_ms > @nowMs`,
    ),
    deleteExpiredForUser: prepare(`DELETE FROM ${t} WHERE user_id = ? AND expires_at_ms <= ?`),
    prune: prepare(
      `DELETE FROM ${t} WHERE id_hash IN (SELECT id_hash FROM ${t} WHERE expires_at_ms <= ? ORDER BY expires_at_ms LIMIT ?)`,
    ),
    list: prepare(`SELECT ${cols} FROM ${t} WHERE expires_at_ms > ? ORDER BY created_at_ms LIMIT ?`),
    listUser: prepare(`SELECT ${cols} FROM ${t} WHERE user_id = ? AND expires_at_ms > ? ORDER BY created_at_ms LIMIT ?`),
  };
}
