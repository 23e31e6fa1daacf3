/**
 * The SQLite store's prune lock, for automatic cleanup: one process (or
 * store object) prunes a table at a time. A lease row in `<table>_locks`,
 * taken in a `BEGIN IMMEDIATE` transaction (so two takers are serialized by
 * SQLite's write lock) and deleted when the prune ends. A lease is taken
 * over when it ran out (core's time), or when the process that holds it is
 * no longer alive on this machine (a SQLite file is shared only by the
 * processes of one machine).
 */
import type BetterSqlite3 from "better-sqlite3";

/** How long a lease lasts if its holder never ends it (and is still alive). */
const LEASE_MS = 60 * 60 * 1000;

/** Take and release the prune lease of one table. */
export interface PruneLock {
  /** Take the lease for `token` at `nowMs`: false when another live holder has it. */
  tryTake(token: string, nowMs: number): boolean;
  release(token: string): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists, it is only someone else's.
    return (error as { code?: unknown }).code === "EPERM";
  }
}

/**
 * Create the lock table if missing, and prepare its statements.
 *
 * @example
 * const lock = pruneLock(db, "sessionkit_sessions");
 * if (lock.tryTake(token, Date.now())) try { prune() } finally { lock.release(token) }
 */
export function pruneLock(db: BetterSqlite3.Database, table: string): PruneLock {
  // `table` was checked to be a plain identifier by prepareStatements.
  const t = `"${table}_locks"`;
  db.exec(`CREATE TABLE IF NOT EXISTS ${t} (name TEXT PRIMARY KEY NOT NULL, holder TEXT NOT NULL, pid INTEGER NOT NULL, until_ms INTEGER NOT NULL)`);
  const select = db.prepare(`SELECT holder, pid, until_ms FROM ${t} WHERE name = 'prune'`).safeIntegers(false);
  const put = db.prepare(`INSERT OR REPLACE INTO ${t} (name, holder, pid, until_ms) VALUES ('prune', ?, ?, ?)`);
  const remove = db.prepare(`DELETE FROM ${t} WHERE name = 'prune' AND holder = ?`);
  const take = db.transaction((token: string, nowMs: number): boolean => {
    const row = select.get() as { holder: string; pid: number; until_ms: number } | undefined;
    if (row !== undefined && row.until_ms > nowMs && alive(row.pid)) return false;
    put.run(token, process.pid, nowMs + LEASE_MS);
    return true;
  });
  return {
    tryTake: (token, nowMs) => take.immediate(token, nowMs),
    release: (token) => void remove.run(token),
  };
}
