/**
 * The SQL of the PostgreSQL store, built once per store from validated,
 * quoted identifiers. Every value travels as a parameter; only the table and
 * schema names (checked against a strict pattern at construction) are spliced.
 */
import { ConfigError } from "../../core/errors.js";

/**
 * A plain PostgreSQL identifier: letters, digits and `_`, not starting with a
 * digit. Capped at 48 characters so that `<table>_expires_idx` stays under
 * PostgreSQL's 63-byte limit (longer names are silently truncated there, and
 * two tables could then share an index name).
 */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/;

/**
 * Validate and double-quote an identifier given as an option.
 *
 * @example
 * quoteIdentifier("sessionkit_sessions", "table"); // '"sessionkit_sessions"'
 */
export function quoteIdentifier(name: string, option: string): string {
  if (typeof name !== "string" || !IDENTIFIER.test(name)) {
    throw new ConfigError(
      option,
      "use 1 to 48 letters, digits or underscores, not starting with a digit (it is spliced into SQL as an identifier).",
    );
  }
  return `"${name}"`;
}

/** The statements one store runs; see {@link buildStatements}. */
export interface PostgresStatements {
  migrate: string[];
  lockKey: string;
  load: string;
  create: string;
  apply: string;
  touch: string;
  destroy: string;
  listForUser: string;
  destroyForUser: string;
  prune: string;
  list: string;
  listByUser: string;
}

/**
 * Build every statement for one table.
 *
 * `apply` is one statement: a CTE takes the row lock (`FOR UPDATE`, which
 * under READ COMMITTED waits for a concurrent writer and then sees its
 * committed row) and reads `frozen` from that locked row, so `"missing"`,
 * `"frozen"` and `"ok"` are told apart with no window between a read and a
 * write. The update itself is jsonb arithmetic on the stored value
 * (`(data - deleted) || set`), so concurrent change-sets to different keys
 * compose instead of overwriting each other.
 *
 * @example
 * const sql = buildStatements("sessionkit_sessions", "public");
 * await client.query(sql.load, [idHash, Date.now()]);
 */
export function buildStatements(table: string, schema?: string): PostgresStatements {
  const t = quoteIdentifier(table, "table");
  const qualified = schema === undefined ? t : `${quoteIdentifier(schema, "schema")}.${t}`;
  const expiresIdx = quoteIdentifier(`${table}_expires_idx`.slice(0, 60), "table");
  const userIdx = quoteIdentifier(`${table}_user_idx`.slice(0, 60), "table");
  const columns = "id_hash, data, created_at_ms, expires_at_ms, user_id, frozen";
  return {
    migrate: [
      `CREATE TABLE IF NOT EXISTS ${qualified} (
        id_hash text PRIMARY KEY,
        data jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at_ms bigint NOT NULL,
        expires_at_ms bigint NOT NULL,
        user_id text,
        frozen boolean NOT NULL DEFAULT false
      )`,
      `CREATE INDEX IF NOT EXISTS ${expiresIdx} ON ${qualified} (expires_at_ms)`,
      // Partial: most sessions are anonymous, and only indexed ones are ever looked up by user.
      `CREATE INDEX IF NOT EXISTS ${userIdx} ON ${qualified} (user_id) WHERE user_id IS NOT NULL`,
    ],
    // Serializes concurrent migrations of the same table (CREATE … IF NOT EXISTS alone can race on the catalog).
    lockKey: `sessionkit:${schema ?? ""}.${table}`,
    load: `SELECT ${columns} FROM ${qualified} WHERE id_hash = $1 AND expires_at_ms > $2`,
    create: `INSERT INTO ${qualified} (${columns}) VALUES ($1, $2::jsonb, $3, $4, $5, $6)
      ON CONFLICT (id_hash) DO NOTHING`,
    apply: `WITH cur AS (
        SELECT id_hash, frozen FROM ${qualified}
        WHERE id_hash = $1 AND expires_at_ms > $2
        FOR UPDATE
      ), upd AS (
        UPDATE ${qualified} AS s SET
          data = ((CASE WHEN $3::boolean THEN '{}'::jsonb ELSE s.data END) - $4::text[]) || $5::jsonb,
          expires_at_ms = COALESCE($6::bigint, s.expires_at_ms),
          user_id = CASE WHEN $7::boolean THEN $8::text ELSE s.user_id END,
          frozen = s.frozen OR $9::boolean
        FROM cur WHERE s.id_hash = cur.id_hash AND NOT cur.frozen
        RETURNING 1
      )
      SELECT (SELECT frozen FROM cur) AS frozen, EXISTS (SELECT 1 FROM upd) AS updated`,
    touch: `UPDATE ${qualified} SET expires_at_ms = $2 WHERE id_hash = $1 AND expires_at_ms > $3 AND NOT frozen`,
    destroy: `DELETE FROM ${qualified} WHERE id_hash = $1`,
    listForUser: `SELECT id_hash, created_at_ms, expires_at_ms, user_id FROM ${qualified}
      WHERE user_id = $1 AND expires_at_ms > $2 ORDER BY created_at_ms, id_hash`,
    destroyForUser: `DELETE FROM ${qualified} WHERE user_id = $1 AND id_hash IS DISTINCT FROM $2`,
    // Batched so one prune never holds row locks on the whole table; SKIP LOCKED leaves rows a request is writing.
    prune: `DELETE FROM ${qualified} WHERE id_hash IN (
        SELECT id_hash FROM ${qualified} WHERE expires_at_ms <= $1
        ORDER BY expires_at_ms LIMIT $2 FOR UPDATE SKIP LOCKED
      )`,
    list: `SELECT id_hash, created_at_ms, expires_at_ms, user_id FROM ${qualified}
      ORDER BY created_at_ms, id_hash LIMIT $1`,
    listByUser: `SELECT id_hash, created_at_ms, expires_at_ms, user_id FROM ${qualified}
      WHERE user_id = $2 ORDER BY created_at_ms, id_hash LIMIT $1`,
  };
}
