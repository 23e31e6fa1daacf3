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
  /** Permanence when the data has no `_permanent` key (the `permanent` option). */
  defaultPermanent: boolean;
  /** The request was outside the cookie's Path: nothing is loaded and nothing is sent. */
  outOfScope?: boolean;
  /** Set at commit when the session was destroyed and `clearSiteDataOnDestroy` is on. */
  clearSiteData?: boolean;
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

type Key<Data> = keyof Data & string;

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

  /** The value under `key`, or undefined (Flask's `session.get(key)`). */
  get<K extends Key<Data>>(key: K): Data[K] | undefined {
    this.#accessed = true;
    if (RESERVED.has(key)) return undefined;
    return this.#read(key) as Data[K] | undefined;
  }

  /** Store a value (Flask's `session[key] = value`). */
  set<K extends Key<Data>>(key: K, value: Data[K]): this {
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
    this.#accessed = true;
    if (RESERVED.has(key) || !this[INTERNALS].values.has(key)) return defaultValue as D;
    const value = this.#read(key);
    this.#remove(key);
    return value as Data[K];
  }

  /** Remove `key`; returns whether it was set. */
  delete(key: Key<Data>): boolean {
    if (RESERVED.has(key)) return false;
    return this.#remove(key);
  }

  /** Remove every key, `permanent` and flashes included; always counts as a change, as in Flask. */
  clear(): void {
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
    this.#write(RESERVED_KEYS.permanent, Boolean(value));
  }

  /** Whether this request changed the session. Set it to true after changing a value in place, as in Flask. */
  get modified(): boolean {
    return this.#modified;
  }

  set modified(value: boolean) {
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
   * Queue a message for the next page (Flask's `flash`), stored as Flask
   * stores it so flashes cross between Flask and sessionkit.
   */
  flash(message: string, category = "message"): void {
    const list = (this.#read(RESERVED_KEYS.flashes) as unknown[] | undefined) ?? [];
    const next = Array.isArray(list) ? [...list, tuple(category, message)] : [tuple(category, message)];
    this.#write(RESERVED_KEYS.flashes, next);
  }

  /** Take the queued flashes out of the session (Flask's `get_flashed_messages`). */
  consumeFlashes(options: ConsumeFlashesOptions & { withCategories: true }): [string, string][];
  consumeFlashes(options?: ConsumeFlashesOptions): string[];
  consumeFlashes(options: ConsumeFlashesOptions = {}): string[] | [string, string][] {
    this.#accessed = true;
    if (!this[INTERNALS].values.has(RESERVED_KEYS.flashes)) return [];
    const list = this.#read(RESERVED_KEYS.flashes);
    this.#remove(RESERVED_KEYS.flashes);
    const pairs: [string, string][] = [];
    if (Array.isArray(list)) {
      for (const item of list) {
        if (Array.isArray(item) && item.length === 2) pairs.push([String(item[0]), String(item[1])]);
      }
    }
    const filtered = options.categoryFilter ? pairs.filter(([c]) => options.categoryFilter!.includes(c)) : pairs;
    return options.withCategories ? filtered : filtered.map(([, message]) => message);
  }

  /**
   * Give the session a new id (server-side) or a new signature (cookie), on
   * login or any privilege change. The data is kept unless `keepData: false`.
   * In server-side mode the old id stays readable, read-only, for
   * `regenerateGraceSeconds`.
   */
  async regenerate(options: { keepData?: boolean } = {}): Promise<void> {
    const keepData = options.keepData ?? true;
    if (!keepData) this.clear();
    this[INTERNALS].regenerate = { keepData };
    this.#modified = true;
    this.#accessed = true;
  }

  /**
   * End the session: the commit removes the stored record and deletes the
   * cookie. In cookie mode a copy of the old cookie stays valid until it
   * expires (nothing on the server can revoke it); use a store for revocation.
   */
  async destroy(): Promise<void> {
    this.clear();
    this[INTERNALS].destroyed = true;
  }

  /** Index this session under a user id ("log out everywhere"); null removes it. Server-side mode only. */
  setUser(userId: string | null): void {
    if (userId !== null && (typeof userId !== "string" || userId.length === 0 || userId.length > 256)) {
      throw new TypeError("sessionkit: setUser takes a non-empty string of at most 256 characters, or null.");
    }
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
        session.modified = true;
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
