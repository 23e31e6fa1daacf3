/**
 * The store contract: what a server-side store must do, in core so that core
 * never imports a store. A store sees only hashed ids (`idHash`) and opaque
 * value strings; it never sees a request, a cookie or a raw session id.
 *
 * Every method is async, takes core's time in its context (a store has no
 * clock of its own), and must be atomic per record.
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
   * Set when the session was regenerated ({@link Store.rotate}): the record
   * is read-only from then on. `apply` on a frozen record returns
   * `"frozen"`, `touch` returns false. Core lets requests read it until
   * `readableUntilMs` (the grace window, so requests already in flight with
   * the old id keep the user); after that it is kept only as a link, until
   * `expiresAtMs` (at least the successor's first idle expiry), so that a
   * logout sent with the old id still ends the session.
   */
  frozen?: boolean | undefined;
  /** On a frozen record: until when core serves it to requests (the grace window); a store only keeps it. */
  readableUntilMs?: number | undefined;
  /**
   * On a frozen record: the `idHash` of the record it was rotated into
   * (set by {@link Store.rotate}).
   */
  successor?: string | undefined;
  /**
   * On a rotated record: the `idHash` of the frozen record it came from
   * (set by {@link Store.rotate}). `destroy` follows both links, so a logout
   * ends the session under every id it had, grace window included.
   */
  predecessor?: string | undefined;
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
  /**
   * {@link Store.rotate} only: a new creation time (a login starts a new
   * absolute timeout; a plain regenerate keeps the old one). Absent keeps it.
   */
  createdAtMs?: number | undefined;
}

/**
 * Outcome of {@link Store.apply}:
 * - `"ok"`: applied;
 * - `"missing"`: no such record (destroyed, expired or never created): nothing
 *   was written, so a destroyed session is never brought back;
 * - `"frozen"`: the record is read-only (regenerated, in its grace window).
 */
export type ApplyResult = "ok" | "missing" | "frozen";

/**
 * One entry of {@link Store.listForUser} or {@link Store.list}: one live
 * session (a regenerated session's frozen old ids are not entries of their
 * own), named by its `idHash`. A store with `rawIds` names it by
 * base64url(SHA-256(id)), the form every other store keys by: never a raw id.
 */
export interface StoredSessionInfo {
  idHash: string;
  createdAtMs: number;
  expiresAtMs: number;
  userId?: string | undefined;
}

/**
 * What core tells a store on every call. Core owns time: a store never reads
 * a clock of its own, so a test's clock (`createSessions({ now })`) and the
 * store always agree.
 *
 * @example
 * const record = await store.load(idHash, { nowMs: Date.now(), abandoned: false });
 */
export interface StoreContext {
  /** Core's clock, in milliseconds since the epoch: the only "now" a store may use. */
  readonly nowMs: number;
  /**
   * Becomes true when core stops waiting for this call (its deadline passed:
   * the app has already been told the call failed). A store that queues work
   * (a lock, a connection pool) checks it just before starting a write and
   * drops a write that has not started, so that a write the app was told
   * failed never lands later. A write already sent may still land: core's
   * error then says so.
   */
  readonly abandoned: boolean;
  /**
   * A call that works batch by batch (`listForUser`, `destroyForUser`) calls
   * this after each batch it finishes: core's deadline then starts again.
   * So a log-out-everywhere of 10,000 sessions that keeps making headway is
   * never cut off, while a batch that hangs still is. Absent outside core's
   * calls ({@link storeContext}).
   */
  readonly progress?: () => void;
}

/**
 * A context for calling a store outside a request (the CLI, a prune job, a
 * test): the given time (default: now) and never abandoned.
 *
 * @example
 * await store.destroyForUser("alice", undefined, storeContext());
 */
export function storeContext(nowMs: number = Date.now()): StoreContext {
  return { nowMs, abandoned: false };
}

/**
 * The whole seconds ≥ 1 until `expiresAtMs`, for stores with a native TTL
 * (Redis `EXPIRE`, a Memcached expiry). Rounded up, so the native TTL never
 * ends before the `expiresAtMs` core checks.
 *
 * @example
 * ttlSecondsUntil(ctx.nowMs + 1_500, ctx.nowMs); // 2
 */
export function ttlSecondsUntil(expiresAtMs: number, nowMs: number): number {
  return Math.max(1, Math.ceil((expiresAtMs - nowMs) / 1000));
}

/**
 * Until when {@link Store.rotate} keeps the old record as a link (its new
 * `expiresAtMs`): the latest of its own expiry, the grace end and the new
 * record's expiry as the rotate sets it (`change.expiresAtMs`, else the old
 * record's, which the new one keeps). For stores that rotate in JavaScript.
 *
 * @example
 * const frozen = { ...old, frozen: true, readableUntilMs: graceUntilMs, expiresAtMs: linkKeptUntilMs(old.expiresAtMs, change, graceUntilMs) };
 */
export function linkKeptUntilMs(oldExpiresAtMs: number, change: ChangeSet, graceUntilMs: number): number {
  return Math.max(oldExpiresAtMs, graceUntilMs, change.expiresAtMs ?? oldExpiresAtMs);
}

/**
 * A server-side session store.
 *
 * Every call core makes takes a {@link StoreContext} last: the current time
 * (a store has no clock of its own) and whether core has given up on the
 * call. A record whose `expiresAtMs` is at or before `ctx.nowMs` is treated
 * as absent by every method; a store with a native TTL sets it from
 * {@link ttlSecondsUntil} and core still checks `expiresAtMs` on load.
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
  load(idHash: string, ctx: StoreContext): Promise<StoreRecord | undefined>;
  /**
   * Create a record; resolves `false`, writing nothing, when a live one
   * already exists under `idHash`. Links (`successor`, `predecessor`) are
   * {@link Store.rotate}'s to set: `create` does not store them.
   */
  create(idHash: string, record: StoreRecord, ctx: StoreContext): Promise<boolean>;
  /** Apply a change-set atomically to an existing, live record; never creates one. */
  apply(idHash: string, change: ChangeSet, ctx: StoreContext): Promise<ApplyResult>;
  /** Move the idle expiry of an existing, live, unfrozen record without touching its data; `false` when it is missing. */
  touch(idHash: string, expiresAtMs: number, ctx: StoreContext): Promise<boolean>;
  /**
   * Give a session a new id, atomically (regenerate and login). When the
   * record under `oldIdHash` is live and not frozen: the record under
   * `newIdHash` is created from it with `change` applied (its `createdAtMs`
   * kept unless `change.createdAtMs` is given, its user index entry moved or
   * set by `change.userId`, `predecessor: oldIdHash`), and the old record is
   * frozen with `successor: newIdHash` and `readableUntilMs: graceUntilMs`,
   * keeping its user and its user index entry (a "log out everywhere" that
   * read the index before the new entry was added must still reach the
   * session, through this record's link; listings skip frozen records), and
   * kept (its `expiresAtMs` set, native TTL included) until the latest of
   * its own `expiresAtMs`, `graceUntilMs` and the new record's `expiresAtMs`
   * as this rotate sets it (`change.expiresAtMs`, else the kept one;
   * {@link linkKeptUntilMs}): never
   * removed at once, even without a grace window, because it is the link a
   * logout sent with the old id follows to the new record, and a request
   * that loaded the old id just before the rotate must still reach the new
   * record through it for as long as that record's first idle window lasts.
   * `readableUntilMs` stays `graceUntilMs`: only the link outlives the grace.
   * Otherwise nothing is written and the result
   * says why: `"missing"` (destroyed or expired: a logout won) or `"frozen"`
   * (another request rotated it first: one session has at most one live
   * successor). `newIdHash` is fresh (256 random bits): no check is needed.
   */
  rotate(oldIdHash: string, newIdHash: string, change: ChangeSet, graceUntilMs: number, ctx: StoreContext): Promise<ApplyResult>;
  /**
   * Remove a record and its user index entry, and every record linked to it
   * by `successor` or `predecessor`, transitively (a logout sent with an old
   * id in its grace window ends the session under its new id, and a logout
   * with the new id ends the read-only old one). Removing a missing record is
   * not an error. `destroyForUser` follows the same links.
   */
  destroy(idHash: string, ctx: StoreContext): Promise<void>;

  /** Optional: the live sessions indexed under a user id (`session.setUser`), every one of them (see {@link StoredSessionInfo}). */
  listForUser?(userId: string, ctx: StoreContext): Promise<StoredSessionInfo[]>;
  /**
   * Optional: destroy every session of a user, with the ids linked to it,
   * except the session `exceptIdHash` names (kept whole, its old ids too),
   * however many there are, in bounded memory (in batches); resolves how
   * many live sessions it ended (a session's frozen old ids are not counted).
   * It ends each session through its successor chain, and a session whose
   * rotate is in flight too: after it returns, no id of the user's sessions
   * is live, the new id of a racing rotate included (that rotate then
   * resolves `"missing"`), and each session counts once. A frozen record
   * whose successor now carries another user (a login as someone else that
   * finished first) is not this user's session any more.
   * A store with `rawIds` takes as `exceptIdHash` either the raw id (what
   * core passes) or the hash a listing gave.
   */
  destroyForUser?(userId: string, exceptIdHash: string | undefined, ctx: StoreContext): Promise<number>;
  /** Optional: remove records that expired before `nowMs`, at most `limit` of them; resolves how many. Apps call it from a timer. */
  prune?(nowMs: number, limit?: number): Promise<number>;
  /**
   * Optional: `prune(nowMs)`, but only while no other process or store
   * object prunes the same records (an advisory lock, a lock file): resolves
   * `undefined`, having removed nothing, when one does. Automatic cleanup
   * (`createSessions({ autoPrune })`) calls it, so that many processes never
   * prune at once.
   */
  pruneExclusive?(nowMs: number): Promise<number | undefined>;
  /** Optional: live sessions' summaries, named as {@link StoredSessionInfo} says, for the CLI's `list` (may be slow on large stores). */
  list?(options: { nowMs: number; limit?: number; userId?: string }): Promise<StoredSessionInfo[]>;
  /** Optional: release what the store itself opened (never the client the user passed in). */
  close?(): Promise<void>;
}

/**
 * A change-set's meaning, for stores that apply it in JavaScript (read,
 * merge, write under their own lock): `clear`, then `delete`, then `set`,
 * then the expiry and user fields. Returns a new record with a
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
  if (change.createdAtMs !== undefined) next.createdAtMs = change.createdAtMs;
  return next;
}
