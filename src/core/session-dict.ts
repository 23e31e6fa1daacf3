/**
 * The session's dictionary: Flask's `session` API over user data kept in a
 * private Map (session-data.ts), so that no key (`get`, `__proto__`,
 * `save`) can shadow a method, and the change tracking (`modified`,
 * `accessed`) the modes read at commit. Session (session.ts) extends it
 * with the lifecycle: flashes, login, regenerate, destroy, CSRF tokens,
 * save and reload.
 */
import type { AppSessionData, SessionDataShape } from "./app-data.js";
import { HeadersSentError } from "./errors.js";
import { assertSchema } from "./schema.js";
import { RESERVED, RESERVED_KEYS, SessionData } from "./session-data.js";
import { INTERNALS, type SessionInternals } from "./session-internals.js";

/**
 * The manager's view of a session. Not for applications.
 *
 * @example
 * const internals = sessionInternals(session);
 */
export function sessionInternals(session: SessionDict<any>): SessionInternals {
  return session[INTERNALS];
}

type Key<Data> = keyof Data & string;

/**
 * The dictionary half of the Session class (session.ts): its data API and
 * change tracking. Apps use Session, which extends it.
 *
 * @example
 * const session = await sessions.load(req.headers.cookie);
 * session.set("username", "admin");
 * session.pop("username");
 */
export class SessionDict<Data extends SessionDataShape = AppSessionData> {
  #modified = false;
  #accessed = false;
  readonly #isNew: boolean;
  /** @internal The manager's view (see sessionInternals); a symbol-keyed field is cheaper than a WeakMap entry per request. */
  readonly [INTERNALS]: SessionInternals;

  /**
   * @internal Built by a mode. `initial` is a null-prototype object (never
   * changed: it may be shared); `texts` are its values' stored texts, in
   * store mode; `keys`, its keys when the mode has them already (see SessionData).
   */
  constructor(initial: Record<string, unknown> | Map<string, unknown> | undefined, isNew: boolean, texts?: Map<string, string>, keys?: readonly string[]) {
    this.#isNew = isNew;
    this[INTERNALS] = {
      data: new SessionData(initial, texts, keys),
      regenerate: undefined,
      destroyed: false,
      userId: undefined,
      loggedIn: false,
      reauthenticated: false,
      defaultPermanent: false,
      outOfScope: false,
      committed: false,
      state: undefined,
      schema: undefined,
      control: undefined,
      pendingSetCookie: undefined,
      expiryRefused: undefined,
    };
  }

  #write(key: string, value: unknown): void {
    this[INTERNALS].data.write(key, value);
    this.#modified = true;
    this.#accessed = true;
  }

  #remove(key: string): boolean {
    const had = this[INTERNALS].data.remove(key);
    if (had) this.#modified = true;
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
    if (this[INTERNALS].committed) throw new HeadersSentError();
  }

  /**
   * With a `schema`: throw SessionDataError, before anything changes, when
   * the data this call would leave (`key` set to `value`, or removed when
   * `value` is undefined) is data the schema refuses (see schema.ts).
   */
  #assertValid(method: string, key: string, value: unknown): void {
    const schema = this[INTERNALS].schema;
    if (schema === undefined) return;
    const next = new Map(this[INTERNALS].data.values);
    if (value === undefined) next.delete(key);
    else next.set(key, value);
    assertSchema(schema, next, method);
  }

  /** The value under `key`, or undefined (Flask's `session.get(key)`). */
  get<K extends Key<Data>>(key: K): Data[K] | undefined {
    this.#accessed = true;
    if (RESERVED.has(key)) return undefined;
    return this[INTERNALS].data.read(key) as Data[K] | undefined;
  }

  /** Store a value (Flask's `session[key] = value`). */
  set<K extends Key<Data>>(key: K, value: Data[K]): this {
    this.#assertOpen();
    if (RESERVED.has(key)) throw new TypeError(`sessionkit: "${key}" is reserved; use session.permanent, session.flash() or session.csrfToken().`);
    this.#assertValid("set", key, value);
    if (value === undefined) this.#remove(key);
    else this.#write(key, value);
    return this;
  }

  /** Whether `key` is set (Flask's `key in session`). */
  has(key: Key<Data> | (string & {})): boolean {
    this.#accessed = true;
    return !RESERVED.has(key) && this[INTERNALS].data.values.has(key);
  }

  /** Remove `key` and return its value, or `defaultValue` (Flask's `session.pop(key, default)`). */
  pop<K extends Key<Data>, D = undefined>(key: K, defaultValue?: D): Data[K] | D {
    this.#assertOpen();
    this.#accessed = true;
    const data = this[INTERNALS].data;
    if (RESERVED.has(key) || !data.values.has(key)) return defaultValue as D;
    this.#assertValid("pop", key, undefined);
    const value = data.read(key);
    this.#remove(key);
    return value as Data[K];
  }

  /** Remove `key`; returns whether it was set. */
  delete(key: Key<Data>): boolean {
    this.#assertOpen();
    if (RESERVED.has(key)) return false;
    if (this[INTERNALS].data.values.has(key)) this.#assertValid("delete", key, undefined);
    return this.#remove(key);
  }

  /** Remove every key, `permanent` and flashes included; always counts as a change, as in Flask. */
  clear(): void {
    this.#assertOpen();
    this[INTERNALS].data.clear();
    this.#modified = true;
    this.#accessed = true;
  }

  /** The value under `key`, storing `value` first when it is absent. */
  setdefault<K extends Key<Data>>(key: K, value: Data[K]): Data[K] {
    this.#assertOpen();
    this.#accessed = true;
    if (this[INTERNALS].data.values.has(key)) return this[INTERNALS].data.read(key) as Data[K];
    this.set(key, value);
    return value;
  }

  /** The keys the app set (reserved wire keys excluded). */
  keys(): Key<Data>[] {
    this.#accessed = true;
    const out: string[] = [];
    for (const key of this[INTERNALS].data.values.keys()) if (!RESERVED.has(key)) out.push(key);
    return out as Key<Data>[];
  }

  /** `[key, value]` pairs, values copied as by get(). */
  entries(): [Key<Data>, Data[Key<Data>]][] {
    return this.keys().map((key) => [key, this[INTERNALS].data.read(key) as Data[Key<Data>]]);
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
    return this[INTERNALS].data.isPermanent(this[INTERNALS].defaultPermanent);
  }

  set permanent(value: boolean) {
    this.#assertOpen();
    this.#write(RESERVED_KEYS.permanent, Boolean(value));
  }

  /**
   * Whether this request changed the session. Set it to true after changing a
   * value in place, as in Flask (before the commit, which throws HeadersSentError after).
   */
  get modified(): boolean {
    // Reading it is reading the session, as in Flask (the response varies by cookie).
    this.#accessed = true;
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

  /** @internal For Session's own methods (session.ts): write a value, as a change. */
  protected write(key: string, value: unknown): void {
    this.#write(key, value);
  }

  /** @internal For Session's own methods: remove a key; whether it was set. */
  protected remove(key: string): boolean {
    return this.#remove(key);
  }

  /** @internal For Session's own methods: throw HeadersSentError once committed. */
  protected assertOpen(): void {
    this.#assertOpen();
  }

  /** @internal For Session's own methods: the request changed the session. */
  protected markModified(): void {
    this.#modified = true;
  }

  /** @internal For Session's own methods: the request read the session. */
  protected markAccessed(): void {
    this.#accessed = true;
  }

  /** @internal After an explicit save or a reload: what the request changed is behind it, so nothing is pending. */
  static settle(session: SessionDict<any>, data?: SessionData): void {
    const internals = session[INTERNALS];
    if (data !== undefined) internals.data = data;
    internals.regenerate = undefined;
    internals.destroyed = false;
    internals.userId = undefined;
    internals.loggedIn = false;
    internals.reauthenticated = false;
    internals.data.markClean();
    internals.data.cleared = false;
    session.#modified = false;
  }

  /** @internal Whether the request changed the session, for the modes (not a read: no `Vary`). */
  static isModified(session: SessionDict<any>): boolean {
    return session.#modified;
  }

  /**
   * @internal Called by the manager once the commit succeeded: the changes
   * are saved (or deliberately not), so `modified` reads false from here on.
   */
  static markSaved(session: SessionDict<any>): void {
    session.#modified = false;
  }

  /**
   * @internal Notice values changed in place and count them as a change (the
   * private field, not the setter: this runs inside the commit).
   */
  static detectInPlaceChanges(session: SessionDict<any>): void {
    if (session[INTERNALS].data.detectInPlaceChanges()) session.#modified = true;
  }
}
