/**
 * The session: Flask's `session` dictionary, with user data in a private Map
 * (session-data.ts) so that no key (`get`, `__proto__`, `save`) can shadow a
 * method.
 *
 * The Session does not know where it is stored. A mode (cookie-mode.ts,
 * store-mode.ts) builds it from what it loaded and reads back, through
 * {@link sessionInternals}, what the request changed and asked for.
 */
import { tuple } from "../codec/index.js";
import type { AppSessionData, SessionDataShape } from "./app-data.js";
import { isCsrfSecret, maskCsrfToken, newCsrfSecret } from "./csrf-token.js";
import { parseDurationSeconds, type Duration } from "./duration.js";
import { FormatUnsupportedError, HeadersSentError } from "./errors.js";
import { assertSchema, type SessionSchema } from "./schema.js";
import { RESERVED, RESERVED_KEYS, SessionData } from "./session-data.js";
import type { ModeState } from "./session-state.js";

export { RESERVED_KEYS } from "./session-data.js";

/** What a loaded session asks of its manager: an explicit save, a reload. */
export interface SessionControl {
  save(session: Session<any>): Promise<void>;
  reload(session: Session<any>): Promise<void>;
}

/** What the manager and the modes see inside a session. */
export interface SessionInternals {
  /** The values; replaced as a whole by reload(). */
  data: SessionData;
  /** regenerate() or login() ran. */
  regenerate: { keepData: boolean } | undefined;
  /** destroy() ran (and no login() after it). */
  destroyed: boolean;
  /** setUser()/login(): a user id, null to remove it, undefined when unchanged. */
  userId: string | null | undefined;
  /** login() ran: a new authentication (new absolute-timeout origin, user stamped). */
  loggedIn: boolean;
  /** The session was spared by "log out everywhere" (`except`): its user's authentication time restarts now. */
  reauthenticated: boolean;
  /** Permanence when the data has no `_permanent` key (the `permanent` option). */
  defaultPermanent: boolean;
  /** The request was outside the cookie's Path: nothing is loaded and nothing is sent. */
  outOfScope: boolean;
  /** Set when the manager starts committing: from then on every mutating call throws HeadersSentError (R23). */
  committed: boolean;
  /** The mode's per-session state (undefined for a session built by hand, as in unit tests). */
  state: ModeState | undefined;
  /** The `schema` option: every change must leave data it accepts. */
  schema: SessionSchema | undefined;
  /** The manager that loaded the session (undefined for a session built by hand). */
  control: SessionControl | undefined;
  /** The Set-Cookie values of an explicit save(), sent by the final commit unless it writes the cookie again. */
  pendingSetCookie: string[] | undefined;
  /** Why setExpiry() cannot be stored here (the flask cookie format, the flask-session store), or undefined. */
  expiryRefused: string | undefined;
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
export class Session<Data extends SessionDataShape = AppSessionData> {
  #modified = false;
  #accessed = false;
  readonly #isNew: boolean;
  /** @internal The manager's view (see sessionInternals); a symbol-keyed field is cheaper than a WeakMap entry per request. */
  readonly [INTERNALS]: SessionInternals;

  /**
   * @internal Built by a mode. `initial` is a null-prototype object (never
   * changed: it may be shared); `texts` are its values' stored texts, in
   * store mode.
   */
  constructor(initial: Record<string, unknown> | undefined, isNew: boolean, texts?: Map<string, string>) {
    this.#isNew = isNew;
    this[INTERNALS] = {
      data: new SessionData(initial, texts),
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
   * This session's own lifetime, overriding `lifetime` and `permanent` for
   * it alone (Django's `set_expiry`, express-session's `cookie.maxAge`): a
   * duration makes the cookie expire that long after each write, and the
   * server refuses the session once it has gone unused that long (the
   * cookie's signature age, the store record's expiry); `"browser-session"`
   * makes a cookie without Expires, ended by the browser, still bounded on
   * the server by `lifetime` and `idleTimeout`. Capped at `lifetime`, the
   * server-wide maximum; the shorter of it and `idleTimeout` wins, and
   * `absoluteTimeout` still applies. Kept in the session (the hidden key
   * `_sk_exp`) across requests, logins and regenerates, until set again.
   * Throws FormatUnsupportedError in the `flask` cookie format and on the
   * flask-session store, where Flask would see the key.
   *
   * @example
   * if (!rememberMe) session.setExpiry("browser-session");
   * session.setExpiry("15m"); // a kiosk: fifteen idle minutes
   */
  setExpiry(expiry: Duration | "browser-session"): void {
    this.#assertOpen();
    const refused = this[INTERNALS].expiryRefused;
    if (refused !== undefined) throw new FormatUnsupportedError("setExpiry", refused);
    const seconds = expiry === "browser-session" ? 0 : parseDurationSeconds(expiry, "setExpiry");
    this.#write(RESERVED_KEYS.expiry, seconds);
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
    const list = this[INTERNALS].data.read(RESERVED_KEYS.flashes) as unknown[] | undefined;
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
      const data = this[INTERNALS].data;
      if (data.values.has(RESERVED_KEYS.flashes)) {
        const list = data.read(RESERVED_KEYS.flashes);
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
   * `cycle_key`). For a login use {@link login}, which also drops pre-login
   * data and records the user. In server-side mode the old id stays
   * readable, read-only, for `regenerateGraceSeconds`; the absolute timeout
   * keeps its origin. The CSRF secret is not kept: tokens issued before are
   * refused, as after a login.
   *
   * @example
   * await session.regenerate(); // after a privilege change that keeps the data
   */
  regenerate(options: { keepData?: boolean } = {}): Promise<void> {
    this.#assertOpen();
    const keepData = options.keepData ?? true;
    if (!keepData) this.clear();
    // A token known before the change (say, to whoever planted this session) must not be valid after it.
    else this[INTERNALS].data.remove(RESERVED_KEYS.csrf);
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
   *   with `revocation`, the old cookie is revoked), so an id known before
   *   the login is never a logged-in one (session fixation, R8).
   * - Nothing from before the login is carried over (R11) except the keys
   *   named in `options.keep` and the queued flashes. Flashes are kept because
   *   they are messages the app itself wrote for this browser, shown once and
   *   then gone, and grant nothing. `permanent` is not carried: set it after
   *   login ("remember me").
   * - A login starts a new absolute timeout (`absoluteTimeout` counts from it).
   * - The user is recorded: in server-side mode in the store's user index
   *   (`listForUser`, `destroyAllForUser`); in cookie mode in the native
   *   formats as the hidden keys `_sk_user` and `_sk_auth` (the login time,
   *   which "log out everywhere" with `revocation` compares against), with a
   *   fresh random `_sk_jti`, so the logged-in cookie differs from every
   *   earlier one. The `flask` format writes no key of its own: a Flask app
   *   sharing the cookie sees only its own keys, and the new cookie differs
   *   as soon as the app stores who logged in.
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
    const data = internals.data;
    const carried: [string, unknown][] = [];
    for (const key of [...keep, RESERVED_KEYS.flashes]) {
      if (data.values.has(key)) carried.push([key, data.read(key)]);
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
   * A CSRF token for a form or a request header: each call returns a new
   * masked token (so a compressed page cannot leak it, BREACH), and every
   * one verifies against the session's CSRF secret until that secret
   * changes. The secret is made on the first call and kept in the session
   * (under `csrf_token`, Flask-WTF's key, hidden from {@link keys});
   * {@link login}, {@link regenerate}, {@link destroy} and {@link clear}
   * drop it, so a token from before them is refused. Verify with the
   * adapter's `csrfProtection`. Once the session is committed, a session
   * that has a secret still gives tokens; making the secret throws
   * HeadersSentError.
   *
   * @example
   * res.send(`<form method="post"><input type="hidden" name="csrf_token" value="${req.session.csrfToken()}">…</form>`);
   */
  csrfToken(): string {
    this.#accessed = true;
    const stored = this[INTERNALS].data.values.get(RESERVED_KEYS.csrf);
    if (isCsrfSecret(stored)) return maskCsrfToken(stored);
    this.#assertOpen();
    const secret = newCsrfSecret();
    this.#write(RESERVED_KEYS.csrf, secret);
    return maskCsrfToken(secret);
  }

  /**
   * End the session (the logout): the commit removes the stored record (under
   * every id it had) and deletes the cookie. In cookie mode a copy of the old
   * cookie stays valid until it expires unless `revocation` is on (nothing on
   * the server knows it otherwise); use a store or `revocation` when logout
   * must end it everywhere at once.
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
   * Commit now, before the response: in store mode the write lands in the
   * store when this resolves (a new session gets its record and id, a
   * regenerate or login its new id, a destroy ends the record); in cookie
   * mode the cookie is encoded now (a CookieTooLargeError or a refused
   * schema throws here) and goes out with the response headers, which
   * sessionkit's adapters hold until then. Changes made after it commit
   * again at the end of the request, as usual. Await it before changing the
   * session again: a change while it runs throws HeadersSentError. For long
   * requests, WebSocket upgrades and streaming responses (express-session's
   * `req.session.save()`).
   *
   * @example
   * req.session.set("upload", "started");
   * await req.session.save(); // other requests see it now
   * console.log(req.session.idHash); // the record it landed in
   */
  async save(): Promise<void> {
    this.#assertOpen();
    const control = this[INTERNALS].control;
    if (control === undefined) throw new TypeError("sessionkit: save() needs a session loaded by sessions.load() (or an adapter).");
    await control.save(this);
  }

  /**
   * Read the session again, discarding this request's unsaved changes: in
   * store mode from the store (what other requests saved since this one
   * loaded, or a fresh session if it ended meanwhile); in cookie mode, where
   * nothing newer exists anywhere, the data of the request's cookie (or of
   * the last save()).
   *
   * @example
   * await req.session.reload(); // after a long wait, see what other tabs did
   */
  async reload(): Promise<void> {
    this.#assertOpen();
    const control = this[INTERNALS].control;
    if (control === undefined) throw new TypeError("sessionkit: reload() needs a session loaded by sessions.load() (or an adapter).");
    await control.reload(this);
  }

  /**
   * The hash of this session's id, in store mode: the key `listForUser`
   * reports it under, safe to log and to link a WebSocket to its session
   * (never the id itself, which is the credential). Undefined in cookie
   * mode, which has no id, and for a new session until it is saved
   * (`await session.save()` gives it one).
   *
   * @example
   * await session.save();
   * log.info({ session: session.idHash }, "socket opened");
   */
  get idHash(): string | undefined {
    const state = this[INTERNALS].state;
    return state?.kind === "store" ? state.record?.publicIdHash : undefined;
  }

  /** @internal After an explicit save or a reload: what the request changed is behind it, so nothing is pending. */
  static settle(session: Session<any>, data?: SessionData): void {
    const internals = session[INTERNALS];
    if (data !== undefined) internals.data = data;
    internals.regenerate = undefined;
    internals.destroyed = false;
    internals.userId = undefined;
    internals.loggedIn = false;
    internals.reauthenticated = false;
    internals.data.dirty.clear();
    internals.data.cleared = false;
    session.#modified = false;
  }

  /** @internal Whether the request changed the session, for the modes (not a read: no `Vary`). */
  static isModified(session: Session<any>): boolean {
    return session.#modified;
  }

  /**
   * @internal Called by the manager once the commit succeeded: the changes
   * are saved (or deliberately not), so `modified` reads false from here on.
   */
  static markSaved(session: Session<any>): void {
    session.#modified = false;
  }

  /**
   * @internal Notice values changed in place and count them as a change (the
   * private field, not the setter: this runs inside the commit).
   */
  static detectInPlaceChanges(session: Session<any>): void {
    if (session[INTERNALS].data.detectInPlaceChanges()) session.#modified = true;
  }
}
