/**
 * The sessions table's row as the SQLite-family stores (better-sqlite3 and
 * Cloudflare D1) read it, and its conversion to the Store contract's types.
 * No driver import: the D1 store runs where `node:` modules do not.
 */
import type { StoredSessionInfo, StoreRecord } from "../../core/store.js";

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
