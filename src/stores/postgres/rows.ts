/**
 * Conversions between PostgreSQL rows and store records, with the checks a
 * value must pass on its way in (text PostgreSQL cannot hold) and on its way
 * out (the row is untrusted: it must have the shape core expects).
 */
import type { StoreRecord, StoredSessionInfo } from "../../core/store.js";

/**
 * A key, value or user id that PostgreSQL cannot store as it is: text with a
 * NUL character or an unpaired UTF-16 surrogate. PostgreSQL refuses the first,
 * and the driver would silently turn the second into U+FFFD, so the store
 * refuses both up front rather than store something other than what it was given.
 *
 * @example
 * catch (e) { if (e instanceof UnstorableTextError) console.log(e.code, e.field) }
 */
export class UnstorableTextError extends RangeError {
  readonly code = "SESSIONKIT_UNSTORABLE_TEXT";
  /** Which part of the change held the text: `"key"`, `"value"` or `"userId"`. */
  readonly field: string;
  constructor(field: string) {
    super(`a session ${field} holds a NUL character or an unpaired surrogate, which PostgreSQL cannot store`);
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

function storable(text: string): boolean {
  if (text.includes("\u0000")) return false;
  const s = text as string & { isWellFormed?: () => boolean };
  return typeof s.isWellFormed === "function" ? s.isWellFormed() : !LONE_SURROGATE.test(text);
}

/**
 * Throw {@link UnstorableTextError} unless every key and value can be stored.
 *
 * @example
 * assertStorable({ a: '"x"' }, ["b"], "user-1");
 */
export function assertStorable(set: Record<string, string>, deleted: readonly string[], userId?: string | null): void {
  for (const key of Object.keys(set)) {
    if (!storable(key)) throw new UnstorableTextError("key");
    const value = set[key];
    if (typeof value !== "string" || !storable(value)) throw new UnstorableTextError("value");
  }
  for (const key of deleted) if (!storable(key)) throw new UnstorableTextError("key");
  if (typeof userId === "string" && !storable(userId)) throw new UnstorableTextError("userId");
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
    data[key] = v;
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
  if (typeof row.user_id === "string") record.userId = row.user_id;
  if (row.frozen === true) record.frozen = true;
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
  if (typeof row.user_id === "string") info.userId = row.user_id;
  return info;
}
