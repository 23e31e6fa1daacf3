/**
 * A store record as a plain JSON object, versioned: the shape the file store
 * writes to disk and the connect store keeps inside an express-session
 * session. What comes back is untrusted (a file edited by hand, a session
 * another app wrote), so reading checks every field.
 */
import type { StoreRecord } from "../../core/store.js";

/** The JSON object a record is stored as. */
export interface JsonRecord {
  v: number;
  createdAtMs: number;
  expiresAtMs: number;
  userId: string | null;
  frozen: boolean;
  successor?: string;
  predecessor?: string;
  readableUntilMs?: number;
  data: Record<string, string>;
}

/**
 * A record as its JSON object, format `version`. The links are optional in
 * the format (records written before regenerate was atomic have none).
 *
 * @example
 * JSON.stringify(toJsonRecord(record, 1));
 */
export function toJsonRecord(record: StoreRecord, version: number): JsonRecord {
  return {
    v: version,
    createdAtMs: record.createdAtMs,
    expiresAtMs: record.expiresAtMs,
    userId: record.userId ?? null,
    frozen: record.frozen === true,
    ...(record.successor === undefined ? {} : { successor: record.successor }),
    ...(record.predecessor === undefined ? {} : { predecessor: record.predecessor }),
    ...(record.readableUntilMs === undefined ? {} : { readableUntilMs: record.readableUntilMs }),
    data: { ...record.data },
  };
}

/** Why a stored object is not a record: not the format, or a value that is not a string. */
export type JsonRecordProblem = "format" | "value";

/**
 * The record a stored object holds, with its data in a null-prototype
 * object, or what is wrong with it.
 *
 * @example
 * const record = fromJsonRecord(JSON.parse(text), 1);
 * if (typeof record === "string") throw new Error(`not a record (${record})`);
 */
export function fromJsonRecord(stored: unknown, version: number): StoreRecord | JsonRecordProblem {
  const p = stored as Record<string, unknown> | null | undefined;
  if (
    p === null ||
    typeof p !== "object" ||
    p.v !== version ||
    !Number.isSafeInteger(p.createdAtMs) ||
    !Number.isSafeInteger(p.expiresAtMs) ||
    (p.userId !== null && typeof p.userId !== "string") ||
    typeof p.frozen !== "boolean" ||
    (p.successor !== undefined && typeof p.successor !== "string") ||
    (p.predecessor !== undefined && typeof p.predecessor !== "string") ||
    (p.readableUntilMs !== undefined && !Number.isSafeInteger(p.readableUntilMs)) ||
    p.data === null ||
    typeof p.data !== "object" ||
    Array.isArray(p.data)
  ) {
    return "format";
  }
  const data: Record<string, string> = Object.create(null);
  for (const [key, value] of Object.entries(p.data as object)) {
    if (typeof value !== "string") return "value";
    data[key] = value;
  }
  const record: StoreRecord = { data, createdAtMs: p.createdAtMs as number, expiresAtMs: p.expiresAtMs as number };
  if (typeof p.userId === "string") record.userId = p.userId;
  if (p.frozen === true) record.frozen = true;
  if (typeof p.successor === "string") record.successor = p.successor;
  if (typeof p.predecessor === "string") record.predecessor = p.predecessor;
  if (typeof p.readableUntilMs === "number") record.readableUntilMs = p.readableUntilMs;
  return record;
}
