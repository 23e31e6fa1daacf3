/**
 * `sessionkit/stores/d1`: sessions in a Cloudflare D1 table (SQLite at the
 * edge), through the `D1Database` binding a Worker gets in `env`. One row per
 * session, keyed by the hashed id; the data is a JSON object of serialized
 * values. Uses only what every runtime has: no `node:` module, no Buffer.
 */
import { ConfigError } from "../core/errors.js";
import type { ApplyResult, ChangeSet, Store, StoreContext, StoredSessionInfo, StoreRecord } from "../core/store.js";
import { batchSize, refuseRemovedOptions } from "./shared/options.js";
import { rowToInfo as toInfo, rowToRecord as toRecord, type SqlRow as Row } from "./shared/sql-row.js";
import { d1Sql, type D1DatabaseLike, type D1Sql, type D1StatementLike } from "./d1/statements.js";

export type { D1DatabaseLike, D1ResultLike, D1StatementLike } from "./d1/statements.js";

/** How long a prune lease lasts if its holder never ends it (a Worker may be evicted mid-prune). */
const LEASE_MS = 15 * 60 * 1000;

/**
 * Options of {@link D1Store}.
 *
 * @example
 * const options: D1StoreOptions = { db: env.DB, table: "web_sessions" };
 */
export interface D1StoreOptions {
  /** The D1 binding (`env.DB`), or any client with its `prepare`/`batch` API. */
  db: D1DatabaseLike;
  /** Table name (default `sessionkit_sessions`): a letter or `_`, then letters, digits, `_`. */
  table?: string;
  /** How many expired rows one prune statement deletes (default 1000). */
  pruneBatchSize?: number;
  /** How many of a user's sessions one `destroyForUser` batch ends (default 500). */
  userBatchSize?: number;
}

/**
 * A {@link Store} on Cloudflare D1.
 *
 * - The table (and `<table>_locks`, the prune lease) is created if missing,
 *   on the first call.
 * - D1 runs one statement, or one `batch`, as a transaction, and has no
 *   transaction that spans a round trip. So every write is one statement or
 *   one batch, and the change is computed by SQLite: `apply` is one UPDATE
 *   with `json_patch`, so concurrent writers of different keys all keep
 *   their key, with no lock and no retry; `rotate` is one batch (insert the
 *   new row from the old, then freeze the old one only if that insert
 *   happened); `destroy` is one DELETE over a recursive CTE of the links.
 * - Time is core's (`ctx.nowMs`); expired rows are invisible at once and
 *   deleted by {@link D1Store.prune} in batches.
 *
 * @example
 * import { D1Store } from "sessionkit/stores/d1";
 * export default { fetch: (request: Request, env: { DB: D1Database; SECRET_KEY: string }, ctx: ExecutionContext) => {
 *   const sessions = createSessions({ secret: env.SECRET_KEY, store: new D1Store({ db: env.DB }) });
 *   return withSessions(sessions, handler)(request, env, ctx);
 * } };
 */
export class D1Store implements Store {
  readonly name = "d1";
  readonly #db: D1DatabaseLike;
  readonly #sql: D1Sql;
  readonly #pruneBatchSize: number;
  readonly #userBatchSize: number;
  readonly #prepared = new Map<string, D1StatementLike>();
  #schema: Promise<void> | undefined;

  constructor(options: D1StoreOptions) {
    const db = options?.db;
    if (db === null || typeof db !== "object" || typeof db.prepare !== "function" || typeof db.batch !== "function") {
      throw new ConfigError("db", "pass a D1 binding: new D1Store({ db: env.DB }).");
    }
    refuseRemovedOptions(options);
    this.#db = db;
    this.#sql = d1Sql(options.table ?? "sessionkit_sessions");
    this.#pruneBatchSize = batchSize(options.pruneBatchSize, 1_000, "pruneBatchSize");
    this.#userBatchSize = batchSize(options.userBatchSize, 500, "userBatchSize");
  }

  /** A statement with its parameters bound, once the table exists. */
  async #q(sql: string, ...values: unknown[]) {
    // Created once per store object; a failure is not cached, so the next call tries again.
    this.#schema ??= this.#db.batch(this.#sql.schema.map((s) => this.#db.prepare(s))).then(
      () => undefined,
      (error: unknown) => {
        this.#schema = undefined;
        throw error;
      },
    );
    await this.#schema;
    // A prepared statement is immutable (`bind` makes a new one), so each text is prepared once.
    let prepared = this.#prepared.get(sql);
    if (prepared === undefined) this.#prepared.set(sql, (prepared = this.#db.prepare(sql)));
    return prepared.bind(...values);
  }

  async load(idHash: string, ctx: StoreContext): Promise<StoreRecord | undefined> {
    const row = await (await this.#q(this.#sql.select, idHash, ctx.nowMs)).first<Row>();
    return row === null ? undefined : toRecord(row);
  }

  async create(idHash: string, record: StoreRecord, ctx: StoreContext): Promise<boolean> {
    const [, inserted] = await this.#db.batch([
      await this.#q(this.#sql.deleteExpiredId, idHash, ctx.nowMs),
      await this.#q(
        this.#sql.insert,
        idHash,
        JSON.stringify(record.data),
        record.createdAtMs,
        record.expiresAtMs,
        record.userId ?? null,
        record.frozen ? 1 : 0,
        record.readableUntilMs ?? null,
      ),
    ]);
    return inserted?.meta.changes === 1;
  }

  async apply(idHash: string, change: ChangeSet, ctx: StoreContext): Promise<ApplyResult> {
    const statement = await this.#q(this.#sql.apply, idHash, ctx.nowMs, ...changeParams(change));
    if ((await statement.run()).meta.changes === 1) return "ok";
    return this.#whyUnchanged(idHash, ctx.nowMs);
  }

  /** Why a write to `idHash` changed nothing: a live frozen row, or none. */
  async #whyUnchanged(idHash: string, nowMs: number): Promise<"missing" | "frozen"> {
    const row = await (await this.#q(this.#sql.state, idHash, nowMs)).first<{ frozen: number }>();
    return row !== null && row.frozen ? "frozen" : "missing";
  }

  async touch(idHash: string, expiresAtMs: number, ctx: StoreContext): Promise<boolean> {
    // `frozen = 0` in the statement: a frozen record's expiry is its grace
    // window, and extending it would keep a replaced id alive.
    return (await (await this.#q(this.#sql.touch, idHash, ctx.nowMs, expiresAtMs)).run()).meta.changes === 1;
  }

  async rotate(oldIdHash: string, newIdHash: string, change: ChangeSet, graceUntilMs: number, ctx: StoreContext): Promise<ApplyResult> {
    const [inserted] = await this.#db.batch([
      await this.#q(this.#sql.rotateInsert, oldIdHash, ctx.nowMs, ...changeParams(change), newIdHash, change.createdAtMs ?? null),
      await this.#q(this.#sql.rotateFreeze, oldIdHash, newIdHash, graceUntilMs),
    ]);
    if (inserted?.meta.changes === 1) return "ok";
    return this.#whyUnchanged(oldIdHash, ctx.nowMs);
  }

  async destroy(idHash: string, _ctx: StoreContext): Promise<void> {
    await (await this.#q(this.#sql.destroyLinked, idHash, null)).run();
  }

  async listForUser(userId: string, ctx: StoreContext): Promise<StoredSessionInfo[]> {
    const { results } = await (await this.#q(this.#sql.listForUser, userId, ctx.nowMs)).all<Row>();
    return results.map(toInfo);
  }

  async destroyForUser(userId: string, exceptIdHash: string | undefined, ctx: StoreContext): Promise<number> {
    let removed = 0;
    // One batch per round: the rows it picks, then those rows and their links deleted, in one
    // transaction (both see the same rows). Every picked row is deleted, so the loop ends.
    for (;;) {
      const params = [userId, exceptIdHash ?? null, this.#userBatchSize];
      const [picked] = await this.#db.batch([await this.#q(this.#sql.userBatch, ...params), await this.#q(this.#sql.destroyUserBatch, ...params)]);
      const rows = (picked?.results ?? []) as Array<Pick<Row, "expires_at_ms" | "frozen">>;
      removed += rows.filter((row) => row.expires_at_ms > ctx.nowMs && !row.frozen).length;
      ctx.progress?.();
      if (rows.length === 0) return removed;
    }
  }

  async prune(nowMs: number, limit = Number.POSITIVE_INFINITY): Promise<number> {
    let removed = 0;
    // Bounded: each pass deletes at least one row or ends the loop.
    while (removed < limit) {
      const batch = Math.min(this.#pruneBatchSize, limit - removed);
      const changes = (await (await this.#q(this.#sql.prune, nowMs, batch)).run()).meta.changes;
      removed += changes;
      if (changes < batch) break;
    }
    return removed;
  }

  /**
   * `prune`, unless another Worker (or store object) is pruning this table:
   * then `undefined`, nothing removed. The lock is a lease row in
   * `<table>_locks`, taken by one conditional upsert; a lease whose holder
   * vanished runs out after 15 minutes of core's time.
   *
   * @example
   * const removed = await store.pruneExclusive(Date.now()); // undefined: another one is pruning
   */
  async pruneExclusive(nowMs: number): Promise<number | undefined> {
    const token = leaseToken();
    const taken = await (await this.#q(this.#sql.takeLock, token, nowMs, nowMs + LEASE_MS)).run();
    if (taken.meta.changes !== 1) return undefined;
    try {
      return await this.prune(nowMs);
    } finally {
      await (await this.#q(this.#sql.releaseLock, token)).run();
    }
  }

  async list(options: { nowMs: number; limit?: number; userId?: string }): Promise<StoredSessionInfo[]> {
    const limit = options.limit ?? -1; // SQLite: a negative LIMIT means none
    const statement =
      options.userId === undefined
        ? await this.#q(this.#sql.list, options.nowMs, limit)
        : await this.#q(this.#sql.listUser, options.nowMs, limit, options.userId);
    return (await statement.all<Row>()).results.map(toInfo);
  }
}

/** A change-set as the parameters ?3…?7 of the apply and rotate statements. */
function changeParams(change: ChangeSet): unknown[] {
  const patch = Object.create(null) as Record<string, string | null>;
  for (const key of change.delete) patch[key] = null;
  for (const key of Object.keys(change.set)) patch[key] = change.set[key]!;
  return [change.clear ? 1 : 0, JSON.stringify(patch), change.expiresAtMs ?? null, change.userId === undefined ? 0 : 1, change.userId ?? null];
}

/** 96 random bits, hex: who holds the prune lease. */
function leaseToken(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join("");
}
