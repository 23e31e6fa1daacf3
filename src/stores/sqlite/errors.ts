/**
 * The SQLite store's own error: SQLite answered `SQLITE_BUSY` (another
 * connection, often another process, held the write lock for longer than
 * `busy_timeout`). Nothing was written, so the same request can simply be
 * tried again; core wraps it in a StoreError whose `retryable` is true, and
 * the adapters answer 503 with `Retry-After`.
 */

/**
 * SQLite stayed busy past `busy_timeout`: retry later, or raise `busyTimeoutMs`.
 *
 * @example
 * catch (e) { if (e instanceof StoreError && e.cause instanceof SqliteBusyError) retryLater() }
 */
export class SqliteBusyError extends Error {
  /** SQLite's extended result code (`SQLITE_BUSY`, `SQLITE_BUSY_SNAPSHOT`, …). */
  readonly code: string;
  /** Always true: the statement did not run, so running it again is safe. */
  readonly retryable = true;
  constructor(code: string, options: { cause: unknown; busyTimeoutMs: number }) {
    super(
      `sessionkit/stores/sqlite: the database stayed locked by another connection for more than busy_timeout (${options.busyTimeoutMs} ms); nothing was written. Retry, raise \`busyTimeoutMs\`, or keep write transactions on this file short.`,
      { cause: options.cause },
    );
    this.name = "SqliteBusyError";
    this.code = code;
  }
}

/**
 * Whether better-sqlite3 threw a busy error (by its stable `code`, never its message).
 *
 * @example
 * if (isBusy(error)) throw new SqliteBusyError(error.code, { cause: error, busyTimeoutMs });
 */
export function isBusy(error: unknown): error is { code: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code === "SQLITE_BUSY" || code.startsWith("SQLITE_BUSY_"));
}
