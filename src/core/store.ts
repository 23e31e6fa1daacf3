/**
 * The store contract: what a server-side store must do, in core so that core
 * never imports a store. A store sees only hashed ids (`idHash`) and opaque
 * value strings; it never sees a request, a cookie or a raw session id.
 *
 * Every method is async, takes explicit times, and must be atomic per record.
 * The shared suite in `sessionkit/testing` (`testStore`) checks every rule
 * written here against a real store.
 */

/**
 * One stored session.
 *
 * `data` maps each user key to its serialized value (Flask's tagged JSON
 * text, produced by core). Stores keep the strings as they are; they never
 * parse them. The object has a null prototype when it comes from core, and a
 * store must build its own with `Object.create(null)` when it reads one back,
 * so that a key named `__proto__` stays plain data.
 *
 * @example
 * const record: StoreRecord = {
 *   data: Object.assign(Object.create(null), { username: '"alice"' }),
 *   createdAtMs: 1_700_000_000_000,
 *   expiresAtMs: 1_700_086_400_000,
 * };
 */
export interface StoreRecord {
  /** User key → serialized value. Null prototype. */
  data: Record<string, string>;
  /** When the session was created: the anchor of the absolute timeout. Never changed by a write. */
  createdAtMs: number;
  /** When the record stops being valid (idle expiry). Core checks it on load whatever the store's TTL did. */
  expiresAtMs: number;
  /** The user this session is indexed under (`session.setUser`), if any. */
  userId?: string | undefined;
  /**
   * Set when the session was regenerated: the record is kept read-only until
   * `expiresAtMs` (the grace window) so that requests already in flight with
   * the old id still see the data. `apply` on a frozen record returns `"frozen"`.
   */
  frozen?: boolean | undefined;
}

/**
 * What one request changed, applied atomically by {@link Store.apply}.
 * Order: `clear` (drop every key), then `delete`, then `set`.
 *
 * @example
 * const change: ChangeSet = { set: { n: "2" }, delete: ["flash"], expiresAtMs: Date.now() + 3_600_000 };
 */
export interface ChangeSet {
  /** Keys to write, with their serialized values. Null prototype. */
  set: Record<string, string>;
  /** Keys to remove. */
  delete: string[];
  /** Drop every key before applying `delete` and `set` (`session.clear()`). */
  clear?: boolean | undefined;
  /** New idle expiry; absent keeps the stored one. */
  expiresAtMs?: number | undefined;
  /** New user index entry: a string sets it, `null` removes it, absent keeps it. */
  userId?: string | null | undefined;
  /** Mark the record read-only (used by regenerate's grace window). */
  frozen?: boolean | undefined;
}

/**
 * Outcome of {@link Store.apply}:
 * - `"ok"`: applied;
 * - `"missing"`: no such record (destroyed, expired or never created): nothing
 *   was written, so a destroyed session is never brought back;
 * - `"frozen"`: the record is read-only (regenerated, in its grace window).
 */
export type ApplyResult = "ok" | "missing" | "frozen";

/** One entry of {@link Store.listForUser}: never a raw id. */
export interface StoredSessionInfo {
  idHash: string;
  createdAtMs: number;
  expiresAtMs: number;
  userId?: string | undefined;
}

/**
 * A server-side session store.
 *
 * `ttlSeconds` arguments are whole seconds ≥ 1, given so that stores with a
 * native TTL (Redis) can use it; stores must still keep `expiresAtMs` and core
 * checks it on load.
 *
 * @example
 * const sessions = createSessions({ secret, store: new MemoryStore() });
 */
export interface Store {
  /** A short name for errors and events, such as `"redis"`. */
  readonly name: string;
  /**
   * When true, core passes the raw session id instead of its SHA-256 hash
   * (Flask-Session compatibility: Flask-Session keys records by the raw id).
   * A dump of such a store yields live cookies; say so wherever it is offered.
   */
  readonly rawIds?: boolean;
  /** Read a record, or `undefined` when there is none or it has expired. */
  load(idHash: string): Promise<StoreRecord | undefined>;
  /** Create a record; resolves `false`, writing nothing, when one already exists under `idHash`. */
  create(idHash: string, record: StoreRecord, ttlSeconds: number): Promise<boolean>;
  /** Apply a change-set atomically to an existing record; never creates one. */
  apply(idHash: string, change: ChangeSet, ttlSeconds: number): Promise<ApplyResult>;
  /** Move the idle expiry of an existing record without touching its data; `false` when it is missing. */
  touch(idHash: string, expiresAtMs: number, ttlSeconds: number): Promise<boolean>;
  /** Remove a record (and its user index entry). Removing a missing record is not an error. */
  destroy(idHash: string): Promise<void>;

  /** Optional: the sessions indexed under a user id (`session.setUser`). */
  listForUser?(userId: string): Promise<StoredSessionInfo[]>;
  /** Optional: destroy every session of a user except `exceptIdHash`; resolves how many were removed. */
  destroyForUser?(userId: string, exceptIdHash?: string): Promise<number>;
  /** Optional: remove records that expired before `nowMs`, at most `limit` of them; resolves how many. */
  prune?(nowMs: number, limit?: number): Promise<number>;
  /** Optional: every record's summary, for the CLI's `list` (may be slow on large stores). */
  list?(options?: { limit?: number; userId?: string }): Promise<StoredSessionInfo[]>;
  /** Optional: release what the store itself opened (never the client the user passed in). */
  close?(): Promise<void>;
}

/**
 * A change-set's meaning, for stores that apply it in JavaScript (read,
 * merge, write under their own lock): `clear`, then `delete`, then `set`,
 * then the expiry, user and frozen fields. Returns a new record with a
 * null-prototype `data`; `record` is not changed.
 *
 * @example
 * const next = applyChangeSet(current, { set: { n: "2" }, delete: ["flash"] });
 */
export function applyChangeSet(record: StoreRecord, change: ChangeSet): StoreRecord {
  const data = Object.create(null) as Record<string, string>;
  if (change.clear !== true) for (const key of Object.keys(record.data)) data[key] = record.data[key]!;
  for (const key of change.delete) delete data[key];
  for (const key of Object.keys(change.set)) data[key] = change.set[key]!;
  const next: StoreRecord = { ...record, data };
  if (change.expiresAtMs !== undefined) next.expiresAtMs = change.expiresAtMs;
  if (change.userId !== undefined) next.userId = change.userId ?? undefined;
  if (change.frozen === true) next.frozen = true;
  return next;
}
