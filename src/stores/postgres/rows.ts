/**
 * Conversions between PostgreSQL rows and store records, with the checks a
 * value must pass on its way in (text PostgreSQL cannot hold) and on its way
 * out (the row is untrusted: it must have the shape core expects).
 */
import type { StoreRecord, StoredSessionInfo } from "../../core/store.js";

/**
 * A key, value or user id that PostgreSQL cannot store: text with an unpaired
 * UTF-16 surrogate. The driver would silently turn it into U+FFFD, so the
 * store refuses it up front rather than store something other than what it
 * was given. (NUL, which PostgreSQL refuses too, is escaped instead: see {@link encodeText}.)
 *
 * @example
 * catch (e) { if (e instanceof UnstorableTextError) console.log(e.code, e.field) }
 */
export class UnstorableTextError extends RangeError {
  readonly code = "SESSIONKIT_UNSTORABLE_TEXT";
  /** Which part of the change held the text: `"key"`, `"value"` or `"userId"`. */
  readonly field: string;
  constructor(field: string) {
    super(`a session ${field} holds an unpaired surrogate, which PostgreSQL cannot store`);
    this.name = "UnstorableTextError";
    this.field = field;
  }
}

/**
 * A row whose columns do not have the shape the store writes (edited by hand,
 * or written by something else). Refused rather than inflated into a session.
 *
 * @example
 * catch (e) { if (e instanceof CorruptRecordError) console.log(e.code) }
 */
export class CorruptRecordError extends TypeError {
  readonly code = "SESSIONKIT_CORRUPT_RECORD";
  constructor(what: string) {
    super(`a stored session record is malformed (${what})`);
    this.name = "CorruptRecordError";
  }
}

/** `isWellFormed` is Node 20+; the regex is its fallback for older engines. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function wellFormed(text: string): boolean {
  const s = text as string & { isWellFormed?: () => boolean };
  return typeof s.isWellFormed === "function" ? s.isWellFormed() : !LONE_SURROGATE.test(text);
}

/**
 * PostgreSQL text and jsonb cannot hold U+0000, but a session key or value
 * may. Such strings (and, so the scheme stays reversible, strings that start
 * with the marker U+0001) are stored as the marker followed by the text with
 * U+0001 written as U+0001 "1" and U+0000 as U+0001 "0". Every other string —
 * all of what core writes in practice — is stored as it is, readable in psql.
 */
const MARK = "\u0001";

/**
 * Escape a string PostgreSQL could not store (see {@link decodeText}).
 *
 * @example
 * encodeText("a\u0000b"); // "\u0001a\u00010b"
 */
export function encodeText(text: string, field: string): string {
  if (!wellFormed(text)) throw new UnstorableTextError(field);
  if (!text.includes("\u0000") && !text.startsWith(MARK)) return text;
  return MARK + text.replaceAll(MARK, `${MARK}1`).replaceAll("\u0000", `${MARK}0`);
}

/**
 * Reverse {@link encodeText}.
 *
 * @example
 * decodeText(encodeText("a\u0000b", "value")); // "a\u0000b"
 */
export function decodeText(stored: string): string {
  if (!stored.startsWith(MARK)) return stored;
  return stored.slice(1).replace(/\u0001([01])/g, (_, c: string) => (c === "0" ? "\u0000" : MARK));
}

/**
 * The jsonb text of a change's `set` (or a record's data), keys and values escaped.
 *
 * @example
 * await client.query("SELECT $1::jsonb", [encodeData({ a: '"x"' })]);
 */
export function encodeData(data: Record<string, string>): string {
  const out: Record<string, string> = Object.create(null);
  for (const key of Object.keys(data)) {
    const value = data[key];
    if (typeof value !== "string") throw new UnstorableTextError("value");
    out[encodeText(key, "key")] = encodeText(value, "value");
  }
  return JSON.stringify(out);
}

/**
 * `int8` columns arrive as strings from `pg` (they may exceed 2^53); ours are
 * millisecond times, far below that.
 */
function toMs(value: unknown, column: string): number {
  const n = typeof value === "string" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n)) throw new CorruptRecordError(`${column} is not an integer`);
  return n;
}

/**
 * Copy stored data into a null-prototype object, so that a key named
 * `__proto__` stays plain data, and refuse anything but string values.
 *
 * @example
 * toData({ a: '"x"' }); // [Object: null prototype] { a: '"x"' }
 */
export function toData(value: unknown): Record<string, string> {
  const parsed = typeof value === "string" ? (JSON.parse(value) as unknown) : value;
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new CorruptRecordError("data is not an object");
  }
  const data: Record<string, string> = Object.create(null);
  for (const [key, v] of Object.entries(parsed)) {
    if (typeof v !== "string") throw new CorruptRecordError("a data value is not a string");
    data[decodeText(key)] = decodeText(v);
  }
  return data;
}

/**
 * A full row (`load`) as a {@link StoreRecord}.
 *
 * @example
 * const record = toRecord(result.rows[0]);
 */
export function toRecord(row: Record<string, unknown>): StoreRecord {
  const record: StoreRecord = {
    data: toData(row.data),
    createdAtMs: toMs(row.created_at_ms, "created_at_ms"),
    expiresAtMs: toMs(row.expires_at_ms, "expires_at_ms"),
  };
  if (typeof row.user_id === "string") record.userId = decodeText(row.user_id);
  if (row.frozen === true) record.frozen = true;
  if (typeof row.successor === "string") record.successor = row.successor;
  if (typeof row.predecessor === "string") record.predecessor = row.predecessor;
  if (row.readable_until_ms !== null && row.readable_until_ms !== undefined) record.readableUntilMs = toMs(row.readable_until_ms, "readable_until_ms");
  return record;
}

/**
 * A summary row (`list`, `listForUser`) as a {@link StoredSessionInfo}.
 *
 * @example
 * const infos = result.rows.map(toInfo);
 */
export function toInfo(row: Record<string, unknown>): StoredSessionInfo {
  if (typeof row.id_hash !== "string") throw new CorruptRecordError("id_hash is not text");
  const info: StoredSessionInfo = {
    idHash: row.id_hash,
    createdAtMs: toMs(row.created_at_ms, "created_at_ms"),
    expiresAtMs: toMs(row.expires_at_ms, "expires_at_ms"),
  };
  if (typeof row.user_id === "string") info.userId = decodeText(row.user_id);
  return info;
}
