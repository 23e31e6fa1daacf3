/**
 * The MySQL store's typed errors. Each carries a stable `code` and a message
 * in words; none carries a driver's message (MySQL quotes the offending value
 * in some, such as a duplicate key: a session id hash or a user id).
 */

import { WriteAbandonedError } from "../shared/abandoned.js";

/** Server error numbers the store acts on (the same on MySQL and MariaDB unless noted). */
export const ER = {
  DUP_ENTRY: 1062,
  LOCK_WAIT_TIMEOUT: 1205,
  LOCK_DEADLOCK: 1213,
  /** MariaDB: max_statement_time reached. */
  STATEMENT_TIMEOUT: 1969,
  /** MySQL: max_execution_time reached. */
  QUERY_TIMEOUT: 3024,
} as const;

/** The names of server errors mysql2 has no code for (MariaDB's own numbers). */
const CODE_NAMES: Readonly<Record<number, string>> = { [ER.STATEMENT_TIMEOUT]: "ER_STATEMENT_TIMEOUT" };

/** What each retryable code means, for the message. */
const BUSY_WORDS: Readonly<Record<number, string>> = {
  [ER.LOCK_WAIT_TIMEOUT]: "another transaction held the session's row longer than the lock timeout",
  [ER.LOCK_DEADLOCK]: "transactions on the same rows deadlocked, again after retries",
  [ER.STATEMENT_TIMEOUT]: "a statement ran longer than `statementTimeoutMs`",
  [ER.QUERY_TIMEOUT]: "a statement ran longer than `statementTimeoutMs`",
};

/**
 * The server gave up on a statement (a lock wait timeout, a deadlock that
 * repeated after retries, or the statement time limit). The transaction was
 * rolled back: nothing was written, and the same call may succeed when tried
 * again. Core reports it as a StoreError with `retryable: true`.
 *
 * @example
 * catch (e) { if (e instanceof StoreError && e.cause instanceof MysqlBusyError) retryLater(); }
 */
export class MysqlBusyError extends Error {
  override readonly name = "MysqlBusyError";
  /** The server's error code, such as `ER_LOCK_WAIT_TIMEOUT`. */
  readonly code: string;
  /** The server's error number, such as 1205. */
  readonly errno: number;
  readonly retryable = true;
  constructor(code: string, errno: number, options: { cause: unknown }) {
    super(`sessionkit mysql store: ${BUSY_WORDS[errno] ?? "the server gave up on a statement"}; nothing was written, try again.`, options);
    this.code = code;
    this.errno = errno;
  }
}

/**
 * The store refused or could not read something: a row it cannot read, a
 * user id that is not well-formed text, a migration lock held too long.
 *
 * @example
 * catch (e) { if (e instanceof MysqlStoreError && e.code === "SESSIONKIT_UNSTORABLE_TEXT") … }
 */
export class MysqlStoreError extends Error {
  override readonly name = "MysqlStoreError";
  readonly code: "SESSIONKIT_CORRUPT_RECORD" | "SESSIONKIT_UNSTORABLE_TEXT" | "SESSIONKIT_MIGRATION_LOCKED";
  constructor(code: MysqlStoreError["code"], message: string) {
    super(`sessionkit mysql store: ${message}`);
    this.code = code;
  }
}

/** The error for a write dropped because core gave up on it (the stores' shared WriteAbandonedError). */
export function abandoned(): WriteAbandonedError {
  return new WriteAbandonedError("mysql");
}

/**
 * The server's error number of a driver error, when it has one.
 *
 * @example
 * serverErrno(err) === ER.DUP_ENTRY;
 */
export function serverErrno(error: unknown): number | undefined {
  const errno = (error as { errno?: unknown } | null)?.errno;
  // mysql2 gives server errors a positive number and a `sqlState`; socket errors carry a negative errno.
  return typeof errno === "number" && errno > 0 && typeof (error as { sqlState?: unknown }).sqlState === "string" ? errno : undefined;
}

/**
 * True when the connection itself failed (mysql2 marks these `fatal`): the
 * connection must be destroyed, not returned to the pool.
 *
 * @example
 * if (isFatal(err)) connection.destroy();
 */
export function isFatal(error: unknown): boolean {
  return (error as { fatal?: unknown } | null)?.fatal === true;
}

/** A retryable server refusal, as its typed error; any other error as it is. */
export function typed(error: unknown): unknown {
  const errno = serverErrno(error);
  if (errno === undefined || !(errno in BUSY_WORDS)) return error;
  const code = (error as { code?: unknown }).code;
  return new MysqlBusyError(typeof code === "string" ? code : (CODE_NAMES[errno] ?? `ER_${errno}`), errno, { cause: error });
}
