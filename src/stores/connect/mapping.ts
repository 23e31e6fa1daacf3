/**
 * How a {@link StoreRecord} travels through an express-session store: as a
 * session object with the `cookie` the wrapped store reads to compute its TTL,
 * and our record under one namespaced property, so that nothing of ours can
 * collide with what the wrapped store adds (connect-redis adds `id` in `all()`).
 */
import type { StoreRecord, StoredSessionInfo } from "../../core/store.js";

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
  [NAMESPACE]: {
    v: 1;
    data: Record<string, string>;
    createdAtMs: number;
    expiresAtMs: number;
    userId: string | null;
    frozen: boolean;
    /** The links of a regenerate (absent on records written before rotate). */
    successor?: string;
    predecessor?: string;
    readableUntilMs?: number;
  };
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
    [NAMESPACE]: {
      v: 1,
      data: { ...record.data },
      createdAtMs: record.createdAtMs,
      expiresAtMs: record.expiresAtMs,
      userId: record.userId ?? null,
      frozen: record.frozen === true,
      ...(record.successor === undefined ? {} : { successor: record.successor }),
      ...(record.predecessor === undefined ? {} : { predecessor: record.predecessor }),
      ...(record.readableUntilMs === undefined ? {} : { readableUntilMs: record.readableUntilMs }),
    },
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
  const ours = (sess as Record<string, unknown> | null | undefined)?.[NAMESPACE] as Record<string, unknown> | undefined;
  if (
    ours === null ||
    typeof ours !== "object" ||
    ours.v !== 1 ||
    !Number.isSafeInteger(ours.createdAtMs) ||
    !Number.isSafeInteger(ours.expiresAtMs) ||
    (ours.userId !== null && typeof ours.userId !== "string") ||
    typeof ours.frozen !== "boolean" ||
    (ours.successor !== undefined && typeof ours.successor !== "string") ||
    (ours.predecessor !== undefined && typeof ours.predecessor !== "string") ||
    (ours.readableUntilMs !== undefined && !Number.isSafeInteger(ours.readableUntilMs)) ||
    ours.data === null ||
    typeof ours.data !== "object" ||
    Array.isArray(ours.data)
  ) {
    return undefined;
  }
  const data: Record<string, string> = Object.create(null);
  for (const [key, value] of Object.entries(ours.data as object)) {
    if (typeof value !== "string") return undefined;
    data[key] = value;
  }
  const record: StoreRecord = { data, createdAtMs: ours.createdAtMs as number, expiresAtMs: ours.expiresAtMs as number };
  if (typeof ours.userId === "string") record.userId = ours.userId;
  if (ours.frozen === true) record.frozen = true;
  if (typeof ours.successor === "string") record.successor = ours.successor;
  if (typeof ours.predecessor === "string") record.predecessor = ours.predecessor;
  if (typeof ours.readableUntilMs === "number") record.readableUntilMs = ours.readableUntilMs;
  return record;
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
