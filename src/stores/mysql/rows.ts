/**
 * Rows of the MySQL store to records and back. The data is stored as UTF-8
 * JSON bytes: `JSON.stringify` escapes U+0000 and unpaired surrogates, so
 * every key and value round-trips exactly. A user id is stored as UTF-8
 * bytes beside its SHA-256 (the index), so it must be well-formed text.
 */
import { createHash } from "node:crypto";
import type { StoreRecord, StoredSessionInfo } from "../../core/store.js";
import { MysqlStoreError } from "./errors.js";
import type { SqlValue } from "./runner.js";

/**
 * The stored form of a record's data.
 *
 * @example
 * encodeData(record.data); // <Buffer 7b 22 61 22 3a 22 31 22 7d>
 */
export function encodeData(data: Record<string, string>): Buffer {
  return Buffer.from(JSON.stringify(data), "utf8");
}

/**
 * Parse stored data into a null-prototype object (JSON.parse makes
 * `__proto__` an own key, which the copy keeps as data).
 *
 * @example
 * decodeData(Buffer.from('{"a":"1"}')); // [Object: null prototype] { a: '1' }
 */
export function decodeData(value: unknown): Record<string, string> {
  const text = Buffer.isBuffer(value) ? value.toString("utf8") : String(value);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw corrupt("its data is not JSON");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw corrupt("its data is not a JSON object");
  const data = Object.create(null) as Record<string, string>;
  for (const [key, v] of Object.entries(parsed)) {
    if (typeof v !== "string") throw corrupt("a value is not a string");
    data[key] = v;
  }
  return data;
}

function corrupt(why: string): MysqlStoreError {
  return new MysqlStoreError("SESSIONKIT_CORRUPT_RECORD", `a stored session could not be read (${why}); it was written by something else than this store.`);
}

/** An unpaired UTF-16 surrogate: text that has no UTF-8 form. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * A user id's stored bytes and index hash, or nulls for no user. Text with an
 * unpaired surrogate has no UTF-8 form and is refused rather than altered.
 *
 * @example
 * const [userId, userHash] = encodeUser("alice");
 */
export function encodeUser(userId: string | null | undefined): [Buffer | null, Buffer | null] {
  if (userId === null || userId === undefined) return [null, null];
  if (LONE_SURROGATE.test(userId)) {
    throw new MysqlStoreError("SESSIONKIT_UNSTORABLE_TEXT", "a user id contains an unpaired surrogate (not valid Unicode text), which MySQL cannot store; pass well-formed text.");
  }
  const bytes = Buffer.from(userId, "utf8");
  return [bytes, createHash("sha256").update(bytes).digest()];
}

/**
 * The index hash of a user id, for lookups.
 *
 * @example
 * await tx.rows(sql.listForUser, [userHash("alice"), nowMs]);
 */
export function userHash(userId: string): Buffer {
  return encodeUser(userId)[1]!;
}

/** A millisecond column: mysql2 gives BIGINT as a number, or as a string when the pool asks for big numbers. */
export function toMs(value: unknown, column: string): number {
  const n = typeof value === "bigint" ? Number(value) : typeof value === "string" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n)) {
    throw new MysqlStoreError("SESSIONKIT_CORRUPT_RECORD", `a stored session has a ${column} that is not a whole number of milliseconds.`);
  }
  return n;
}

function text(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  return Buffer.isBuffer(value) ? value.toString("utf8") : String(value);
}

/**
 * A row (every column of `COLUMNS`) as a record.
 *
 * @example
 * const record = toRecord(rows[0]);
 */
export function toRecord(row: Record<string, unknown>): StoreRecord {
  const record: StoreRecord = {
    data: decodeData(row.data),
    createdAtMs: toMs(row.created_at_ms, "created_at_ms"),
    expiresAtMs: toMs(row.expires_at_ms, "expires_at_ms"),
  };
  const userId = text(row.user_id);
  if (userId !== undefined) record.userId = userId;
  if (Number(row.frozen) === 1) record.frozen = true;
  if (row.readable_until_ms !== null && row.readable_until_ms !== undefined) record.readableUntilMs = toMs(row.readable_until_ms, "readable_until_ms");
  const successor = text(row.successor);
  if (successor !== undefined) record.successor = successor;
  const predecessor = text(row.predecessor);
  if (predecessor !== undefined) record.predecessor = predecessor;
  return record;
}

/**
 * A summary row as a listing entry.
 *
 * @example
 * const infos = rows.map(toInfo);
 */
export function toInfo(row: Record<string, unknown>): StoredSessionInfo {
  const info: StoredSessionInfo = {
    idHash: String(row.id_hash),
    createdAtMs: toMs(row.created_at_ms, "created_at_ms"),
    expiresAtMs: toMs(row.expires_at_ms, "expires_at_ms"),
  };
  const userId = text(row.user_id);
  if (userId !== undefined) info.userId = userId;
  return info;
}

/**
 * The insert's values for a record under `idHash` (`COLUMNS` order, without `successor`).
 *
 * @example
 * await tx.write(sql.insert, insertValues(idHash, record, null));
 */
export function insertValues(idHash: string, record: StoreRecord, predecessor: string | null): SqlValue[] {
  const [userId, hash] = encodeUser(record.userId);
  return [idHash, encodeData(record.data), record.createdAtMs, record.expiresAtMs, userId, hash, record.frozen === true ? 1 : 0, record.readableUntilMs ?? null, predecessor];
}
