/**
 * `sessionkit/stores/sqlite`: sessions in a SQLite table through a
 * better-sqlite3 `Database` the app opened. One row per session, keyed by the
 * hashed id; the data is a JSON object of serialized values.
 */
import { randomBytes } from "node:crypto";
import type BetterSqlite3 from "better-sqlite3";
import { ConfigError } from "../core/errors.js";
import type { ApplyResult, ChangeSet, Store, StoreContext, StoredSessionInfo, StoreRecord } from "../core/store.js";
import { batchSize, refuseRemovedOptions } from "./shared/options.js";
import { SqliteBusyError, isBusy } from "./sqlite/errors.js";
import { pruneLock, type PruneLock } from "./sqlite/prune-lock.js";
import { rowToInfo as toInfo, rowToRecord as toRecord, type SqlRow as Row } from "./shared/sql-row.js";
import { prepareStatements, type SqliteStatements } from "./sqlite/statements.js";
import { transactions, type Transactions } from "./sqlite/transactions.js";

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
  /** How many of a user's sessions one `destroyForUser` transaction ends (default 1000), so the write lock is never held long. */
  userBatchSize?: number;
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
 * - The table and its indexes (expiry; user) are created if missing, and the
 *   link columns of regenerated sessions are added to an older table.
 * - `apply`, `rotate` and `destroy` each run in one `BEGIN IMMEDIATE`
 *   transaction, so they are atomic across processes sharing the file, not
 *   only within this one.
 * - Time is core's (`ctx.nowMs`); expired rows are invisible at once and
 *   deleted by {@link SqliteStore.prune} in batches, so a large purge never
 *   holds the write lock for long.
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
  readonly #pruneBatchSize: number;
  readonly #userBatchSize: number;
  readonly #busyTimeoutMs: number;
  readonly #tx: Transactions;
  readonly #db: BetterSqlite3.Database;
  readonly #table: string;
  #pruneLock: PruneLock | undefined;

  constructor(options: SqliteStoreOptions) {
    const db = options?.db;
    if (db === null || typeof db !== "object" || typeof db.prepare !== "function" || typeof db.transaction !== "function") {
      throw new ConfigError("db", 'pass a better-sqlite3 Database: new SqliteStore({ db: new Database("sessions.db") }).');
    }
    refuseRemovedOptions(options);
    const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
    if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
      throw new ConfigError("busyTimeoutMs", "use a whole number of milliseconds ≥ 0.");
    }
    this.#pruneBatchSize = batchSize(options.pruneBatchSize, 1_000, "pruneBatchSize");
    this.#userBatchSize = batchSize(options.userBatchSize, 1_000, "userBatchSize");
    // Lower busy timeouts make concurrent writers from other processes fail
    // with SQLITE_BUSY instead of waiting their turn; never lower a higher one.
    const current = Number(db.pragma("busy_timeout", { simple: true }));
    if (!(current >= busyTimeoutMs)) db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    this.#busyTimeoutMs = Math.max(current, busyTimeoutMs);
    if (options.wal !== false && !db.memory) db.pragma("journal_mode = WAL");
    this.#db = db;
    this.#table = options.table ?? "sessionkit_sessions";
    this.#sql = prepareStatements(db, this.#table);
    this.#tx = transactions(db, this.#sql);
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

  async load(idHash: string, ctx: StoreContext): Promise<StoreRecord | undefined> {
    const row = this.#run(() => this.#sql.select.get(idHash, ctx.nowMs) as Row | undefined);
    return row === undefined ? undefined : toRecord(row);
  }

  async create(idHash: string, record: StoreRecord, ctx: StoreContext): Promise<boolean> {
    return this.#run(() => this.#tx.create(idHash, record, ctx.nowMs));
  }

  async apply(idHash: string, change: ChangeSet, ctx: StoreContext): Promise<ApplyResult> {
    return this.#run(() => this.#tx.apply(idHash, change, ctx.nowMs));
  }

  async touch(idHash: string, expiresAtMs: number, ctx: StoreContext): Promise<boolean> {
    // `frozen = 0` in the statement: a frozen record's expiry is its grace
    // window, and extending it would keep a replaced id alive.
    return this.#run(() => this.#sql.touch.run(expiresAtMs, idHash, ctx.nowMs).changes === 1);
  }

  async rotate(oldIdHash: string, newIdHash: string, change: ChangeSet, graceUntilMs: number, ctx: StoreContext): Promise<ApplyResult> {
    return this.#run(() => this.#tx.rotate(oldIdHash, newIdHash, change, graceUntilMs, ctx.nowMs));
  }

  async destroy(idHash: string, _ctx: StoreContext): Promise<void> {
    this.#run(() => this.#tx.destroyLinked(idHash, null));
  }

  async listForUser(userId: string, ctx: StoreContext): Promise<StoredSessionInfo[]> {
    return (this.#run(() => this.#sql.listForUser.all(userId, ctx.nowMs)) as Row[]).map(toInfo);
  }

  async destroyForUser(userId: string, exceptIdHash: string | undefined, ctx: StoreContext): Promise<number> {
    let removed = 0;
    // One short transaction per batch, so other writers get the lock between
    // batches; each batch deletes every row it selected, so the loop ends.
    for (;;) {
      const batch = this.#run(() => this.#tx.destroyUserBatch(userId, exceptIdHash ?? null, this.#userBatchSize, ctx.nowMs));
      removed += batch.live;
      if (batch.selected === 0) return removed;
    }
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

  /**
   * `prune`, unless another process (or store object) is pruning this table:
   * then `undefined`, nothing removed. The lock is a lease row in
   * `<table>_locks`, taken in a `BEGIN IMMEDIATE` transaction (see
   * ./sqlite/prune-lock.ts). Between batches the event loop runs other work:
   * each batch blocks it only while SQLite deletes `pruneBatchSize` rows.
   *
   * @example
   * const removed = await store.pruneExclusive(Date.now()); // undefined: another process is pruning
   */
  async pruneExclusive(nowMs: number): Promise<number | undefined> {
    const lock = (this.#pruneLock ??= this.#run(() => pruneLock(this.#db, this.#table)));
    const token = randomBytes(12).toString("base64url");
    if (!this.#run(() => lock.tryTake(token, nowMs))) return undefined;
    try {
      let removed = 0;
      for (let deleted = this.#pruneBatchSize; deleted === this.#pruneBatchSize; removed += deleted) {
        deleted = this.#run(() => this.#sql.prune.run(nowMs, this.#pruneBatchSize).changes);
        await new Promise((resolve) => setImmediate(resolve));
      }
      return removed;
    } finally {
      this.#run(() => lock.release(token));
    }
  }

  async list(options: { nowMs: number; limit?: number; userId?: string }): Promise<StoredSessionInfo[]> {
    const limit = options.limit ?? -1; // SQLite: a negative LIMIT means none
    const rows = this.#run(() =>
      options.userId === undefined ? this.#sql.list.all(options.nowMs, limit) : this.#sql.listUser.all(options.userId, options.nowMs, limit),
    );
    return (rows as Row[]).map(toInfo);
  }
}
