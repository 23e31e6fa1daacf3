/**
 * The session: Flask's `session` dictionary, with user data in a private Map
 * so that no key (`get`, `__proto__`, `save`) can shadow a method.
 *
 * The Session does not know where it is stored. The manager hands it the
 * initial values (decoded cookie data, or a stored record's value strings,
 * parsed lazily) and reads back what changed through {@link sessionInternals}.
 */
import { dumps, loads, tuple } from "../codec/index.js";
import { clone, isCloneable } from "./clone.js";
import { HeadersSentError } from "./errors.js";

/** Keys sessionkit writes in the data itself (Flask's wire names), hidden from keys()/entries(). */
export const RESERVED_KEYS = Object.freeze({
  permanent: "_permanent",
  flashes: "_flashes",
  createdAt: "_sk_created",
  jti: "_sk_jti",
  user: "_sk_user",
  authAt: "_sk_auth",
} as const);
const RESERVED = new Set<string>(Object.values(RESERVED_KEYS));

/** A value read from a store and not parsed yet. */
class Lazy {
  constructor(readonly text: string) {}
}

/** What the manager needs to see inside a session. */
export interface SessionInternals {
  values: Map<string, unknown>;
  /** Keys set, deleted or popped by this request (user and reserved). */
  dirty: Set<string>;
  /** True when clear() ran. */
  cleared: boolean;
  /** Object values handed out by reads, with the original (value or stored text) to detect nested changes. */
  handedOut: Map<string, unknown>;
  regenerate: { keepData: boolean } | undefined;
  destroyed: boolean;
  userId: string | null | undefined;
  /** login() ran: cookie mode then writes the user and login time into the cookie, with or without revocation. */
  loggedIn?: boolean;
  /** Permanence when the data has no `_permanent` key (the `permanent` option). */
  defaultPermanent: boolean;
  /** The request was outside the cookie's Path: nothing is loaded and nothing is sent. */
  outOfScope?: boolean;
  /** Set at commit when the session was destroyed and `clearSiteDataOnDestroy` is on. */
  clearSiteData?: boolean;
  /** Set when the manager starts committing: from then on every mutating call throws HeadersSentError (R23). */
  committed?: boolean;
  /** Anything the backend keeps per session (id, record metadata, cookie facts). */
  backend: Record<string, unknown>;
}

/** The key of a session's internals: a symbol, so no data key or app code can reach it by name. */
const INTERNALS: unique symbol = Symbol("sessionkit.internals");

/**
 * The manager's view of a session. Not for applications.
 *
 * @example
 * const internals = sessionInternals(session);
 */
export function sessionInternals(session: Session<any>): SessionInternals {
  return session[INTERNALS];
}

/**
 * Whether a session is permanent: its `_permanent` key, else the configured default.
 *
 * @example
 * if (isPermanent(sessionInternals(session))) expires = now + lifetime;
 */
export function isPermanent(internals: SessionInternals): boolean {
  let value = internals.values.get(RESERVED_KEYS.permanent);
  if (value instanceof Lazy) {
    // Loaded from a store and not parsed yet: parse it in place (a boolean needs no copy).
    value = loads(value.text);
    internals.values.set(RESERVED_KEYS.permanent, value);
  }
  return value === undefined ? internals.defaultPermanent : value === true;
}

/** Options of {@link Session.consumeFlashes}. */
export interface ConsumeFlashesOptions {
  /** Return `[category, message]` pairs instead of messages. */
  withCategories?: boolean;
  /** Keep only these categories. */
  categoryFilter?: readonly string[];
}

/** Options of {@link Session.login}. */
export interface LoginOptions {
  /**
   * Pre-login keys to carry into the logged-in session (a shopping cart, a
   * language). Every other key is dropped: nothing from before the login
   * crosses the authentication boundary unless named here.
   */
  keep?: readonly string[];
}

type Key<Data> = keyof Data & string;

/** The user-id rule of setUser and login: what a store's user index and a cookie can hold. */
function checkUserId(userId: unknown, method: string, nullable: boolean): void {
  if (nullable && userId === null) return;
  if (typeof userId !== "string" || userId.length === 0 || userId.length > 256) {
    throw new TypeError(`sessionkit: ${method} takes a non-empty string of at most 256 characters${nullable ? ", or null" : ""}.`);
  }
}

/**
 * One visitor's session for one request, typed by the app's data.
 *
 * @example
 * const session = await sessions.load(req.headers.cookie);
 * session.set("username", "admin");
 * session.pop("username");
 */
export class Session<Data extends Record<string, unknown> = Record<string, unknown>> {
  #modified = false;
  #accessed = false;
  readonly #isNew: boolean;
  /** @internal The manager's view (see sessionInternals); a symbol-keyed field is cheaper than a WeakMap entry per request. */
  readonly [INTERNALS]: SessionInternals;

  /** @internal Built by the manager. `initial` is a null-prototype object; strings in `lazyText` mode are stored text. */
  constructor(initial: Record<string, unknown> | undefined, isNew: boolean, lazyText = false) {
    const values = new Map<string, unknown>();
    if (initial) for (const key in initial) values.set(key, lazyText ? new Lazy(initial[key] as string) : initial[key]);
    this.#isNew = isNew;
    this[INTERNALS] = {
      values,
      dirty: new Set(),
      cleared: false,
      handedOut: new Map(),
      regenerate: undefined,
      destroyed: false,
      userId: undefined,
      defaultPermanent: false,
      backend: {},
    };
  }

  /** Read a value, parsing or copying it so that the caller can change it and the change is saved. */
  #read(key: string): unknown {
    const values = this[INTERNALS].values;
    const raw = values.get(key);
    if (raw instanceof Lazy) {
      const value = loads(raw.text);
      values.set(key, value);
      if (isCloneable(value)) this[INTERNALS].handedOut.set(key, raw);
      return value;
    }
    if (isCloneable(raw) && !this[INTERNALS].dirty.has(key) && !this[INTERNALS].handedOut.has(key)) {
      // The loaded value may be shared with other requests (verified-cookie cache): hand out a copy.
      const copy = clone(raw);
      values.set(key, copy);
      this[INTERNALS].handedOut.set(key, raw);
      return copy;
    }
    return raw;
  }

  #write(key: string, value: unknown): void {
    this[INTERNALS].values.set(key, value);
    this[INTERNALS].dirty.add(key);
    this[INTERNALS].handedOut.delete(key);
    this.#modified = true;
    this.#accessed = true;
  }

  #remove(key: string): boolean {
    const had = this[INTERNALS].values.delete(key);
    if (had) {
      this[INTERNALS].dirty.add(key);
      this[INTERNALS].handedOut.delete(key);
      this.#modified = true;
    }
    this.#accessed = true;
    return had;
  }

  /**
   * Refuse a change once the manager has committed the session: it could not
   * reach the visitor (the headers are gone) nor the store (the write is
   * done), and a silently lost change is worse than an error (R23). Every
   * mutating method calls this first, whether or not it would change
   * anything this time, so such a bug shows on the first run, not only when a
   * key happens to be set.
   */
  #assertOpen(): void {
    if (this[INTERNALS].committed === true) throw new HeadersSentError();
  }

  /** The value under `key`, or undefined (Flask's `session.get(key)`). */
  get<K extends Key<Data>>(key: K): Data[K] | undefined {
    this.#accessed = true;
    if (RESERVED.has(key)) return undefined;
    return this.#read(key) as Data[K] | undefined;
  }

  /** Store a value (Flask's `session[key] = value`). */
  set<K extends Key<Data>>(key: K, value: Data[K]): this {
    this.#assertOpen();
    if (RESERVED.has(key)) throw new TypeError(`sessionkit: "${key}" is reserved; use session.permanent or session.flash().`);
    if (value === undefined) {
      this.#remove(key);
      return this;
    }
    this.#write(key, value);
    return this;
  }

  /** Whether `key` is set (Flask's `key in session`). */
  has(key: Key<Data> | (string & {})): boolean {
    this.#accessed = true;
    return !RESERVED.has(key) && this[INTERNALS].values.has(key);
  }

  /** Remove `key` and return its value, or `defaultValue` (Flask's `session.pop(key, default)`). */
  pop<K extends Key<Data>, D = undefined>(key: K, defaultValue?: D): Data[K] | D {
    this.#assertOpen();
    this.#accessed = true;
    if (RESERVED.has(key) || !this[INTERNALS].values.has(key)) return defaultValue as D;
    const value = this.#read(key);
    this.#remove(key);
    return value as Data[K];
  }

  /** Remove `key`; returns whether it was set. */
  delete(key: Key<Data>): boolean {
    this.#assertOpen();
    if (RESERVED.has(key)) return false;
    return this.#remove(key);
  }

  /** Remove every key, `permanent` and flashes included; always counts as a change, as in Flask. */
  clear(): void {
    this.#assertOpen();
    const internals = this[INTERNALS];
    for (const key of internals.values.keys()) internals.dirty.add(key);
    internals.values.clear();
    internals.handedOut.clear();
    internals.cleared = true;
    this.#modified = true;
    this.#accessed = true;
  }

  /** The value under `key`, storing `value` first when it is absent. */
  setdefault<K extends Key<Data>>(key: K, value: Data[K]): Data[K] {
    this.#assertOpen();
    this.#accessed = true;
    if (this[INTERNALS].values.has(key)) return this.#read(key) as Data[K];
    this.set(key, value);
    return value;
  }

  /** The keys the app set (reserved wire keys excluded). */
  keys(): Key<Data>[] {
    this.#accessed = true;
    const out: string[] = [];
    for (const key of this[INTERNALS].values.keys()) if (!RESERVED.has(key)) out.push(key);
    return out as Key<Data>[];
  }

  /** `[key, value]` pairs, values copied as by get(). */
  entries(): [Key<Data>, Data[Key<Data>]][] {
    return this.keys().map((key) => [key, this.#read(key) as Data[Key<Data>]]);
  }

  /** How many keys the app set. */
  get size(): number {
    return this.keys().length;
  }

  /** A plain copy of the data (null prototype). */
  toJSON(): Partial<Data> {
    const out = Object.create(null) as Record<string, unknown>;
    for (const [key, value] of this.entries()) out[key] = value;
    return out as Partial<Data>;
  }

  /** Flask's `session.permanent`: a permanent cookie lasts `lifetime`; otherwise it ends with the browser. */
  get permanent(): boolean {
    this.#accessed = true;
    return isPermanent(this[INTERNALS]);
  }

  set permanent(value: boolean) {
    this.#assertOpen();
    this.#write(RESERVED_KEYS.permanent, Boolean(value));
  }

  /**
   * Whether this request changed the session. Set it to true after changing a
   * value in place, as in Flask (after the commit that throws HeadersSentError).
   */
  get modified(): boolean {
    return this.#modified;
  }

  set modified(value: boolean) {
    if (value) this.#assertOpen();
    this.#modified = Boolean(value);
  }

  /** Whether this request read or wrote the session (drives `Vary: Cookie`). */
  get accessed(): boolean {
    return this.#accessed;
  }

  /** True when the visitor brought no valid session. */
  get isNew(): boolean {
    return this.#isNew;
  }

  /**
   * The flashes this request took out of the session (Flask's
   * `request_ctx.flashes`): set by the first consumeFlashes() call, returned
   * again by every later call of the same request.
   */
  #flashesTaken: [string, string][] | undefined;

  /**
   * Queue a message for the next page (Flask's `flash`), stored as Flask
   * stores it so flashes cross between Flask and sessionkit.
   */
  flash(message: string, category = "message"): void {
    this.#assertOpen();
    const list = (this.#read(RESERVED_KEYS.flashes) as unknown[] | undefined) ?? [];
    const next = Array.isArray(list) ? [...list, tuple(category, message)] : [tuple(category, message)];
    this.#write(RESERVED_KEYS.flashes, next);
  }

  /**
   * The queued flashes (Flask's `get_flashed_messages`). As in Flask, the
   * first call of a request takes them out of the session, and every later
   * call of the same request returns those same flashes again, whatever its
   * filter; a message flashed after that first call waits for the next
   * request. `categoryFilter` keeps only those categories (an empty list
   * filters nothing, as in Flask).
   *
   * @example
   * session.consumeFlashes({ categoryFilter: ["error"] }); // ["bad input"]
   * session.consumeFlashes({ withCategories: true }); // [["info", "saved"], ["error", "bad input"]]
   */
  consumeFlashes(options: ConsumeFlashesOptions & { withCategories: true }): [string, string][];
  consumeFlashes(options?: ConsumeFlashesOptions): string[];
  consumeFlashes(options: ConsumeFlashesOptions = {}): string[] | [string, string][] {
    this.#assertOpen();
    this.#accessed = true;
    if (this.#flashesTaken === undefined) {
      const taken: [string, string][] = [];
      if (this[INTERNALS].values.has(RESERVED_KEYS.flashes)) {
        const list = this.#read(RESERVED_KEYS.flashes);
        this.#remove(RESERVED_KEYS.flashes);
        if (Array.isArray(list)) {
          for (const item of list) {
            if (Array.isArray(item) && item.length === 2) taken.push([String(item[0]), String(item[1])]);
          }
        }
      }
      this.#flashesTaken = taken;
    }
    const filter = options.categoryFilter;
    const pairs = filter && filter.length > 0 ? this.#flashesTaken.filter(([c]) => filter.includes(c)) : this.#flashesTaken;
    return options.withCategories ? pairs.map(([c, m]): [string, string] => [c, m]) : pairs.map(([, m]) => m);
  }

  /**
   * Give the session a new id (server-side) or a new signature (cookie). The
   * low-level call: the data is kept unless `keepData: false` (Django's
   * `cycle_key`, which issue #3 asked for). For a login use {@link login},
   * which also drops pre-login data and records the user. In server-side mode
   * the old id stays readable, read-only, for `regenerateGraceSeconds`.
   *
   * @example
   * await session.regenerate(); // after a privilege change that keeps the data
   */
  regenerate(options: { keepData?: boolean } = {}): Promise<void> {
    this.#assertOpen();
    const keepData = options.keepData ?? true;
    if (!keepData) this.clear();
    this[INTERNALS].regenerate = { keepData };
    this.#modified = true;
    this.#accessed = true;
    return Promise.resolve();
  }

  /**
   * Log `userId` in: the recommended call after checking a password.
   *
   * - The session gets a new id (server-side; the old record is deleted, or
   *   read-only for `regenerateGraceSeconds`) or a new cookie (cookie mode;
   *   with `revocation`, the old cookie's jti is revoked), so an id known
   *   before the login is never a logged-in one (session fixation, R8).
   * - Nothing from before the login is carried over (R11) except the keys
   *   named in `options.keep` and the queued flashes. Flashes are kept because
   *   they are messages the app itself wrote for this browser, shown once and
   *   then gone, and grant nothing; dropping them would lose e.g. "your cart
   *   was saved" queued on the way to the login form. `permanent` is not
   *   carried: set it after login ("remember me").
   * - The user is recorded: in server-side mode in the store's user index
   *   (`listForUser`, `destroyAllForUser`); in cookie mode as the hidden keys
   *   `_sk_user` and `_sk_auth` (the login time, which "log out everywhere"
   *   with `revocation` compares against), with a fresh random `_sk_jti`,
   *   so the logged-in cookie differs from every earlier one. The `flask` format writes them only with
   *   `revocation` on, so that a Flask app sharing the cookie sees only its
   *   own keys; there the new cookie differs as soon as the app stores who
   *   logged in (the only way a plain Flask cookie can say so).
   *
   * There is no `logout()`: {@link destroy} is the logout.
   *
   * @example
   * await session.login(user.id, { keep: ["cart"] });
   * session.set("username", user.name);
   * session.flash("Logged in");
   */
  login(userId: string, options: LoginOptions = {}): Promise<void> {
    this.#assertOpen();
    checkUserId(userId, "login", false);
    const keep = options.keep ?? [];
    if (!Array.isArray(keep) || keep.some((key) => typeof key !== "string" || RESERVED.has(key))) {
      throw new TypeError("sessionkit: login's `keep` lists data keys to carry over (strings, not reserved `_…` names).");
    }
    const internals = this[INTERNALS];
    const carried: [string, unknown][] = [];
    for (const key of [...keep, RESERVED_KEYS.flashes]) {
      if (internals.values.has(key)) carried.push([key, this.#read(key)]);
    }
    this.clear();
    for (const [key, value] of carried) this.#write(key, value);
    internals.destroyed = false;
    internals.regenerate = { keepData: false };
    internals.userId = userId;
    internals.loggedIn = true;
    this.#modified = true;
    return Promise.resolve();
  }

  /**
   * End the session (the logout): the commit removes the stored record and
   * deletes the cookie. In cookie mode a copy of the old cookie stays valid
   * until it expires unless `revocation` is on (nothing on the server knows
   * it otherwise); use a store or `revocation` when logout must end it
   * everywhere at once.
   *
   * @example
   * await session.destroy();
   */
  destroy(): Promise<void> {
    this.#assertOpen();
    this.clear();
    this[INTERNALS].destroyed = true;
    return Promise.resolve();
  }

  /**
   * Index this session under a user id ("log out everywhere"); null removes
   * it. Server-side mode, and cookie mode with `revocation`. {@link login}
   * calls it for you.
   *
   * @example
   * session.setUser(null); // on logout, when the session itself lives on
   */
  setUser(userId: string | null): void {
    this.#assertOpen();
    checkUserId(userId, "setUser", true);
    this[INTERNALS].userId = userId;
    this.#modified = true;
    this.#accessed = true;
  }

  /**
   * Mark values changed in place (a pushed array item, a set nested field) as
   * changed, by comparing each handed-out value with its original. Free when
   * no object value was read.
   */
  static detectInPlaceChanges(session: Session<any>): void {
    const internals = sessionInternals(session);
    for (const [key, original] of internals.handedOut) {
      if (internals.dirty.has(key) || !internals.values.has(key)) continue;
      const before = original instanceof Lazy ? original.text : dumps(original);
      if (dumps(internals.values.get(key)) !== before) {
        internals.dirty.add(key);
        // The private field, not the setter: this runs inside the commit, after `committed` is set.
        session.#modified = true;
      }
    }
  }

  /** The serialized form of a value for a store: stored text when it was never parsed. */
  static storedText(session: Session<any>, key: string): string {
    const value = sessionInternals(session).values.get(key);
    return value instanceof Lazy ? value.text : dumps(value);
  }

  /** Every value, parsed, for writing a whole cookie. */
  static plainData(session: Session<any>): Record<string, unknown> {
    const out = Object.create(null) as Record<string, unknown>;
    for (const [key, value] of sessionInternals(session).values) out[key] = value instanceof Lazy ? loads(value.text) : value;
    return out;
  }
}
