/**
 * `sessionkit/stores/sqlite`: sessions in a SQLite table through a
 * better-sqlite3 `Database` the app opened. One row per session, keyed by the
 * hashed id; the data is a JSON object of serialized values.
 */
import type BetterSqlite3 from "better-sqlite3";
import { ConfigError } from "../core/errors.js";
import type { ApplyResult, ChangeSet, Store, StoredSessionInfo, StoreRecord } from "../core/store.js";
import { SqliteBusyError, isBusy } from "./sqlite/errors.js";
import { prepareStatements, type Row, type SqliteStatements } from "./sqlite/statements.js";

export { SqliteBusyError } from "./sqlite/errors.js";

/**
 * Options of {@link SqliteStore}.
 *
 * @example
 * const options: SqliteStoreOptions = { db: new Database("sessions.db"), table: "web_sessions" };
 */
export interface SqliteStoreOptions {
  /** A better-sqlite3 `Database`. The store never closes it. */
  db: BetterSqlite3.Database;
  /** Table name (default `sessionkit_sessions`): a letter or `_`, then letters, digits, `_`. */
  table?: string;
  /** `busy_timeout` set on the connection when it is lower, in ms (default 5000). */
  busyTimeoutMs?: number;
  /** Switch the database to WAL mode (default true): readers then never wait for the writer. */
  wal?: boolean;
  /** How many expired rows one prune statement deletes (default 1000). */
  pruneBatchSize?: number;
  /** Clock used to hide expired rows, in ms. Pass the same clock as `createSessions({ now })` when you inject one. */
  now?: () => number;
}

/**
 * A {@link Store} on SQLite (better-sqlite3).
 *
 * better-sqlite3 is synchronous: each call blocks the event loop while SQLite
 * runs, measured at ~15 µs for a load and ~60 µs for a write (docs/stores.md),
 * longer when another process holds the write lock (up to `busyTimeoutMs`). That is
 * the right trade for one server on one disk; for many processes on many
 * machines, use Redis or PostgreSQL.
 *
 * - The table and its indexes (expiry; user) are created if missing.
 * - `apply` runs in a `BEGIN IMMEDIATE` transaction, so it is atomic across
 *   processes sharing the file, not only within this one.
 * - Expired rows are invisible at once and deleted by {@link SqliteStore.prune}
 *   in batches, so a large purge never holds the write lock for long.
 * - On construction the store sets WAL mode and `busy_timeout` on the
 *   connection (both documented options); it never closes the database.
 * - A lock held by another connection past `busy_timeout` is the typed,
 *   retryable {@link SqliteBusyError} (nothing was written), never a raw
 *   driver error; core reports it as a StoreError with `retryable: true`.
 *
 * @example
 * import Database from "better-sqlite3";
 * import { SqliteStore } from "sessionkit/stores/sqlite";
 * const sessions = createSessions({ secret, store: new SqliteStore({ db: new Database("sessions.db") }) });
 */
export class SqliteStore implements Store {
  readonly name = "sqlite";
  readonly #sql: SqliteStatements;
  readonly #now: () => number;
  readonly #pruneBatchSize: number;
  readonly #busyTimeoutMs: number;
  readonly #applyTx: (idHash: string, change: ChangeSet, nowMs: number) => ApplyResult;
  readonly #createTx: (idHash: string, record: StoreRecord, nowMs: number) => boolean;
  readonly #destroyForUserTx: (userId: string, exceptIdHash: string | null, nowMs: number) => number;

  constructor(options: SqliteStoreOptions) {
    const db = options?.db;
    if (db === null || typeof db !== "object" || typeof db.prepare !== "function" || typeof db.transaction !== "function") {
      throw new ConfigError("db", 'pass a better-sqlite3 Database: new SqliteStore({ db: new Database("sessions.db") }).');
    }
    const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
    if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
      throw new ConfigError("busyTimeoutMs", "use a whole number of milliseconds ≥ 0.");
    }
    this.#pruneBatchSize = options.pruneBatchSize ?? 1_000;
    if (!Number.isSafeInteger(this.#pruneBatchSize) || this.#pruneBatchSize < 1) {
      throw new ConfigError("pruneBatchSize", "use a whole number ≥ 1.");
    }
    this.#now = options.now ?? Date.now;
    // Lower busy timeouts make concurrent writers from other processes fail
    // with SQLITE_BUSY instead of waiting their turn; never lower a higher one.
    const current = Number(db.pragma("busy_timeout", { simple: true }));
    if (!(current >= busyTimeoutMs)) db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    this.#busyTimeoutMs = Math.max(current, busyTimeoutMs);
    if (options.wal !== false && !db.memory) db.pragma("journal_mode = WAL");
    this.#sql = prepareStatements(db, options.table ?? "sessionkit_sessions");
    const sql = this.#sql;

    // better-sqlite3 runs a transaction function synchronously: nothing else
    // in this process can interleave, and `.immediate` takes SQLite's write
    // lock up front so other processes cannot either (a deferred transaction
    // could read, lose the upgrade race, and fail with SQLITE_BUSY).
    const apply = db.transaction((idHash: string, change: ChangeSet, nowMs: number): ApplyResult => {
      const row = sql.select.get(idHash, nowMs) as Row | undefined;
      if (!row) return "missing";
      if (row.frozen) return "frozen";
      const data = change.clear ? Object.create(null) as Record<string, string> : parseData(row.data);
      for (const key of change.delete) delete data[key];
      for (const key of Object.keys(change.set)) data[key] = change.set[key]!;
      const userId = change.userId === undefined ? row.user_id : change.userId;
      sql.update.run(JSON.stringify(data), change.expiresAtMs ?? row.expires_at_ms, userId, change.frozen || row.frozen ? 1 : 0, idHash);
      return "ok";
    });
    this.#applyTx = (idHash, change, nowMs) => apply.immediate(idHash, change, nowMs);
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
      );
      return info.changes === 1;
    });
    this.#createTx = (idHash, record, nowMs) => create.immediate(idHash, record, nowMs);
    const destroyForUser = db.transaction((userId: string, exceptIdHash: string | null, nowMs: number): number => {
      const live = sql.deleteLiveForUser.run({ userId, except: exceptIdHash, nowMs }).changes;
      sql.deleteExpiredForUser.run(userId, nowMs);
      return live;
    });
    this.#destroyForUserTx = (userId, exceptIdHash, nowMs) => destroyForUser.immediate(userId, exceptIdHash, nowMs);
  }

  /** Run one statement or transaction, turning SQLITE_BUSY into the typed, retryable SqliteBusyError. */
  #run<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      if (isBusy(error)) throw new SqliteBusyError(error.code, { cause: error, busyTimeoutMs: this.#busyTimeoutMs });
      throw error;
    }
  }

  async load(idHash: string): Promise<StoreRecord | undefined> {
    const row = this.#run(() => this.#sql.select.get(idHash, this.#now()) as Row | undefined);
    if (!row) return undefined;
    const out: StoreRecord = { data: parseData(row.data), createdAtMs: row.created_at_ms, expiresAtMs: row.expires_at_ms };
    if (row.user_id !== null) out.userId = row.user_id;
    if (row.frozen) out.frozen = true;
    return out;
  }

  async create(idHash: string, record: StoreRecord, _ttlSeconds: number): Promise<boolean> {
    return this.#run(() => this.#createTx(idHash, record, this.#now()));
  }

  async apply(idHash: string, change: ChangeSet, _ttlSeconds: number): Promise<ApplyResult> {
    return this.#run(() => this.#applyTx(idHash, change, this.#now()));
  }

  async touch(idHash: string, expiresAtMs: number, _ttlSeconds: number): Promise<boolean> {
    // `frozen = 0` in the statement: a frozen record's expiry is its grace
    // window, and extending it would keep a replaced id alive.
    return this.#run(() => this.#sql.touch.run(expiresAtMs, idHash, this.#now()).changes === 1);
  }

  async destroy(idHash: string): Promise<void> {
    this.#run(() => this.#sql.delete.run(idHash));
  }

  async listForUser(userId: string): Promise<StoredSessionInfo[]> {
    return (this.#run(() => this.#sql.listForUser.all(userId, this.#now())) as Row[]).map(toInfo);
  }

  async destroyForUser(userId: string, exceptIdHash?: string): Promise<number> {
    return this.#run(() => this.#destroyForUserTx(userId, exceptIdHash ?? null, this.#now()));
  }

  async prune(nowMs: number, limit = Number.POSITIVE_INFINITY): Promise<number> {
    let removed = 0;
    // Bounded: each pass deletes at least one row or ends the loop.
    while (removed < limit) {
      const batch = Math.min(this.#pruneBatchSize, limit - removed);
      const changes = this.#run(() => this.#sql.prune.run(nowMs, batch).changes);
      removed += changes;
      if (changes < batch) break;
    }
    return removed;
  }

  async list(options: { limit?: number; userId?: string } = {}): Promise<StoredSessionInfo[]> {
    const limit = options.limit ?? -1; // SQLite: a negative LIMIT means none
    const rows = this.#run(() =>
      options.userId === undefined ? this.#sql.list.all(this.#now(), limit) : this.#sql.listUser.all(options.userId, this.#now(), limit),
    );
    return (rows as Row[]).map(toInfo);
  }
}

/** Parse the stored JSON object into a null-prototype record (JSON.parse makes `__proto__` an own key, which the copy keeps as data). */
function parseData(text: string): Record<string, string> {
  const parsed = JSON.parse(text) as Record<string, string>;
  const data = Object.create(null) as Record<string, string>;
  for (const key of Object.keys(parsed)) data[key] = parsed[key]!;
  return data;
}

function toInfo(row: Row): StoredSessionInfo {
  const info: StoredSessionInfo = { idHash: row.id_hash, createdAtMs: row.created_at_ms, expiresAtMs: row.expires_at_ms };
  if (row.user_id !== null) info.userId = row.user_id;
  return info;
}
