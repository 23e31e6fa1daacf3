/**
 * `sessionkit/stores/postgres`: sessions in a PostgreSQL table, through a
 * `pg.Pool` the app created. One row per session, keyed by the hashed id; the
 * data is a jsonb object of serialized values, changed key by key in one
 * atomic statement per request.
 */
import { ConfigError } from "../core/errors.js";
import type { ApplyResult, ChangeSet, Store, StoreRecord, StoredSessionInfo } from "../core/store.js";
import { encodeData, encodeText, toInfo, toRecord } from "./postgres/rows.js";
import { runStatements, type PgPoolLike, type RunResult } from "./postgres/runner.js";
import { buildStatements, type PostgresStatements } from "./postgres/sql.js";

export { CorruptRecordError, UnstorableTextError } from "./postgres/rows.js";
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
  /** Server-side `statement_timeout` for each statement, in ms (default 2000; 0 disables it and saves two round trips). */
  statementTimeoutMs?: number;
  /** How many expired rows one prune statement deletes (default 1000). */
  pruneBatchSize?: number;
  /** Clock used to hide expired rows, in ms. Pass the same clock as `createSessions({ now })` when you inject one. */
  now?: () => number;
}

interface Normalized {
  readonly pool: PgPoolLike;
  readonly autoMigrate: boolean;
  readonly statementTimeoutMs: number;
  readonly pruneBatchSize: number;
  readonly now: () => number;
}

/**
 * A {@link Store} on PostgreSQL.
 *
 * - `create` is `INSERT … ON CONFLICT DO NOTHING`: it never overwrites.
 * - `apply` is one statement that locks the row and computes
 *   `(data - deleted) || set` in jsonb, so concurrent requests changing
 *   different keys keep both changes, and a destroyed or frozen record is
 *   reported (`"missing"` / `"frozen"`) instead of being written.
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
    const pruneBatchSize = options.pruneBatchSize ?? 1000;
    if (!Number.isSafeInteger(pruneBatchSize) || pruneBatchSize < 1) {
      throw new ConfigError("pruneBatchSize", "use a whole number ≥ 1.");
    }
    this.#sql = buildStatements(options.table ?? "sessionkit_sessions", options.schema);
    this.#options = Object.freeze({
      pool: options.pool,
      autoMigrate: options.autoMigrate ?? true,
      statementTimeoutMs,
      pruneBatchSize,
      now: options.now ?? Date.now,
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
   * Read a record; `undefined` when there is none or it has expired.
   *
   * @example
   * const record = await store.load(idHash);
   */
  async load(idHash: string): Promise<StoreRecord | undefined> {
    const { rows } = await this.#run(this.#sql.load, [idHash, this.#options.now()]);
    const row = rows[0];
    return row === undefined ? undefined : toRecord(row);
  }

  /**
   * Insert a record unless one exists under `idHash` (then `false`, nothing written).
   *
   * @example
   * const created = await store.create(idHash, record, 3600);
   */
  async create(idHash: string, record: StoreRecord, _ttlSeconds: number): Promise<boolean> {
    const { rowCount } = await this.#run(this.#sql.create, [
      idHash,
      encodeData(record.data),
      record.createdAtMs,
      record.expiresAtMs,
      record.userId === undefined ? null : encodeText(record.userId, "userId"),
      record.frozen === true,
    ]);
    return rowCount === 1;
  }

  /**
   * Apply a change-set in one atomic statement; never creates a record.
   *
   * @example
   * const result = await store.apply(idHash, { set: { n: "1" }, delete: [] }, 3600); // "ok" | "missing" | "frozen"
   */
  async apply(idHash: string, change: ChangeSet, _ttlSeconds: number): Promise<ApplyResult> {
    const { rows } = await this.#run(this.#sql.apply, [
      idHash,
      this.#options.now(),
      change.clear === true,
      change.delete.map((key) => encodeText(key, "key")),
      encodeData(change.set),
      change.expiresAtMs ?? null,
      change.userId !== undefined,
      typeof change.userId === "string" ? encodeText(change.userId, "userId") : null,
      change.frozen === true,
    ]);
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
   * await store.touch(idHash, Date.now() + 3_600_000, 3600);
   */
  async touch(idHash: string, expiresAtMs: number, _ttlSeconds: number): Promise<boolean> {
    const { rowCount } = await this.#run(this.#sql.touch, [idHash, expiresAtMs, this.#options.now()]);
    return rowCount === 1;
  }

  /**
   * Delete a record; deleting a missing one is not an error.
   *
   * @example
   * await store.destroy(idHash);
   */
  async destroy(idHash: string): Promise<void> {
    await this.#run(this.#sql.destroy, [idHash]);
  }

  /**
   * The live sessions indexed under `userId`, oldest first.
   *
   * @example
   * const devices = await store.listForUser("user-42");
   */
  async listForUser(userId: string): Promise<StoredSessionInfo[]> {
    const { rows } = await this.#run(this.#sql.listForUser, [encodeText(userId, "userId"), this.#options.now()]);
    return rows.map(toInfo);
  }

  /**
   * Delete every session of `userId` except `exceptIdHash`; resolves how many went.
   *
   * @example
   * await store.destroyForUser("user-42", currentIdHash); // "log out my other devices"
   */
  async destroyForUser(userId: string, exceptIdHash?: string): Promise<number> {
    const { rowCount } = await this.#run(this.#sql.destroyForUser, [encodeText(userId, "userId"), exceptIdHash ?? null]);
    return rowCount;
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
   * Summaries of stored sessions (expired ones included until pruned), for the CLI.
   *
   * @example
   * for (const s of await store.list({ limit: 50 })) console.log(s.idHash.slice(0, 8), s.userId);
   */
  async list(options: { limit?: number; userId?: string } = {}): Promise<StoredSessionInfo[]> {
    const limit = options.limit ?? 1000;
    const { rows } =
      options.userId === undefined
        ? await this.#run(this.#sql.list, [limit])
        : await this.#run(this.#sql.listByUser, [limit, encodeText(options.userId, "userId")]);
    return rows.map(toInfo);
  }

  async #run(text: string, values: unknown[]): Promise<RunResult> {
    if (this.#options.autoMigrate) await this.#ensureMigrated();
    return runStatements(this.#options.pool, [{ text, values }], this.#options.statementTimeoutMs);
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
