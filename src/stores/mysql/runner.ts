/**
 * Runs the MySQL store's statements on connections borrowed from the app's
 * mysql2 pool: reads as one statement, writes as one short transaction under
 * server-side time limits that are put back as they were before the
 * connection returns to the pool.
 *
 * The limits: InnoDB's row lock wait (`innodb_lock_wait_timeout`, 50 s by
 * default) is what a session store waits on, and the statement time limit
 * is `max_statement_time` (seconds, any statement) on MariaDB and
 * `max_execution_time` (ms, SELECT only) on MySQL. MariaDB scopes both to
 * one statement with `SET STATEMENT … FOR`, so each statement of a write
 * carries them and a write is START TRANSACTION, its statements, COMMIT.
 * MySQL's `SET_VAR` hint cannot set the lock wait, and a pool-wide setting
 * would reach the app's own queries, so on MySQL they are session variables
 * set and restored around each write: two more round trips (about 0.1 ms
 * each on a local socket). test/bench/round-trips-mysql.test.ts counts them.
 */
import type { StoreContext } from "../../core/store.js";
import { ER, abandoned, isFatal, serverErrno, typed } from "./errors.js";

/** A value the store binds to a statement. */
export type SqlValue = string | number | Buffer | null;

/** The part of a mysql2 `PoolConnection` (from `mysql2/promise`) the store uses. */
export interface MysqlConnectionLike {
  execute(sql: string, values?: SqlValue[]): Promise<[unknown, unknown]>;
  query(sql: string, values?: SqlValue[]): Promise<[unknown, unknown]>;
  release(): void;
  destroy(): void;
}

/** The part of a mysql2 promise `Pool` the store uses: it only borrows connections. */
export interface MysqlPoolLike {
  getConnection(): Promise<MysqlConnectionLike>;
}

/** The server family, which names the statement time limit differently. */
export type Flavor = "mariadb" | "mysql";

/** Rows of a SELECT, or the header of a write (`affectedRows`). */
export type Rows = Record<string, unknown>[];

/** Run statements on one connection of a transaction. */
export interface Tx {
  rows(sql: string, values: SqlValue[]): Promise<Rows>;
  /** A write; resolves the number of rows it affected. */
  write(sql: string, values: SqlValue[]): Promise<number>;
}

/** How many times a transaction rolled back by a deadlock is run again before the error is reported. */
const DEADLOCK_RETRIES = 4;

/**
 * Which server the pool talks to: MariaDB names itself in `VERSION()`.
 *
 * @example
 * const flavor = await detectFlavor(pool); // "mariadb"
 */
export async function detectFlavor(pool: MysqlPoolLike): Promise<Flavor> {
  const rows = await withConnection(pool, async (c) => (await c.query("SELECT VERSION() AS version"))[0] as Rows);
  return /mariadb/i.test(String(rows[0]?.version ?? "")) ? "mariadb" : "mysql";
}

/**
 * Borrow a connection for `fn` and give it back, destroyed when the
 * connection itself failed, so the pool never hands out a broken one.
 *
 * @example
 * const rows = await withConnection(pool, async (c) => (await c.execute("SELECT 1"))[0]);
 */
export async function withConnection<T>(pool: MysqlPoolLike, fn: (c: MysqlConnectionLike) => Promise<T>): Promise<T> {
  const connection = await pool.getConnection();
  let broken = false;
  try {
    return await fn(connection);
  } catch (error) {
    broken = isFatal(error);
    throw typed(error);
  } finally {
    if (broken) connection.destroy();
    else connection.release();
  }
}

/**
 * What a MariaDB statement of a write starts with to run under the time
 * limits (lock wait and statement time), for that statement alone; `""` when
 * `timeoutMs` is 0 or the server is MySQL.
 *
 * @example
 * scopedLimits("mariadb", 2000); // "SET STATEMENT innodb_lock_wait_timeout = 2, max_statement_time = 2.000 FOR "
 */
export function scopedLimits(flavor: Flavor, timeoutMs: number): string {
  if (timeoutMs === 0 || flavor !== "mariadb") return "";
  // Validated whole numbers from the options, never request input.
  return `SET STATEMENT innodb_lock_wait_timeout = ${Math.max(1, Math.ceil(timeoutMs / 1000))}, max_statement_time = ${(timeoutMs / 1000).toFixed(3)} FOR `;
}

/**
 * The SET statements that apply and restore the time limits for a whole
 * connection's transaction (MySQL's writes, MariaDB's `pruneExclusive`), or
 * none when `timeoutMs` is 0.
 *
 * @example
 * const limit = limits("mariadb", 2000); if (limit) await c.query(limit.apply);
 */
export function limits(flavor: Flavor, timeoutMs: number): { apply: string; restore: string } | undefined {
  if (timeoutMs === 0) return undefined;
  // Validated whole numbers from the options, never request input.
  const lockSeconds = Math.max(1, Math.ceil(timeoutMs / 1000));
  const [name, value] = flavor === "mariadb" ? ["max_statement_time", (timeoutMs / 1000).toFixed(3)] : ["max_execution_time", String(timeoutMs)];
  return {
    // Assignments run left to right: the old values are saved before the new ones are set.
    apply: `SET @sessionkit_lock_wait = @@SESSION.innodb_lock_wait_timeout, @sessionkit_time_limit = @@SESSION.${name},
      SESSION innodb_lock_wait_timeout = ${lockSeconds}, SESSION ${name} = ${value}`,
    restore: `SET SESSION innodb_lock_wait_timeout = @sessionkit_lock_wait, SESSION ${name} = @sessionkit_time_limit`,
  };
}

/**
 * Run `fn` as one transaction on a borrowed connection under the time limits.
 * A deadlock (InnoDB rolled the transaction back) runs it again, a few
 * times; a lock wait or statement timeout rolls it back and rejects with the
 * retryable MysqlBusyError. A write core gave up on (`ctx.abandoned`) is
 * dropped before it starts, and rolled back if core gives up before COMMIT.
 *
 * @example
 * await transaction(pool, "mariadb", 2000, ctx, async (tx) => tx.write("DELETE FROM t WHERE id_hash = ?", [id]));
 */
export async function transaction<T>(pool: MysqlPoolLike, flavor: Flavor, timeoutMs: number, ctx: StoreContext | undefined, fn: (tx: Tx) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await once(await pool.getConnection(), flavor, timeoutMs, ctx, fn);
    } catch (error) {
      if (serverErrno(error) !== ER.LOCK_DEADLOCK || attempt >= DEADLOCK_RETRIES) throw typed(error);
      // Let the transaction that won finish before trying again.
      await new Promise((resolve) => setTimeout(resolve, 1 + Math.floor(Math.random() * 4 * (attempt + 1))));
    }
  }
}

/** One try of a transaction; the connection goes back to the pool only in the state it came in, else it is destroyed. */
async function once<T>(c: MysqlConnectionLike, flavor: Flavor, timeoutMs: number, ctx: StoreContext | undefined, fn: (tx: Tx) => Promise<T>): Promise<T> {
  // MariaDB: the limits ride in each statement; MySQL: set for the transaction, restored after.
  const scoped = scopedLimits(flavor, timeoutMs);
  const limit = scoped === "" ? limits(flavor, timeoutMs) : undefined;
  const ok = (sql: string): Promise<boolean> => c.query(sql).then(() => true, () => false);
  let clean = true; // no open transaction, the pool's own limits
  try {
    if (isAbandoned(ctx)) throw abandoned();
    clean = false;
    if (limit) await c.query(limit.apply);
    await c.query("START TRANSACTION");
    let result: T;
    try {
      result = await fn({
        rows: async (sql, values) => (await c.execute(scoped + sql, values))[0] as Rows,
        write: async (sql, values) => Number(((await c.execute(scoped + sql, values))[0] as { affectedRows?: unknown }).affectedRows ?? 0),
      });
      // Core may have given up while the statements ran: then nothing is committed.
      if (isAbandoned(ctx)) throw abandoned();
      await c.query("COMMIT");
    } catch (error) {
      // A broken connection has no transaction left to roll back; it is destroyed below.
      if (!isFatal(error) && (await ok("ROLLBACK")) && (!limit || (await ok(limit.restore)))) clean = true;
      throw error;
    }
    if (limit) await c.query(limit.restore);
    clean = true;
    return result;
  } finally {
    if (clean) c.release();
    else c.destroy();
  }
}

/** Read afresh each time: core sets the flag from a timer while the call runs. */
function isAbandoned(ctx: StoreContext | undefined): boolean {
  return ctx?.abandoned === true;
}
