/**
 * The SQL of the MySQL store, built once per store from validated, quoted
 * identifiers. Every value travels as a parameter of a prepared statement
 * (`execute`), so no escaping depends on the server's `sql_mode`; only the
 * table and database names (checked against a strict pattern) and whole
 * numbers the store computed itself are spliced.
 */
import { ConfigError } from "../../core/errors.js";
import type { Flavor } from "./runner.js";

/**
 * A plain identifier: letters, digits and `_`, not starting with a digit, at
 * most 48 characters so that `<table>_expires` stays under MySQL's 64.
 */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/;

/**
 * Validate and backquote an identifier given as an option.
 *
 * @example
 * quoteIdentifier("sessionkit_sessions", "table"); // "`sessionkit_sessions`"
 */
export function quoteIdentifier(name: string, option: string): string {
  if (typeof name !== "string" || !IDENTIFIER.test(name)) {
    throw new ConfigError(option, "use 1 to 48 letters, digits or underscores, not starting with a digit (it is spliced into SQL as an identifier).");
  }
  return `\`${name}\``;
}

/** Every column, in the order `insert` takes them. */
export const COLUMNS = "id_hash, data, created_at_ms, expires_at_ms, user_id, user_hash, frozen, readable_until_ms, successor, predecessor";
const SUMMARY = "id_hash, created_at_ms, expires_at_ms, user_id";

/** The statements one store runs; see {@link buildStatements}. */
export interface MysqlStatements {
  readonly createTable: string;
  /** The name `GET_LOCK` serializes migrations under (per database and table). */
  readonly migrationLock: string;
  /** The name `GET_LOCK` gives one pruner at a time. */
  readonly pruneLock: string;
  load(flavor: Flavor, timeoutMs: number): string;
  readonly lockLive: string;
  readonly lockAny: string;
  readonly lockExpiry: string;
  readonly insert: string;
  readonly overwrite: string;
  readonly update: string;
  readonly touch: string;
  readonly freeze: string;
  readonly remove: string;
  userBatch(limit: number): string;
  listForUser(flavor: Flavor, timeoutMs: number): string;
  prune(limit: number): string;
  list(limit: number | undefined, byUser: boolean): string;
}

/** A read under the statement time limit: MariaDB's `SET STATEMENT`, MySQL's optimizer hint. */
function timed(flavor: Flavor, timeoutMs: number, select: string): string {
  if (timeoutMs === 0) return select;
  return flavor === "mariadb"
    ? `SET STATEMENT max_statement_time = ${(timeoutMs / 1000).toFixed(3)} FOR ${select}`
    : select.replace(/^SELECT /, `SELECT /*+ MAX_EXECUTION_TIME(${timeoutMs}) */ `);
}

/**
 * Build every statement for one table.
 *
 * The data is a UTF-8 JSON object in a LONGBLOB and the user id UTF-8 in a
 * BLOB: bytes the server never converts, whatever the connection's or the
 * table's character set. The user index is `user_hash` (SHA-256 of the user
 * id), so user ids of any length and content compare byte for byte (a text
 * collation would pad spaces and fold case).
 *
 * @example
 * const sql = buildStatements("sessionkit_sessions", "app");
 */
export function buildStatements(table: string, database?: string): MysqlStatements {
  const t = `${database === undefined ? "" : `${quoteIdentifier(database, "database")}.`}${quoteIdentifier(table, "table")}`;
  const ascii = "CHARACTER SET ascii COLLATE ascii_bin";
  return {
    createTable: `CREATE TABLE IF NOT EXISTS ${t} (
      id_hash VARCHAR(64) ${ascii} NOT NULL,
      data LONGBLOB NOT NULL,
      created_at_ms BIGINT NOT NULL,
      expires_at_ms BIGINT NOT NULL,
      user_id BLOB NULL,
      user_hash BINARY(32) NULL,
      frozen TINYINT(1) NOT NULL DEFAULT 0,
      readable_until_ms BIGINT NULL,
      successor VARCHAR(64) ${ascii} NULL,
      predecessor VARCHAR(64) ${ascii} NULL,
      PRIMARY KEY (id_hash),
      KEY ${quoteIdentifier(`${table}_expires`, "table")} (expires_at_ms),
      KEY ${quoteIdentifier(`${table}_user`, "table")} (user_hash)
    ) ENGINE=InnoDB`,
    migrationLock: `sessionkit:migrate:${database ?? ""}.${table}`,
    pruneLock: `sessionkit:prune:${database ?? ""}.${table}`,
    load: (flavor, timeoutMs) => timed(flavor, timeoutMs, `SELECT ${COLUMNS} FROM ${t} WHERE id_hash = ? AND expires_at_ms > ?`),
    // Locking reads (the latest committed row, whatever the isolation level), for writes.
    lockLive: `SELECT ${COLUMNS} FROM ${t} WHERE id_hash = ? AND expires_at_ms > ? FOR UPDATE`,
    lockAny: `SELECT id_hash, successor, predecessor, frozen, expires_at_ms, user_hash FROM ${t} WHERE id_hash = ? FOR UPDATE`,
    lockExpiry: `SELECT expires_at_ms FROM ${t} WHERE id_hash = ? FOR UPDATE`,
    insert: `INSERT INTO ${t} (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)`,
    // An expired row under the id of a create: gone for every reader, so it is replaced.
    overwrite: `UPDATE ${t} SET data = ?, created_at_ms = ?, expires_at_ms = ?, user_id = ?, user_hash = ?, frozen = ?,
      readable_until_ms = ?, successor = NULL, predecessor = NULL WHERE id_hash = ?`,
    update: `UPDATE ${t} SET data = ?, expires_at_ms = ?, user_id = ?, user_hash = ? WHERE id_hash = ?`,
    touch: `UPDATE ${t} SET expires_at_ms = ? WHERE id_hash = ?`,
    // The old record of a rotate: read-only, kept as the link a logout follows until the latest of
    // its own expiry, the grace window and the new record's expiry (linkKeptUntilMs, from the row
    // this rotate locked). It keeps its user: a log out everywhere whose batch waited for this
    // rotate's lock still meets the session through it (listings skip frozen rows).
    freeze: `UPDATE ${t} SET frozen = 1, readable_until_ms = ?, expires_at_ms = ?, successor = ?
      WHERE id_hash = ?`,
    remove: `DELETE FROM ${t} WHERE id_hash = ?`,
    // One batch of a user's rows after the previous batch's last id, in id order, expired and frozen
    // ones too (they are deleted as well), never the excepted one. Rows a batch spares (the excepted
    // session's old ids, chains another user's login took) stay behind the cursor, so the walk ends.
    userBatch: (limit) => `SELECT id_hash FROM ${t}
      WHERE user_hash = ? AND (? IS NULL OR id_hash <> ?) AND id_hash > ? ORDER BY id_hash LIMIT ${limit} FOR UPDATE`,
    listForUser: (flavor, timeoutMs) =>
      timed(flavor, timeoutMs, `SELECT ${SUMMARY} FROM ${t} WHERE user_hash = ? AND expires_at_ms > ? AND frozen = 0 ORDER BY created_at_ms, id_hash`),
    // Ordered by a unique key, so a statement-based replica deletes the same rows.
    prune: (limit) => `DELETE FROM ${t} WHERE expires_at_ms <= ? ORDER BY expires_at_ms, id_hash LIMIT ${limit}`,
    // Live sessions only: a frozen row is an old id of a session listed under its new one.
    list: (limit, byUser) =>
      `SELECT ${SUMMARY} FROM ${t} WHERE expires_at_ms > ? AND frozen = 0${byUser ? " AND user_hash = ?" : ""}
        ORDER BY created_at_ms, id_hash${limit === undefined ? "" : ` LIMIT ${limit}`}`,
  };
}
