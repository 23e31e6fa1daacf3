/**
 * `sessionkit/stores/mysql`: sessions in a MySQL or MariaDB table, through a
 * mysql2 pool the app created. One row per session, keyed by the hashed id;
 * every write is one short InnoDB transaction that locks the row first.
 */
import { ConfigError } from "../core/errors.js";
import { applyChangeSet, linkKeptUntilMs, type ApplyResult, type ChangeSet, type Store, type StoreContext, type StoreRecord, type StoredSessionInfo } from "../core/store.js";
import { batchSize, refuseRemovedOptions } from "./shared/options.js";
import { ER, MysqlStoreError, serverErrno } from "./mysql/errors.js";
import { encodeData, encodeUser, insertValues, toInfo, toMs, toRecord, userHash } from "./mysql/rows.js";
import { detectFlavor, limits, transaction, withConnection, type Flavor, type MysqlPoolLike, type Rows, type Tx } from "./mysql/runner.js";
import { buildStatements, type MysqlStatements } from "./mysql/sql.js";

export { MysqlBusyError, MysqlStoreError } from "./mysql/errors.js";
export { WriteAbandonedError } from "./shared/abandoned.js";
export type { MysqlConnectionLike, MysqlPoolLike } from "./mysql/runner.js";

/**
 * Options of {@link MysqlStore}.
 *
 * @example
 * const options: MysqlStoreOptions = { pool: mysql.createPool(process.env.DATABASE_URL!), table: "web_sessions" };
 */
export interface MysqlStoreOptions {
  /** A mysql2 pool: `mysql2/promise`'s `createPool(…)`, or a callback pool (its `.promise()` is used). The store only borrows connections. */
  pool: MysqlPoolLike | { promise(): MysqlPoolLike };
  /** Table name (default `sessionkit_sessions`): letters, digits, `_`. */
  table?: string;
  /** Database of the table (default: the connection's). */
  database?: string;
  /** Create the table on first use (default true). Turn off when a deploy step calls {@link MysqlStore.migrate}. */
  autoMigrate?: boolean;
  /** Server-side limit on each statement and row lock wait, in ms (default 2000; 0 leaves the pool's own settings, and on MySQL saves two round trips per write). */
  statementTimeoutMs?: number;
  /** How many expired rows one prune statement deletes (default 1000). */
  pruneBatchSize?: number;
  /** How many of a user's sessions one `destroyForUser` transaction ends (default 1000). */
  userBatchSize?: number;
}

interface Normalized {
  readonly pool: MysqlPoolLike;
  readonly autoMigrate: boolean;
  readonly timeoutMs: number;
  readonly pruneBatchSize: number;
  readonly userBatchSize: number;
}

/** How long a migration waits for another process's migration of the same table, in seconds. */
const MIGRATION_WAIT_SECONDS = 30;

/**
 * A {@link Store} on MySQL 8 or MariaDB 10.6+ (InnoDB), through mysql2.
 *
 * - `apply`, `touch` and `rotate` lock the row (`SELECT … FOR UPDATE`) and
 *   write in the same transaction, so concurrent requests changing different
 *   keys keep both changes, and a destroyed or frozen record is reported,
 *   never rewritten. `create` never overwrites a live row.
 * - `destroy` and `destroyForUser` follow `successor`/`predecessor` links in
 *   one transaction per session (per batch of `userBatchSize` for a user).
 * - Each write runs under a row lock wait and statement time limit
 *   (`statementTimeoutMs`), put back before the connection returns to the
 *   pool. A deadlock is retried; a timeout is the retryable `MysqlBusyError`.
 * - Expired rows are invisible at once and deleted by {@link MysqlStore.prune}.
 *
 * @example
 * import mysql from "mysql2/promise";
 * import { MysqlStore } from "sessionkit/stores/mysql";
 * const pool = mysql.createPool({ uri: process.env.DATABASE_URL, connectionLimit: 10 });
 * const sessions = createSessions({ secret, store: new MysqlStore({ pool }) });
 */
export class MysqlStore implements Store {
  readonly name = "mysql";
  readonly #options: Normalized;
  readonly #sql: MysqlStatements;
  #ready: Promise<Flavor> | undefined;

  constructor(options: MysqlStoreOptions) {
    const given = options?.pool as { getConnection?: unknown; promise?: unknown } | undefined;
    // A callback pool (`mysql2`'s createPool) has promise(); a promise pool has getConnection() returning one.
    const pool = typeof given?.promise === "function" ? (given.promise as () => MysqlPoolLike)() : (given as MysqlPoolLike | undefined);
    if (pool === null || typeof pool !== "object" || typeof pool.getConnection !== "function") {
      throw new ConfigError("pool", 'pass a mysql2 pool: new MysqlStore({ pool: mysql.createPool(…) }) with mysql from "mysql2/promise".');
    }
    refuseRemovedOptions(options);
    const timeoutMs = options.statementTimeoutMs ?? 2000;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > 3_600_000) {
      throw new ConfigError("statementTimeoutMs", "use a whole number of milliseconds from 0 to 3600000.");
    }
    this.#sql = buildStatements(options.table ?? "sessionkit_sessions", options.database);
    this.#options = Object.freeze({
      pool,
      autoMigrate: options.autoMigrate ?? true,
      timeoutMs,
      pruneBatchSize: batchSize(options.pruneBatchSize, 1000, "pruneBatchSize"),
      userBatchSize: batchSize(options.userBatchSize, 1000, "userBatchSize"),
    });
  }

  /**
   * Create the table and its indexes if they do not exist. Idempotent, and
   * safe from several processes at once (`GET_LOCK` serializes them).
   *
   * @example
   * await new MysqlStore({ pool, autoMigrate: false }).migrate(); // in a deploy step
   */
  async migrate(): Promise<void> {
    const lock = this.#sql.migrationLock;
    await withConnection(this.#options.pool, async (c) => {
      const [rows] = await c.query("SELECT GET_LOCK(?, ?) AS got", [lock, MIGRATION_WAIT_SECONDS]);
      if (Number((rows as Rows)[0]?.got) !== 1) {
        throw new MysqlStoreError("SESSIONKIT_MIGRATION_LOCKED", `another process held the table's migration lock for over ${MIGRATION_WAIT_SECONDS} s; try again.`);
      }
      try {
        await c.query(this.#sql.createTable);
      } finally {
        await c.query("SELECT RELEASE_LOCK(?)", [lock]);
      }
    });
  }

  async load(idHash: string, ctx: StoreContext): Promise<StoreRecord | undefined> {
    const flavor = await this.#setup();
    const rows = await withConnection(this.#options.pool, async (c) => (await c.execute(this.#sql.load(flavor, this.#options.timeoutMs), [idHash, ctx.nowMs]))[0] as Rows);
    return rows[0] === undefined ? undefined : toRecord(rows[0]);
  }

  async create(idHash: string, record: StoreRecord, ctx: StoreContext): Promise<boolean> {
    const values = insertValues(idHash, record, null);
    const inserted = await this.#write(ctx, async (tx) => {
      try {
        await tx.write(this.#sql.insert, values);
        return true;
      } catch (error) {
        if (serverErrno(error) !== ER.DUP_ENTRY) throw error;
        return false;
      }
    });
    if (inserted) return true;
    // A row is there. In a transaction of its own, so that the shared lock the
    // failed insert took is gone (concurrent creates would deadlock upgrading it):
    // live, it wins; expired, it is gone for every reader and is replaced.
    return this.#write(ctx, async (tx) => {
      const row = (await tx.rows(this.#sql.lockExpiry, [idHash]))[0];
      if (row === undefined) return (await tx.write(this.#sql.insert, values)) === 1;
      if (toMs(row.expires_at_ms, "expires_at_ms") > ctx.nowMs) return false;
      // The insert's values from data to readable_until_ms, then the id.
      await tx.write(this.#sql.overwrite, [...values.slice(1, 8), idHash]);
      return true;
    });
  }

  async apply(idHash: string, change: ChangeSet, ctx: StoreContext): Promise<ApplyResult> {
    return this.#write(ctx, async (tx) => {
      const row = (await tx.rows(this.#sql.lockLive, [idHash, ctx.nowMs]))[0];
      if (row === undefined) return "missing";
      const current = toRecord(row);
      if (current.frozen) return "frozen";
      const next = applyChangeSet(current, change);
      await tx.write(this.#sql.update, [encodeData(next.data), next.expiresAtMs, ...encodeUser(next.userId), idHash]);
      return "ok";
    });
  }

  async touch(idHash: string, expiresAtMs: number, ctx: StoreContext): Promise<boolean> {
    return this.#write(ctx, async (tx) => {
      // A frozen row's expiry keeps the link a logout follows: a touch never moves it.
      const row = (await tx.rows(this.#sql.lockLive, [idHash, ctx.nowMs]))[0];
      if (row === undefined || Number(row.frozen) === 1) return false;
      await tx.write(this.#sql.touch, [expiresAtMs, idHash]);
      return true;
    });
  }

  async rotate(oldIdHash: string, newIdHash: string, change: ChangeSet, graceUntilMs: number, ctx: StoreContext): Promise<ApplyResult> {
    return this.#write(ctx, async (tx) => {
      const row = (await tx.rows(this.#sql.lockLive, [oldIdHash, ctx.nowMs]))[0];
      if (row === undefined) return "missing";
      const current = toRecord(row);
      if (current.frozen) return "frozen";
      const next = applyChangeSet(current, change);
      await tx.write(this.#sql.insert, insertValues(newIdHash, { ...next, frozen: false, readableUntilMs: undefined }, oldIdHash));
      await tx.write(this.#sql.freeze, [graceUntilMs, linkKeptUntilMs(current.expiresAtMs, change, graceUntilMs), newIdHash, oldIdHash]);
      return "ok";
    });
  }

  async destroy(idHash: string, ctx: StoreContext): Promise<void> {
    await this.#write(ctx, (tx) => this.#removeLinked(tx, idHash, null));
  }

  async listForUser(userId: string, ctx: StoreContext): Promise<StoredSessionInfo[]> {
    const flavor = await this.#setup();
    const sql = this.#sql.listForUser(flavor, this.#options.timeoutMs);
    const rows = await withConnection(this.#options.pool, async (c) => (await c.execute(sql, [userHash(userId), ctx.nowMs]))[0] as Rows);
    return rows.map(toInfo);
  }

  async destroyForUser(userId: string, exceptIdHash: string | undefined, ctx: StoreContext): Promise<number> {
    const hash = userHash(userId);
    const except = exceptIdHash ?? null;
    let removed = 0;
    // One short transaction per batch, walking the user's rows in id order. A frozen row keeps its
    // user, so a rotate that committed while the batch waited for its lock is met through its old
    // row and ended along the successor chain; live rows are counted as they are deleted, so each
    // session counts once whichever of its ids the walk met first.
    for (let last = ""; ; ) {
      const batch = await this.#write(ctx, async (tx) => {
        const rows = await tx.rows(this.#sql.userBatch(this.#options.userBatchSize), [hash, except, except, last]);
        let live = 0;
        for (const row of rows) {
          const id = String(row.id_hash);
          if (!(await this.#spared(tx, id, hash, except))) live += await this.#removeLinked(tx, id, except, hash, ctx.nowMs);
        }
        return { last: rows.length === 0 ? undefined : String(rows.at(-1)!.id_hash), live };
      });
      removed += batch.live;
      ctx.progress?.();
      if (batch.last === undefined) return removed;
      last = batch.last;
    }
  }

  async prune(nowMs: number, limit = Number.POSITIVE_INFINITY): Promise<number> {
    let removed = 0;
    // Bounded: each pass removes a full batch or ends the loop.
    while (removed < limit) {
      const batch = Math.min(this.#options.pruneBatchSize, limit - removed);
      const deleted = await this.#write(undefined, (tx) => tx.write(this.#sql.prune(batch), [nowMs]));
      removed += deleted;
      if (deleted < batch) break;
    }
    return removed;
  }

  /**
   * `prune`, unless another process (or store object) is pruning this table:
   * then `undefined`, nothing removed. The lock is MySQL's `GET_LOCK` (named
   * per database and table, taken without waiting, released at the end or
   * when the connection drops); the batches run on the connection that holds it.
   *
   * @example
   * const removed = await store.pruneExclusive(Date.now()); // undefined: another process is pruning
   */
  async pruneExclusive(nowMs: number): Promise<number | undefined> {
    const flavor = await this.#setup();
    const lock = this.#sql.pruneLock;
    const limit = limits(flavor, this.#options.timeoutMs);
    return withConnection(this.#options.pool, async (c) => {
      const [got] = await c.query("SELECT GET_LOCK(?, 0) AS got", [lock]);
      if (Number((got as Rows)[0]?.got) !== 1) return undefined;
      try {
        if (limit) await c.query(limit.apply);
        let removed = 0;
        // Each DELETE commits on its own (autocommit): a batch's row locks are held only while it runs.
        for (let deleted = this.#options.pruneBatchSize; deleted === this.#options.pruneBatchSize; removed += deleted) {
          const [header] = await c.execute(this.#sql.prune(this.#options.pruneBatchSize), [nowMs]);
          deleted = Number((header as { affectedRows?: unknown }).affectedRows ?? 0);
        }
        return removed;
      } finally {
        // The pool gets the connection back with its own limits and without the lock.
        if (limit) await c.query(limit.restore);
        await c.query("SELECT RELEASE_LOCK(?)", [lock]);
      }
    });
  }

  async list(options: { nowMs: number; limit?: number; userId?: string }): Promise<StoredSessionInfo[]> {
    await this.#setup();
    const limit = options.limit;
    if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) throw new ConfigError("limit", "use a whole number ≥ 0.");
    const byUser = options.userId !== undefined;
    const values = byUser ? [options.nowMs, userHash(options.userId!)] : [options.nowMs];
    const rows = await withConnection(this.#options.pool, async (c) => (await c.execute(this.#sql.list(limit, byUser), values))[0] as Rows);
    return rows.map(toInfo);
  }

  /**
   * Delete `idHash` and every row linked to it, never crossing `except`;
   * expired rows too (a dead link costs nothing). With `owner` (a user
   * hash), a successor goes only while it carries that user: a login as
   * someone else took the session away. Resolves how many live, unfrozen
   * rows went.
   */
  async #removeLinked(tx: Tx, idHash: string, except: string | null, owner?: Buffer, nowMs?: number): Promise<number> {
    const pending: Array<{ id: string; forward: boolean }> = [{ id: idHash, forward: false }];
    const seen = new Set<string>();
    let live = 0;
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      const { id, forward } = next;
      if (id === except || seen.has(id)) continue;
      seen.add(id);
      const row = (await tx.rows(this.#sql.lockAny, [id]))[0];
      if (row === undefined) continue;
      if (forward && owner !== undefined && !sameUser(row.user_hash, owner)) continue;
      await tx.write(this.#sql.remove, [id]);
      if (nowMs !== undefined && Number(row.frozen) !== 1 && toMs(row.expires_at_ms, "expires_at_ms") > nowMs) live += 1;
      if (row.successor !== null && row.successor !== undefined) pending.push({ id: String(row.successor), forward: true });
      if (row.predecessor !== null && row.predecessor !== undefined) pending.push({ id: String(row.predecessor), forward: false });
    }
    return live;
  }

  /** Whether `idHash`'s successor chain reaches `except` (its old ids are kept whole) or a current row of another user (a login took it). */
  async #spared(tx: Tx, idHash: string, owner: Buffer, except: string | null): Promise<boolean> {
    let id = idHash;
    for (let hop = 0; hop < MAX_HOPS; hop += 1) {
      if (id === except) return true;
      const row = (await tx.rows(this.#sql.lockAny, [id]))[0];
      if (row === undefined) return false;
      if (Number(row.frozen) !== 1 || row.successor === null || row.successor === undefined) return !sameUser(row.user_hash, owner);
      id = String(row.successor);
    }
    return false;
  }

  async #write<T>(ctx: StoreContext | undefined, fn: (tx: Tx) => Promise<T>): Promise<T> {
    const flavor = await this.#setup();
    return transaction(this.#options.pool, flavor, this.#options.timeoutMs, ctx, fn);
  }

  /** The server's flavor, and the table migrated when `autoMigrate`: once, and again after a failure. */
  #setup(): Promise<Flavor> {
    this.#ready ??= (async () => {
      const flavor = await detectFlavor(this.#options.pool);
      if (this.#options.autoMigrate) await this.migrate();
      return flavor;
    })().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }
}

/** Most successor links followed from one row: far beyond the regenerates one session makes in its lifetime. */
const MAX_HOPS = 64;

/** Whether a `user_hash` column value is `owner`. */
function sameUser(value: unknown, owner: Buffer): boolean {
  return Buffer.isBuffer(value) && value.equals(owner);
}
