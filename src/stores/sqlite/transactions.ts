/**
 * The SQLite store's writes that read before they write, each one
 * `BEGIN IMMEDIATE` transaction: better-sqlite3 runs a transaction function
 * synchronously, so nothing else in this process can interleave, and
 * `.immediate` takes SQLite's write lock up front so other processes cannot
 * either (a deferred transaction could read, lose the upgrade race, and fail
 * with SQLITE_BUSY).
 */
import type BetterSqlite3 from "better-sqlite3";
import { linkKeptUntilMs, type ApplyResult, type ChangeSet, type StoreRecord } from "../../core/store.js";
import { parseData, type SqlRow as Row } from "../shared/sql-row.js";
import type { SqliteStatements } from "./statements.js";

/** The store's transactional writes; see {@link transactions}. */
export interface Transactions {
  create(idHash: string, record: StoreRecord, nowMs: number): boolean;
  apply(idHash: string, change: ChangeSet, nowMs: number): ApplyResult;
  rotate(oldIdHash: string, newIdHash: string, change: ChangeSet, graceUntilMs: number, nowMs: number): ApplyResult;
  /** Delete a record and every record linked to it, never `stopAt`. */
  destroyLinked(idHash: string, stopAt: string | null): void;
  /** Delete up to `limit` of a user's sessions (with their links); how many rows were picked, and how many were live sessions. */
  destroyUserBatch(userId: string, except: string | null, limit: number, nowMs: number): { selected: number; live: number };
}

/** A change-set's keys applied to stored data: `clear`, then `delete`, then `set`. */
function changedData(stored: string, change: ChangeSet): Record<string, string> {
  const data = change.clear ? (Object.create(null) as Record<string, string>) : parseData(stored);
  for (const key of change.delete) delete data[key];
  for (const key of Object.keys(change.set)) data[key] = change.set[key]!;
  return data;
}

/**
 * Build the transactions once per store.
 *
 * @example
 * const tx = transactions(db, prepareStatements(db, "sessionkit_sessions"));
 * tx.apply(idHash, change, Date.now());
 */
export function transactions(db: BetterSqlite3.Database, sql: SqliteStatements): Transactions {
  /** Delete `idHash` and its links transitively (expired rows too: a dead link costs nothing). */
  const removeLinked = (idHash: string, stopAt: string | null): void => {
    const pending = [idHash];
    const seen = new Set<string>();
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      if (next === stopAt || seen.has(next)) continue;
      seen.add(next);
      const row = sql.selectAny.get(next) as Row | undefined;
      if (!row) continue;
      sql.delete.run(next);
      if (row.successor !== null) pending.push(row.successor);
      if (row.predecessor !== null) pending.push(row.predecessor);
    }
  };

  const create = db.transaction((idHash: string, record: StoreRecord, nowMs: number): boolean => {
    // An expired row under the same id is gone as far as every reader
    // knows, so it must not block the create.
    sql.deleteExpiredId.run(idHash, nowMs);
    const info = sql.insert.run(
      idHash,
      JSON.stringify(record.data),
      record.createdAtMs,
      record.expiresAtMs,
      record.userId ?? null,
      record.frozen ? 1 : 0,
      null,
      null,
      record.readableUntilMs ?? null,
    );
    return info.changes === 1;
  });

  const apply = db.transaction((idHash: string, change: ChangeSet, nowMs: number): ApplyResult => {
    const row = sql.select.get(idHash, nowMs) as Row | undefined;
    if (!row) return "missing";
    if (row.frozen) return "frozen";
    const userId = change.userId === undefined ? row.user_id : change.userId;
    sql.update.run(JSON.stringify(changedData(row.data, change)), change.expiresAtMs ?? row.expires_at_ms, userId, idHash);
    return "ok";
  });

  const rotate = db.transaction((oldIdHash: string, newIdHash: string, change: ChangeSet, graceUntilMs: number, nowMs: number): ApplyResult => {
    const row = sql.select.get(oldIdHash, nowMs) as Row | undefined;
    if (!row) return "missing";
    if (row.frozen) return "frozen";
    // Kept as the link until the latest of its expiry, the grace end and the new record's expiry.
    sql.freeze.run({ grace: graceUntilMs, keep: linkKeptUntilMs(row.expires_at_ms, change, graceUntilMs), successor: newIdHash, id: oldIdHash });
    sql.insert.run(
      newIdHash,
      JSON.stringify(changedData(row.data, change)),
      change.createdAtMs ?? row.created_at_ms,
      change.expiresAtMs ?? row.expires_at_ms,
      change.userId === undefined ? row.user_id : change.userId,
      0,
      null,
      oldIdHash,
      null,
    );
    return "ok";
  });

  const destroyLinked = db.transaction((idHash: string, stopAt: string | null): void => removeLinked(idHash, stopAt));

  const destroyUserBatch = db.transaction((userId: string, except: string | null, limit: number, nowMs: number) => {
    const rows = sql.userBatch.all({ userId, except, limit }) as Row[];
    let live = 0;
    for (const row of rows) {
      if (row.expires_at_ms > nowMs && !row.frozen) live += 1;
      removeLinked(row.id_hash, except);
    }
    return { selected: rows.length, live };
  });

  return {
    create: (idHash, record, nowMs) => create.immediate(idHash, record, nowMs),
    apply: (idHash, change, nowMs) => apply.immediate(idHash, change, nowMs),
    rotate: (oldIdHash, newIdHash, change, graceUntilMs, nowMs) => rotate.immediate(oldIdHash, newIdHash, change, graceUntilMs, nowMs),
    destroyLinked: (idHash, stopAt) => destroyLinked.immediate(idHash, stopAt),
    destroyUserBatch: (userId, except, limit, nowMs) => destroyUserBatch.immediate(userId, except, limit, nowMs),
  };
}
