/**
 * The SQL of the SQLite store, prepared once per store. Kept apart from the
 * store's logic so the schema can be read (and migrated) in one place.
 */
import type BetterSqlite3 from "better-sqlite3";
import { quotedTable, sessionsTableDdl, SQL_COLUMNS, type SqlRow } from "../shared/sql-row.js";

export type { SqlRow as Row } from "../shared/sql-row.js";

/**
 * A statement that reads one whole row (`SQL_COLUMNS`), as a {@link SqlRow}.
 *
 * @example
 * const row = statements.select.get(idHash, Date.now()); // SqlRow | undefined
 */
export interface RowReader {
  get(...params: unknown[]): SqlRow | undefined;
}

/** What {@link rowReader} reads, in order: `SQL_COLUMNS`. */
const ROW_COLUMNS = "id_hash, data, created_at_ms, expires_at_ms, user_id, frozen, successor, predecessor, readable_until_ms";

/**
 * One-row reads on the hot path (every load, every write's transaction)
 * fetch the row as an array (better-sqlite3's `raw`) and name its columns
 * here. A row object from better-sqlite3 costs a V8 API call per column,
 * about 0.3 µs each on this machine, so the three link columns added for
 * atomic regenerate made each read ~1 µs dearer than the six-column row of
 * before (a write reads twice); an object literal built in JavaScript costs
 * next to nothing. Same values, same column order as `SQL_COLUMNS`.
 */
function rowReader(statement: BetterSqlite3.Statement): RowReader {
  // The positions below are SQL_COLUMNS's: a reordered list must fail here, never read one column as another.
  const names = statement.columns().map((c) => c.name).join(", ");
  if (names !== ROW_COLUMNS) throw new Error(`sessionkit: the SQLite row reader expects the columns ${ROW_COLUMNS}, got ${names}.`);
  statement.raw(true);
  return {
    get(...params: unknown[]): SqlRow | undefined {
      const v = statement.get(...params) as unknown[] | undefined;
      if (v === undefined) return undefined;
      return {
        id_hash: v[0] as string,
        data: v[1] as string,
        created_at_ms: v[2] as number,
        expires_at_ms: v[3] as number,
        user_id: v[4] as string | null,
        frozen: v[5] as number,
        successor: v[6] as string | null,
        predecessor: v[7] as string | null,
        readable_until_ms: v[8] as number | null,
      };
    },
  };
}

/**
 * Every statement the store runs, prepared.
 *
 * @example
 * const sql = prepareStatements(db, "sessionkit_sessions");
 */
export interface SqliteStatements {
  select: RowReader;
  /** A row whatever its expiry: destroy follows links through expired rows too. */
  selectAny: RowReader;
  insert: BetterSqlite3.Statement;
  update: BetterSqlite3.Statement;
  freeze: BetterSqlite3.Statement;
  touch: BetterSqlite3.Statement;
  delete: BetterSqlite3.Statement;
  deleteExpiredId: BetterSqlite3.Statement;
  listForUser: BetterSqlite3.Statement;
  userBatch: BetterSqlite3.Statement;
  prune: BetterSqlite3.Statement;
  list: BetterSqlite3.Statement;
  listUser: BetterSqlite3.Statement;
}

/**
 * Tables made before regenerate became one atomic step have no link columns:
 * add them (an ALTER TABLE that only adds nullable columns is instant in SQLite).
 */
function addLinkColumns(db: BetterSqlite3.Database, t: string): void {
  const columns = new Set((db.prepare(`PRAGMA table_info(${t})`).all() as Array<{ name: string }>).map((c) => c.name));
  for (const [column, type] of [["successor", "TEXT"], ["predecessor", "TEXT"], ["readable_until_ms", "INTEGER"]] as const) {
    if (!columns.has(column)) db.exec(`ALTER TABLE ${t} ADD COLUMN ${column} ${type}`);
  }
}

/**
 * Create the table and indexes if missing, then prepare the statements.
 *
 * @example
 * const sql = prepareStatements(new Database(":memory:"), "sessions");
 */
export function prepareStatements(db: BetterSqlite3.Database, table: string): SqliteStatements {
  const t = quotedTable(table);
  db.exec(sessionsTableDdl(table).join(";\n"));
  addLinkColumns(db, t);
  const cols = SQL_COLUMNS;
  // The app may have turned on `defaultSafeIntegers` (BigInt results) for its
  // own queries; these statements always read plain numbers (ms timestamps
  // are far below 2^53).
  const prepare = (source: string): BetterSqlite3.Statement => db.prepare(source).safeIntegers(false);
  return {
    select: rowReader(prepare(`SELECT ${cols} FROM ${t} WHERE id_hash = ? AND expires_at_ms > ?`)),
    selectAny: rowReader(prepare(`SELECT ${cols} FROM ${t} WHERE id_hash = ?`)),
    insert: prepare(`INSERT OR IGNORE INTO ${t} (${cols}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    update: prepare(`UPDATE ${t} SET data = ?, expires_at_ms = ?, user_id = ? WHERE id_hash = ?`),
    // A frozen record leaves the user index (user_id NULL): it is reached through its links, and
    // kept until @keep (the latest of its expiry, the grace window and the new record's expiry), as
    // the link a logout follows.
    freeze: prepare(
      `UPDATE ${t} SET frozen = 1, readable_until_ms = @grace, expires_at_ms = @keep, successor = @successor, user_id = NULL WHERE id_hash = @id`,
    ),
    touch: prepare(`UPDATE ${t} SET expires_at_ms = ? WHERE id_hash = ? AND expires_at_ms > ? AND frozen = 0`),
    delete: prepare(`DELETE FROM ${t} WHERE id_hash = ?`),
    deleteExpiredId: prepare(`DELETE FROM ${t} WHERE id_hash = ? AND expires_at_ms <= ?`),
    listForUser: prepare(`SELECT ${cols} FROM ${t} WHERE user_id = ? AND expires_at_ms > ? AND frozen = 0 ORDER BY created_at_ms, id_hash`),
    // One batch of a user's rows, expired ones included (they are deleted too), never the excepted one.
    userBatch: prepare(`SELECT ${cols} FROM ${t} WHERE user_id = @userId AND (@except IS NULL OR id_hash <> @except) LIMIT @limit`),
    prune: prepare(
      `DELETE FROM ${t} WHERE id_hash IN (SELECT id_hash FROM ${t} WHERE expires_at_ms <= ? ORDER BY expires_at_ms LIMIT ?)`,
    ),
    // Live sessions only: a frozen record is an old id of a session listed under its new one.
    list: prepare(`SELECT ${cols} FROM ${t} WHERE expires_at_ms > ? AND frozen = 0 ORDER BY created_at_ms LIMIT ?`),
    listUser: prepare(`SELECT ${cols} FROM ${t} WHERE user_id = ? AND expires_at_ms > ? AND frozen = 0 ORDER BY created_at_ms LIMIT ?`),
  };
}
