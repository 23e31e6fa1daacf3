/**
 * `sessionkit/stores/postgres`: sessions in a PostgreSQL table, through a
 * `pg.Pool` the app created. One row per session, keyed by the hashed id; the
 * data is a jsonb object of serialized values, changed key by key in one
 * atomic statement per request.
 */
import { ConfigError } from "../core/errors.js";
import type { ApplyResult, ChangeSet, Store, StoreContext, StoreRecord, StoredSessionInfo } from "../core/store.js";
import { WriteAbandonedError } from "./shared/abandoned.js";
import { batchSize, refuseRemovedOptions } from "./shared/options.js";
import { USER_BATCH_ATTEMPTS, conflictPauseMs, isSerializationFailure } from "./postgres/conflict.js";
import { encodeData, encodeText, toInfo, toRecord } from "./postgres/rows.js";
import { runStatements, type PgPoolLike, type RunResult } from "./postgres/runner.js";
import { buildStatements, type PostgresStatements } from "./postgres/sql.js";

export { CorruptRecordError, UnstorableTextError } from "./postgres/rows.js";
export { WriteAbandonedError } from "./shared/abandoned.js";
export type { PgClientLike, PgPoolLike } from "./postgres/runner.js";

/** Options of {@link PostgresStore}. */
export interface PostgresStoreOptions {
  /** A `pg.Pool` (or anything with the same `connect()`); the store borrows clients and never opens connections itself. */
  pool: PgPoolLike;
  /** Table name (default `sessionkit_sessions`): letters, digits, `_`. */
  table?: string;
  /** Schema of the table (default: the connection's `search_path`). */
  schema?: string;
  /** Create the table and its indexes on first use (default true). Turn off when migrations are run by a deploy step calling {@link PostgresStore.migrate}. */
  autoMigrate?: boolean;
  /** Server-side `statement_timeout` for each statement, in ms (default 2000; 0 disables it). A pool whose connections already set one at most this long (pg's `statement_timeout` option) saves the two extra round trips. */
  statementTimeoutMs?: number;
  /** How many expired rows one prune statement deletes (default 1000). */
  pruneBatchSize?: number;
  /** How many of a user's sessions one `destroyForUser` statement ends (default 1000), so no statement locks a whole account's rows. */
  userBatchSize?: number;
}

interface Normalized {
  readonly pool: PgPoolLike;
  readonly autoMigrate: boolean;
  readonly statementTimeoutMs: number;
  readonly pruneBatchSize: number;
  readonly userBatchSize: number;
}

/**
 * A {@link Store} on PostgreSQL.
 *
 * - `create` is `INSERT … ON CONFLICT DO NOTHING`: it never overwrites.
 * - `apply` is one statement that locks the row and computes
 *   `(data - deleted) || set` in jsonb, so concurrent requests changing
 *   different keys keep both changes, and a destroyed or frozen record is
 *   reported (`"missing"` / `"frozen"`) instead of being written.
 * - `rotate` is one statement too: lock the old row, insert the new one from
 *   it, freeze (or delete) the old one. `destroy` follows the links it leaves.
 * - Every statement runs under a server-side `statement_timeout`.
 * - Expired rows are invisible at once and deleted by {@link PostgresStore.prune}
 *   (run it from a job, or the CLI's `prune`).
 *
 * @example
 * import pg from "pg";
 * import { PostgresStore } from "sessionkit/stores/postgres";
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
 * pool.on("error", (err) => console.error("idle pg client failed", err.name));
 * const sessions = createSessions({ secret, store: new PostgresStore({ pool }) });
 */
export class PostgresStore implements Store {
  readonly name = "postgres";
  readonly #options: Normalized;
  readonly #sql: PostgresStatements;
  #migrated: Promise<void> | undefined;

  constructor(options: PostgresStoreOptions) {
    if (options === null || typeof options !== "object" || typeof options.pool?.connect !== "function") {
      throw new ConfigError("pool", "pass a pg.Pool: new PostgresStore({ pool: new pg.Pool(...) }).");
    }
    const statementTimeoutMs = options.statementTimeoutMs ?? 2000;
    if (!Number.isSafeInteger(statementTimeoutMs) || statementTimeoutMs < 0) {
      throw new ConfigError("statementTimeoutMs", "use a whole number of milliseconds ≥ 0.");
    }
    refuseRemovedOptions(options);
    const pruneBatchSize = batchSize(options.pruneBatchSize, 1000, "pruneBatchSize");
    const userBatchSize = batchSize(options.userBatchSize, 1000, "userBatchSize");
    this.#sql = buildStatements(options.table ?? "sessionkit_sessions", options.schema);
    this.#options = Object.freeze({
      pool: options.pool,
      autoMigrate: options.autoMigrate ?? true,
      statementTimeoutMs,
      pruneBatchSize,
      userBatchSize,
    });
  }

  /**
   * Create the table and indexes if they do not exist. Idempotent, and safe
   * to run from several processes at once (an advisory lock serializes them).
   *
   * @example
   * await new PostgresStore({ pool, autoMigrate: false }).migrate(); // in a deploy step
   */
  async migrate(): Promise<void> {
    await runStatements(
      this.#options.pool,
      [
        { text: "SELECT pg_advisory_xact_lock(hashtext($1))", values: [this.#sql.lockKey] },
        ...this.#sql.migrate.map((text) => ({ text })),
      ],
      this.#options.statementTimeoutMs,
    );
  }

  /**
   * Read a record; `undefined` when there is none or it has expired at `ctx.nowMs`.
   *
   * @example
   * const record = await store.load(idHash, storeContext());
   */
  async load(idHash: string, ctx: StoreContext): Promise<StoreRecord | undefined> {
    const { rows } = await this.#run(this.#sql.load, [idHash, ctx.nowMs]);
    const row = rows[0];
    return row === undefined ? undefined : toRecord(row);
  }

  /**
   * Insert a record unless a live one exists under `idHash` (then `false`, nothing written).
   *
   * @example
   * const created = await store.create(idHash, record, storeContext());
   */
  async create(idHash: string, record: StoreRecord, ctx: StoreContext): Promise<boolean> {
    const { rowCount } = await this.#run(this.#sql.create, [
      idHash,
      encodeData(record.data),
      record.createdAtMs,
      record.expiresAtMs,
      record.userId === undefined ? null : encodeText(record.userId, "userId"),
      record.frozen === true,
      ctx.nowMs,
      record.readableUntilMs ?? null,
    ], ctx);
    return rowCount === 1;
  }

  /**
   * Apply a change-set in one atomic statement; never creates a record.
   *
   * @example
   * const result = await store.apply(idHash, { set: { n: "1" }, delete: [] }, storeContext()); // "ok" | "missing" | "frozen"
   */
  async apply(idHash: string, change: ChangeSet, ctx: StoreContext): Promise<ApplyResult> {
    const { rows } = await this.#run(this.#sql.apply, [
      idHash,
      ctx.nowMs,
      change.clear === true,
      change.delete.map((key) => encodeText(key, "key")),
      encodeData(change.set),
      change.expiresAtMs ?? null,
      change.userId !== undefined,
      typeof change.userId === "string" ? encodeText(change.userId, "userId") : null,
    ], ctx);
    const row = rows[0];
    if (row?.updated === true) return "ok";
    return row?.frozen === true ? "frozen" : "missing";
  }

  /**
   * Move the idle expiry of a live record without touching its data. A frozen
   * record is not touched (`false`): its expiry is the end of the regenerate
   * grace window, which must not roll.
   *
   * @example
   * await store.touch(idHash, Date.now() + 3_600_000, storeContext());
   */
  async touch(idHash: string, expiresAtMs: number, ctx: StoreContext): Promise<boolean> {
    const { rowCount } = await this.#run(this.#sql.touch, [idHash, expiresAtMs, ctx.nowMs], ctx);
    return rowCount === 1;
  }

  /**
   * Give a session a new id in one statement (see `Store.rotate`).
   *
   * @example
   * await store.rotate(oldIdHash, newIdHash, { set: {}, delete: [] }, Date.now() + 10_000, storeContext()); // "ok" | "missing" | "frozen"
   */
  async rotate(oldIdHash: string, newIdHash: string, change: ChangeSet, graceUntilMs: number, ctx: StoreContext): Promise<ApplyResult> {
    const { rows } = await this.#run(this.#sql.rotate, [
      oldIdHash,
      newIdHash,
      ctx.nowMs,
      change.clear === true,
      change.delete.map((key) => encodeText(key, "key")),
      encodeData(change.set),
      change.createdAtMs ?? null,
      change.expiresAtMs ?? null,
      change.userId !== undefined,
      typeof change.userId === "string" ? encodeText(change.userId, "userId") : null,
      graceUntilMs,
    ], ctx);
    const row = rows[0];
    if (row?.rotated === true) return "ok";
    return row?.frozen === true ? "frozen" : "missing";
  }

  /**
   * Delete a record and every record linked to it (its regenerated
   * successor, its frozen predecessor); deleting a missing one is not an error.
   *
   * @example
   * await store.destroy(idHash, storeContext());
   */
  async destroy(idHash: string, ctx: StoreContext): Promise<void> {
    await this.#destroyLinked([idHash], null, null, ctx.nowMs, new Set());
  }

  /**
   * The live sessions indexed under `userId`, oldest first: every one of them.
   *
   * @example
   * const devices = await store.listForUser("user-42", storeContext());
   */
  async listForUser(userId: string, ctx: StoreContext): Promise<StoredSessionInfo[]> {
    const { rows } = await this.#run(this.#sql.listForUser, [encodeText(userId, "userId"), ctx.nowMs]);
    return rows.map(toInfo);
  }

  /**
   * Delete every session of `userId` except `exceptIdHash` (and their
   * regenerated ids), `userBatchSize` rows per statement; resolves how many
   * live sessions went.
   *
   * @example
   * await store.destroyForUser("user-42", currentIdHash, storeContext()); // "log out my other devices"
   */
  async destroyForUser(userId: string, exceptIdHash: string | undefined, ctx: StoreContext): Promise<number> {
    const user = encodeText(userId, "userId");
    const except = exceptIdHash ?? null;
    let removed = 0;
    // Batches walk the user's rows in id order, so rows a batch spares (the excepted session's, another user's chain) end the loop too.
    for (let last = ""; ; ) {
      const { rows } = await this.#userBatch([user, except, this.#options.userBatchSize, ctx.nowMs, last], ctx);
      const row = rows[0] ?? {};
      removed += Number(row.live ?? 0);
      removed += await this.#followLinks(row, except, user, ctx.nowMs, new Set());
      ctx.progress?.();
      if (typeof row.last !== "string") return removed;
      last = row.last;
    }
  }

  /**
   * Delete rows that expired at or before `nowMs`, in batches of
   * `pruneBatchSize` (each its own short statement), at most `limit` in all.
   *
   * @example
   * setInterval(() => void store.prune(Date.now()), 60_000).unref();
   */
  async prune(nowMs: number, limit = Number.POSITIVE_INFINITY): Promise<number> {
    let removed = 0;
    // Bounded: each pass removes a full batch or ends the loop.
    while (removed < limit) {
      const batch = Math.min(this.#options.pruneBatchSize, limit - removed);
      const { rowCount } = await this.#run(this.#sql.prune, [nowMs, batch]);
      removed += rowCount;
      if (rowCount < batch) break;
    }
    return removed;
  }

  /**
   * `prune`, unless another process (or store object) is pruning this table:
   * then `undefined`, nothing removed. The lock is a session-level advisory
   * lock (`pg_try_advisory_lock`, named per schema and table, never waited
   * for), held by one client on which every batch runs, released at the end
   * or when that connection drops.
   *
   * @example
   * const removed = await store.pruneExclusive(Date.now()); // undefined: another process is pruning
   */
  async pruneExclusive(nowMs: number): Promise<number | undefined> {
    if (this.#options.autoMigrate) await this.#ensureMigrated();
    const key = `${this.#sql.lockKey}:prune`;
    const client = await this.#options.pool.connect();
    let broken: Error | undefined;
    const onError = (err: Error): void => {
      broken = err;
    };
    client.on("error", onError);
    try {
      const { rows } = await client.query("SELECT pg_try_advisory_lock(hashtext($1)) AS got", [key]);
      if (rows[0]?.got !== true) return undefined;
      try {
        const held: PgPoolLike = {
          connect: async () => ({ query: (text, values) => client.query(text, values), release: () => {}, on: () => undefined, removeListener: () => undefined }),
        };
        const batch = this.#options.pruneBatchSize;
        let removed = 0;
        for (let deleted = batch; deleted === batch; removed += deleted) {
          deleted = (await runStatements(held, [{ text: this.#sql.prune, values: [nowMs, batch] }], this.#options.statementTimeoutMs)).rowCount;
        }
        return removed;
      } finally {
        await client.query("SELECT pg_advisory_unlock(hashtext($1))", [key]);
      }
    } catch (err) {
      // A client whose statement failed may hold the lock or a broken transaction: never reuse it.
      broken ??= err instanceof Error ? err : new Error("prune failed");
      throw err;
    } finally {
      client.removeListener("error", onError);
      client.release(broken);
    }
  }

  /**
   * Summaries of live sessions (all of them unless `limit`), for the CLI.
   *
   * @example
   * for (const s of await store.list({ nowMs: Date.now(), limit: 50 })) console.log(s.idHash.slice(0, 8), s.userId);
   */
  async list(options: { nowMs: number; limit?: number; userId?: string }): Promise<StoredSessionInfo[]> {
    const limit = options.limit ?? null; // LIMIT NULL: no limit
    const { rows } =
      options.userId === undefined
        ? await this.#run(this.#sql.list, [limit, options.nowMs])
        : await this.#run(this.#sql.listByUser, [limit, options.nowMs, encodeText(options.userId, "userId")]);
    return rows.map(toInfo);
  }

  /**
   * Delete `ids` and everything linked to them, never `except`. One
   * statement finds and deletes the links it sees; the rows it deleted report
   * their links as they were when deleted, which may be newer than the
   * statement's snapshot (a rotate that committed meanwhile), so any link not
   * yet visited is followed by another statement.
   */
  async #destroyLinked(ids: string[], except: string | null, owner: string | null, nowMs: number, visited: Set<string>): Promise<number> {
    const { rows } = await this.#run(this.#sql.destroyLinked, [ids, except, owner, nowMs, owner !== null]);
    const row = rows[0] ?? {};
    return Number(row.live ?? 0) + (await this.#followLinks(row, except, owner, nowMs, visited));
  }

  /** Follow the successor links a statement's deletes reported (with `owner`, only to rows carrying it); resolves how many live sessions went. */
  async #followLinks(row: Record<string, unknown>, except: string | null, owner: string | null, nowMs: number, visited: Set<string>): Promise<number> {
    for (const id of (row.visited as string[] | null) ?? []) visited.add(id);
    const next = ((row.links as string[] | null) ?? []).filter((id) => id !== except && !visited.has(id));
    if (next.length === 0) return 0;
    for (const id of next) visited.add(id);
    return this.#destroyLinked(next, except, owner, nowMs, visited);
  }

  /**
   * One statement on a borrowed client. A write passes its context: waiting
   * for a client from a busy pool is a queue, and a write whose caller gave
   * up meanwhile (core's deadline passed) is dropped before it is sent.
   */
  async #run(text: string, values: unknown[], write?: StoreContext, userBatch = false): Promise<RunResult> {
    if (this.#options.autoMigrate) await this.#ensureMigrated();
    const beforeStart = write === undefined ? undefined : () => {
      if (write.abandoned) throw new WriteAbandonedError(this.name);
    };
    return runStatements(this.#options.pool, [{ text, values }], this.#options.statementTimeoutMs, beforeStart, userBatch);
  }

  /**
   * One batch of {@link PostgresStore.destroyForUser}, at REPEATABLE READ:
   * the statement decides whose each row's session is (its chain's head) and
   * deletes it on one snapshot. Under READ COMMITTED a batch row a rotate
   * froze while the statement waited for its lock would be read as the
   * rotate left it, but the rotate's new row not at all: a session another
   * user's login took first would be ended. Here that rotate's commit fails
   * the batch (40001), and it runs again on a snapshot that has it, after a
   * short random pause, at most {@link USER_BATCH_ATTEMPTS} times, and never
   * once core has given up on the call (`ctx.abandoned`, its deadline
   * passed): then the batch is dropped with WriteAbandonedError (nothing of
   * that batch was applied; the batches before it were).
   */
  async #userBatch(values: unknown[], ctx: StoreContext): Promise<RunResult> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        // JIT off: the recursive CTE's cost estimate grows with the table, and at 10M rows PostgreSQL
        // spent over a second compiling each millisecond batch (past the 2 s statement timeout).
        return await this.#run(this.#sql.destroyUserBatch, values, ctx, true);
      } catch (err) {
        if (!isSerializationFailure(err) || attempt >= USER_BATCH_ATTEMPTS) throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, conflictPauseMs(attempt)));
      // Read after the pause: core sets the flag from its timer while the call runs.
      if (ctx.abandoned) throw new WriteAbandonedError(this.name);
    }
  }

  #ensureMigrated(): Promise<void> {
    // Memoized, but forgotten on failure so that a database that was down at
    // the first request is migrated once it comes back.
    this.#migrated ??= this.migrate().catch((err: unknown) => {
      this.#migrated = undefined;
      throw err;
    });
    return this.#migrated;
  }
}
