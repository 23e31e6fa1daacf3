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
  rotate: string;
  destroyLinked: string;
  destroyUserBatch: string;
  listForUser: string;
  prune: string;
  list: string;
  listByUser: string;
}

/**
 * The ids reachable from the seed rows by `successor`/`predecessor` links
 * (`linked`), never through an id `spared` names; a successor only while it
 * carries `owner` (SQL for a user id, or NULL: any), since a login as
 * someone else took that session away from the user being logged out.
 * Appended to a WITH RECURSIVE whose earlier CTE `seed(id)` names where to
 * start. `del` deletes them, reporting each row as it was when deleted.
 */
function linkedFrom(table: string, spared: (id: string) => string, owner: string, nowMs: string): string {
  return `linked(id) AS (
        SELECT id FROM seed
        UNION
        SELECT n.id FROM linked l JOIN ${table} s ON s.id_hash = l.id
          CROSS JOIN LATERAL (VALUES (s.successor, true), (s.predecessor, false)) AS n(id, forward)
        WHERE n.id IS NOT NULL AND ${spared("n.id")}
          AND (NOT n.forward OR ${owner}::text IS NULL OR EXISTS (SELECT 1 FROM ${table} o WHERE o.id_hash = n.id AND o.user_id = ${owner}))
      ), del AS (
        DELETE FROM ${table} WHERE id_hash IN (SELECT id FROM linked) AND ${spared("id_hash")}
        RETURNING successor, (expires_at_ms > ${nowMs} AND NOT frozen) AS live
      )`;
}

/**
 * The visited ids, the live sessions deleted, and the successor links of the
 * rows actually deleted (they may be newer than the statement's snapshot: a
 * rotate that committed meanwhile; predecessors never change, so the
 * statement followed them already).
 */
const LINK_RESULT = `(SELECT array_agg(id) FROM linked) AS visited, (SELECT count(*) FROM del WHERE live) AS live,
      (SELECT array_agg(successor) FROM del WHERE successor IS NOT NULL) AS links`;

/**
 * Build every statement for one table.
 *
 * `apply` is one statement: a CTE takes the row lock (`FOR UPDATE`, which
 * under READ COMMITTED waits for a concurrent writer and then sees its
 * committed row) and reads `frozen` from that locked row, so `"missing"`,
 * `"frozen"` and `"ok"` are told apart with no window between a read and a
 * write. The update itself is jsonb arithmetic on the stored value
 * (`(data - deleted) || set`), so concurrent change-sets to different keys
 * compose instead of overwriting each other. `rotate` is one statement the
 * same way: it locks the old row, inserts the new one computed from it, and
 * freezes (or deletes) the old one.
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
  const columns = "id_hash, data, created_at_ms, expires_at_ms, user_id, frozen, successor, predecessor, readable_until_ms";
  const summary = "id_hash, created_at_ms, expires_at_ms, user_id";
  return {
    migrate: [
      `CREATE TABLE IF NOT EXISTS ${qualified} (
        id_hash text PRIMARY KEY,
        data jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at_ms bigint NOT NULL,
        expires_at_ms bigint NOT NULL,
        user_id text,
        frozen boolean NOT NULL DEFAULT false,
        successor text,
        predecessor text,
        readable_until_ms bigint
      )`,
      // Tables made before regenerate became one atomic step: add the link columns (instant: nullable, no default).
      `ALTER TABLE ${qualified} ADD COLUMN IF NOT EXISTS successor text, ADD COLUMN IF NOT EXISTS predecessor text,
        ADD COLUMN IF NOT EXISTS readable_until_ms bigint`,
      `CREATE INDEX IF NOT EXISTS ${expiresIdx} ON ${qualified} (expires_at_ms)`,
      // Partial: most sessions are anonymous, and only indexed ones are ever looked up by user.
      `CREATE INDEX IF NOT EXISTS ${userIdx} ON ${qualified} (user_id) WHERE user_id IS NOT NULL`,
    ],
    // Serializes concurrent migrations of the same table (CREATE … IF NOT EXISTS alone can race on the catalog).
    lockKey: `sessionkit:${schema ?? ""}.${table}`,
    load: `SELECT ${columns} FROM ${qualified} WHERE id_hash = $1 AND expires_at_ms > $2`,
    // An expired row under the id is gone for every reader, so it must not block the create.
    create: `INSERT INTO ${qualified} AS s (${columns}) VALUES ($1, $2::jsonb, $3, $4, $5, $6, NULL, NULL, $8)
      ON CONFLICT (id_hash) DO UPDATE SET data = EXCLUDED.data, created_at_ms = EXCLUDED.created_at_ms,
        expires_at_ms = EXCLUDED.expires_at_ms, user_id = EXCLUDED.user_id, frozen = EXCLUDED.frozen,
        successor = NULL, predecessor = NULL, readable_until_ms = EXCLUDED.readable_until_ms
      WHERE s.expires_at_ms <= $7`,
    apply: `WITH cur AS (
        SELECT id_hash, frozen FROM ${qualified}
        WHERE id_hash = $1 AND expires_at_ms > $2
        FOR UPDATE
      ), upd AS (
        UPDATE ${qualified} AS s SET
          data = ((CASE WHEN $3::boolean THEN '{}'::jsonb ELSE s.data END) - $4::text[]) || $5::jsonb,
          expires_at_ms = COALESCE($6::bigint, s.expires_at_ms),
          user_id = CASE WHEN $7::boolean THEN $8::text ELSE s.user_id END
        FROM cur WHERE s.id_hash = cur.id_hash AND NOT cur.frozen
        RETURNING 1
      )
      SELECT (SELECT frozen FROM cur) AS frozen, EXISTS (SELECT 1 FROM upd) AS updated`,
    touch: `UPDATE ${qualified} SET expires_at_ms = $2 WHERE id_hash = $1 AND expires_at_ms > $3 AND NOT frozen`,
    // $1 old, $2 new, $3 nowMs, $4 clear, $5 deleted keys, $6 set (jsonb), $7 createdAtMs, $8 expiresAtMs,
    // $9 user given, $10 user, $11 graceUntilMs. The old row is frozen, keeps its user (a log out
    // everywhere that began before this commit still meets the session through it), and is kept until
    // the latest of its expiry, the grace and the new row's expiry: the link a logout follows.
    rotate: `WITH old AS (
        SELECT id_hash, data, created_at_ms, expires_at_ms, user_id, frozen FROM ${qualified}
        WHERE id_hash = $1 AND expires_at_ms > $3
        FOR UPDATE
      ), ins AS (
        INSERT INTO ${qualified} (${columns})
        SELECT $2, ((CASE WHEN $4::boolean THEN '{}'::jsonb ELSE old.data END) - $5::text[]) || $6::jsonb,
          COALESCE($7::bigint, old.created_at_ms), COALESCE($8::bigint, old.expires_at_ms),
          CASE WHEN $9::boolean THEN $10::text ELSE old.user_id END, false, NULL, old.id_hash, NULL
        FROM old WHERE NOT old.frozen
        RETURNING 1
      ), frz AS (
        UPDATE ${qualified} AS s SET frozen = true, readable_until_ms = $11,
          expires_at_ms = GREATEST(s.expires_at_ms, $11::bigint, COALESCE($8::bigint, s.expires_at_ms)), successor = $2
        FROM old WHERE s.id_hash = old.id_hash AND NOT old.frozen
        RETURNING 1
      )
      SELECT (SELECT frozen FROM old) AS frozen, EXISTS (SELECT 1 FROM ins) AS rotated`,
    // $1 ids to start from, $2 an id never crossed (or NULL), $3 the owner every successor (and every
    // seed, when $5) must carry (or NULL: any), $4 nowMs.
    destroyLinked: `WITH RECURSIVE seed(id) AS (
        SELECT i FROM unnest($1::text[]) AS i
        WHERE NOT $5::boolean OR $3::text IS NULL OR EXISTS (SELECT 1 FROM ${qualified} o WHERE o.id_hash = i AND o.user_id = $3)
      ), ${linkedFrom(qualified, (id) => `${id} IS DISTINCT FROM $2`, "$3", "$4")}
      SELECT ${LINK_RESULT}`,
    // $1 userId, $2 the excepted id (or NULL), $3 batch size, $4 nowMs, $5 the last id of the previous
    // batch ('' at first). The excepted session is spared whole: its id and every old id before it.
    // A frozen row keeps its user (the link to its session's new id, which a rotate that committed
    // after this statement began may have just written), but is not this user's when its chain's
    // head carries another user now. Locks the batch, so a rotate running at the same time either
    // finishes first (its frozen row is then met with its successor link) or waits. Run at REPEATABLE
    // READ (PostgresStore #userBatch): a rotate that commits after the snapshot fails the lock (40001)
    // and the batch runs again, so the chain's head is never read older than the row it starts from.
    destroyUserBatch: `WITH RECURSIVE spared(id) AS (
        SELECT $2::text WHERE $2::text IS NOT NULL
        UNION
        SELECT s.predecessor FROM spared JOIN ${qualified} s ON s.id_hash = spared.id WHERE s.predecessor IS NOT NULL
      ), batch AS (
        SELECT id_hash, frozen, successor FROM ${qualified}
        WHERE user_id = $1 AND id_hash > $5 AND id_hash NOT IN (SELECT id FROM spared)
        ORDER BY id_hash LIMIT $3
        FOR UPDATE
      ), walk(start, cur, hops) AS (
        SELECT id_hash, successor, 0 FROM batch WHERE frozen AND successor IS NOT NULL
        UNION ALL
        SELECT w.start, s.successor, w.hops + 1 FROM walk w JOIN ${qualified} s ON s.id_hash = w.cur
        WHERE s.frozen AND s.successor IS NOT NULL AND w.hops < 64
      ), theirs AS (
        SELECT w.start AS id FROM walk w JOIN ${qualified} s ON s.id_hash = w.cur WHERE NOT s.frozen AND s.user_id IS DISTINCT FROM $1
      ), seed(id) AS (SELECT id_hash FROM batch WHERE id_hash NOT IN (SELECT id FROM theirs)),
      ${linkedFrom(qualified, (id) => `${id} NOT IN (SELECT id FROM spared)`, "$1", "$4")}
      SELECT (SELECT max(id_hash) FROM batch) AS last, ${LINK_RESULT}`,
    listForUser: `SELECT ${summary} FROM ${qualified}
      WHERE user_id = $1 AND expires_at_ms > $2 AND NOT frozen ORDER BY created_at_ms, id_hash`,
    // Batched so one prune never holds row locks on the whole table; SKIP LOCKED leaves rows a request is writing.
    prune: `DELETE FROM ${qualified} WHERE id_hash IN (
        SELECT id_hash FROM ${qualified} WHERE expires_at_ms <= $1
        ORDER BY expires_at_ms LIMIT $2 FOR UPDATE SKIP LOCKED
      )`,
    // Live sessions only: a frozen row is an old id of a session listed under its new one.
    list: `SELECT ${summary} FROM ${qualified} WHERE expires_at_ms > $2 AND NOT frozen
      ORDER BY created_at_ms, id_hash LIMIT $1`,
    listByUser: `SELECT ${summary} FROM ${qualified}
      WHERE user_id = $3 AND expires_at_ms > $2 AND NOT frozen ORDER BY created_at_ms, id_hash LIMIT $1`,
  };
}
