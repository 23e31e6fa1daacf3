/**
 * Runs one statement on a client borrowed from the user's pool, under a
 * server-side `statement_timeout`.
 *
 * Why `SET LOCAL` in a transaction: pg's `query_timeout` only stops waiting on
 * the client side while the statement keeps running (and holding its row
 * locks) on the server; a pool- or role-wide `statement_timeout` belongs to
 * the user, and changing it on a pooled connection would leak into their own
 * queries. `SET LOCAL` scopes the limit to our transaction, which costs two
 * extra round trips (BEGIN+SET, COMMIT) — about 0.1 ms each on a local socket.
 *
 * A connection that already carries a limit at least as tight (a pool made
 * with pg's `statement_timeout` option, or a role or database default) needs
 * none of that: the store reads the connection's setting once per connection
 * and then sends a lone statement as one round trip.
 */

/** The part of a `pg.PoolClient` the store uses. */
export interface PgClientLike {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
  release(destroy?: boolean | Error): void;
  on(event: "error", listener: (err: Error) => void): unknown;
  removeListener(event: "error", listener: (err: Error) => void): unknown;
}

/** The part of a `pg.Pool` the store uses: it only ever borrows clients. */
export interface PgPoolLike {
  connect(): Promise<PgClientLike>;
}

/** What one statement returned. */
export interface RunResult {
  rows: Record<string, unknown>[];
  rowCount: number;
}

/**
 * Borrow a client, run `statements` in order in one transaction under a
 * statement timeout (or none when `timeoutMs` is 0), and give the client back
 * — destroyed if the connection failed, so the pool never hands out a broken
 * one. Resolves the result of the last statement. `beforeStart`, when given,
 * runs once the pool has handed a client over and before anything is sent:
 * it throws to drop a write whose caller gave up while it waited for one.
 * `userBatch` marks a batch of `destroyForUser`, which runs in its own
 * transaction with two settings of its own: REPEATABLE READ, so that a row
 * it locks or changes that another transaction changed after its snapshot
 * fails it with a serialization conflict (40001) instead of being read
 * newer than the rest, and the caller runs it again; and the server's JIT
 * compiler off, since the recursive statement's cost estimate is far above
 * what it costs and JIT compilation would take longer than the statement.
 *
 * @example
 * const { rows } = await runStatements(pool, [{ text: "SELECT $1::int AS n", values: [1] }], 2000);
 */
export async function runStatements(
  pool: PgPoolLike,
  statements: readonly { text: string; values?: unknown[] }[],
  timeoutMs: number,
  beforeStart?: () => void,
  userBatch = false,
): Promise<RunResult> {
  const client = await pool.connect();
  if (beforeStart) {
    try {
      beforeStart();
    } catch (err) {
      client.release();
      throw err;
    }
  }
  // A checked-out client has no listener of the pool's; without ours, a
  // connection killed server-side would emit an unhandled 'error' and crash the process.
  let connectionError: Error | undefined;
  const onError = (err: Error): void => {
    connectionError = err;
  };
  client.on("error", onError);
  let destroy: Error | undefined;
  let rollbackFailed: Error | undefined;
  try {
    const scoped = timeoutMs > 0 && !(await connectionLimitsWithin(client, timeoutMs));
    const transactional = scoped || userBatch || statements.length > 1;
    if (transactional) {
      // timeoutMs is a validated integer from the options, never request input.
      const limit = scoped ? `; SET LOCAL statement_timeout = ${timeoutMs}` : "";
      const isolation = userBatch ? " ISOLATION LEVEL REPEATABLE READ" : "";
      const jit = userBatch ? "; SET LOCAL jit = off" : "";
      await client.query(`BEGIN${isolation}${limit}${jit}`);
    }
    let last: RunResult = { rows: [], rowCount: 0 };
    try {
      for (const s of statements) {
        const r = await client.query(s.text, s.values);
        last = { rows: r.rows, rowCount: r.rowCount ?? 0 };
      }
    } catch (err) {
      if (transactional && connectionError === undefined) rollbackFailed = await rollback(client);
      throw err;
    }
    if (transactional) await client.query("COMMIT");
    return last;
  } catch (err) {
    // A failed ROLLBACK/COMMIT or a connection-level error leaves the session
    // state unknown: destroy the client rather than return it to the pool.
    destroy = connectionError ?? rollbackFailed ?? (isServerError(err) ? undefined : asError(err));
    throw err;
  } finally {
    client.removeListener("error", onError);
    client.release(destroy ?? connectionError);
  }
}

/** Each pooled connection's own `statement_timeout` in ms (0: none), read once per connection. */
const connectionTimeoutMs = new WeakMap<PgClientLike, number>();

/**
 * Whether the connection's own `statement_timeout` already stops a statement
 * within `timeoutMs` (and is not 0, which means no limit). Read once per
 * connection: a pool's clients keep their settings for their lifetime, unless
 * the app runs `SET statement_timeout` on them itself.
 */
async function connectionLimitsWithin(client: PgClientLike, timeoutMs: number): Promise<boolean> {
  let ms = connectionTimeoutMs.get(client);
  if (ms === undefined) {
    const { rows } = await client.query("SELECT setting::bigint AS ms FROM pg_settings WHERE name = 'statement_timeout'");
    ms = Number(rows[0]?.ms ?? 0);
    connectionTimeoutMs.set(client, Number.isSafeInteger(ms) && ms >= 0 ? ms : 0);
  }
  return ms > 0 && ms <= timeoutMs;
}

/**
 * Roll back after a failed statement; resolves the ROLLBACK's own error, if
 * any, so the caller still reports the statement's error (the one worth
 * reading) and destroys the client, whose transaction state is then unknown.
 */
async function rollback(client: PgClientLike): Promise<Error | undefined> {
  try {
    await client.query("ROLLBACK");
    return undefined;
  } catch (err) {
    return asError(err);
  }
}

/** A statement the server refused (it has a SQLSTATE code); the connection is still fine. */
function isServerError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith("57P") && !code.startsWith("08");
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error("non-Error thrown by the PostgreSQL driver");
}
