/**
 * How a {@link StoreRecord} travels through an express-session store: as a
 * session object with the `cookie` the wrapped store reads to compute its TTL,
 * and our record under one namespaced property, so that nothing of ours can
 * collide with what the wrapped store adds (connect-redis adds `id` in `all()`).
 */
import type { StoreRecord, StoredSessionInfo } from "../../core/store.js";
import { fromJsonRecord, toJsonRecord, type JsonRecord } from "../shared/json-record.js";

/** The property holding our record inside the express-session object. */
export const NAMESPACE = "sessionkit";

/** A session object as express-session stores understand it. */
export interface ConnectSessionData {
  cookie: {
    /** ms: connect-redis ignores it, memorystore uses `maxAge` as its TTL. */
    originalMaxAge: number;
    maxAge: number;
    /** connect-redis computes its TTL from this. */
    expires: string;
    path: string;
    httpOnly: boolean;
  };
  /** The record (format 1), links optional: absent on records written before rotate. */
  [NAMESPACE]: JsonRecord;
}

/**
 * Wrap a record for the wrapped store. `nowMs` (core's clock) turns the
 * absolute expiry into the time the record has left, the relative `maxAge`
 * some stores want; at least 1 ms, because memorystore's LRU reads 0 as
 * "never expires" (our own expiry check still hides it). Stores that read
 * `cookie.expires` (connect-redis) compare it with their own clock, which we
 * cannot give core's: they get the same time left, counted from the wall
 * clock (`wallNowMs`), so their TTL neither cuts a session short nor
 * outlives it when core's clock differs (a test's, or a skewed host's).
 *
 * @example
 * await promisify(store.set)(idHash, toSession(record, ctx.nowMs));
 */
export function toSession(record: StoreRecord, nowMs: number, wallNowMs: number = Date.now()): ConnectSessionData {
  const maxAge = Math.max(1, record.expiresAtMs - nowMs);
  return {
    cookie: { originalMaxAge: maxAge, maxAge, expires: new Date(wallNowMs + maxAge).toISOString(), path: "/", httpOnly: true },
    [NAMESPACE]: toJsonRecord(record, 1),
  };
}

/**
 * Read our record back out of whatever the wrapped store returned.
 * Resolves `undefined` for anything without our namespace in the expected
 * shape: a session written by express-session itself, or a damaged one, is
 * not ours to inflate (core then starts a fresh session).
 *
 * @example
 * const record = fromSession(await get(idHash));
 */
export function fromSession(sess: unknown): StoreRecord | undefined {
  const record = fromJsonRecord((sess as Record<string, unknown> | null | undefined)?.[NAMESPACE], 1);
  return typeof record === "string" ? undefined : record;
}

/**
 * The `(sid, session)` pairs of an `all()` result: an array of sessions with
 * an `id` (connect-redis) or an object keyed by sid (express-session's
 * MemoryStore, memorystore).
 *
 * @example
 * for (const [sid, record] of allRecords(await all())) console.log(sid, record.userId);
 */
export function allRecords(result: unknown): Array<[string, StoreRecord]> {
  const pairs: Array<[string, unknown]> = Array.isArray(result)
    ? result.map((s) => [String((s as { id?: unknown } | null)?.id ?? ""), s])
    : result !== null && typeof result === "object"
      ? Object.entries(result)
      : [];
  const out: Array<[string, StoreRecord]> = [];
  for (const [sid, sess] of pairs) {
    const record = fromSession(sess);
    if (sid !== "" && record !== undefined) out.push([sid, record]);
  }
  return out;
}

/**
 * Summary of one record for `list` / `listForUser`.
 *
 * @example
 * const info = toInfo(idHash, record);
 */
export function toInfo(idHash: string, record: StoreRecord): StoredSessionInfo {
  const info: StoredSessionInfo = { idHash, createdAtMs: record.createdAtMs, expiresAtMs: record.expiresAtMs };
  if (record.userId !== undefined) info.userId = record.userId;
  return info;
}
