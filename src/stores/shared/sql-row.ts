/**
 * The sessions table of the SQLite-family stores (better-sqlite3 and
 * Cloudflare D1): its DDL, written once here so the two cannot drift, its
 * row as they read it, and the row's conversion to the Store contract's
 * types. No driver import: the D1 store runs where `node:` modules do not.
 */
import { ConfigError } from "../../core/errors.js";
import type { StoredSessionInfo, StoreRecord } from "../../core/store.js";

// The table name is spliced into SQL (it cannot be a bound parameter), so it
// is restricted to a plain identifier rather than escaped.
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Every column of the sessions table, in the order of {@link SqlRow}. */
export const SQL_COLUMNS = "id_hash, data, created_at_ms, expires_at_ms, user_id, frozen, successor, predecessor, readable_until_ms";

/**
 * The table name, quoted for SQL; a ConfigError for anything but a plain identifier.
 *
 * @example
 * quotedTable("sessionkit_sessions"); // '"sessionkit_sessions"'
 */
export function quotedTable(table: string): string {
  if (typeof table !== "string" || !TABLE_NAME.test(table)) {
    throw new ConfigError("table", "use a letter or `_` followed by letters, digits or `_` (at most 63 characters).");
  }
  return `"${table}"`;
}

/**
 * The statements that create the sessions table and its indexes when
 * missing: the expiry index serves prune, the partial user index serves
 * `listForUser` and "log out everywhere". `table` is checked by quotedTable.
 *
 * @example
 * for (const statement of sessionsTableDdl("sessions")) db.exec(statement);
 */
export function sessionsTableDdl(table: string): string[] {
  const t = quotedTable(table);
  return [
    `CREATE TABLE IF NOT EXISTS ${t} (
      id_hash TEXT PRIMARY KEY NOT NULL,
      data TEXT NOT NULL,
      created_at_ms INTEGER NOT NULL,
      expires_at_ms INTEGER NOT NULL,
      user_id TEXT,
      frozen INTEGER NOT NULL DEFAULT 0,
      successor TEXT,
      predecessor TEXT,
      readable_until_ms INTEGER
    ) WITHOUT ROWID`,
    `CREATE INDEX IF NOT EXISTS "${table}_expires_at_ms" ON ${t} (expires_at_ms)`,
    `CREATE INDEX IF NOT EXISTS "${table}_user_id" ON ${t} (user_id) WHERE user_id IS NOT NULL`,
  ];
}

/**
 * One row of the sessions table.
 *
 * @example
 * const row = statements.select.get(idHash, Date.now()) as SqlRow | undefined;
 */
export interface SqlRow {
  id_hash: string;
  data: string;
  created_at_ms: number;
  expires_at_ms: number;
  user_id: string | null;
  frozen: number;
  successor: string | null;
  predecessor: string | null;
  readable_until_ms: number | null;
}

/**
 * Parse the stored JSON object into a null-prototype record (JSON.parse
 * makes `__proto__` an own key, which the copy keeps as data).
 *
 * @example
 * parseData('{"a":"1"}'); // [Object: null prototype] { a: '1' }
 */
export function parseData(text: string): Record<string, string> {
  const parsed = JSON.parse(text) as Record<string, string>;
  const data = Object.create(null) as Record<string, string>;
  for (const key of Object.keys(parsed)) data[key] = parsed[key]!;
  return data;
}

/**
 * A row as the record core reads.
 *
 * @example
 * const record = row === undefined ? undefined : rowToRecord(row);
 */
export function rowToRecord(row: SqlRow): StoreRecord {
  const out: StoreRecord = { data: parseData(row.data), createdAtMs: row.created_at_ms, expiresAtMs: row.expires_at_ms };
  if (row.user_id !== null) out.userId = row.user_id;
  if (row.frozen) out.frozen = true;
  if (row.successor !== null) out.successor = row.successor;
  if (row.predecessor !== null) out.predecessor = row.predecessor;
  if (row.readable_until_ms !== null) out.readableUntilMs = row.readable_until_ms;
  return out;
}

/**
 * A row as one entry of a listing.
 *
 * @example
 * rows.map(rowToInfo);
 */
export function rowToInfo(row: SqlRow): StoredSessionInfo {
  const info: StoredSessionInfo = { idHash: row.id_hash, createdAtMs: row.created_at_ms, expiresAtMs: row.expires_at_ms };
  if (row.user_id !== null) info.userId = row.user_id;
  return info;
}
