/**
 * The session: Flask's `session` dictionary (session-dict.ts) with the
 * lifecycle an app drives: flashes, per-session expiry, login, regenerate,
 * destroy, CSRF tokens, and an explicit save or reload.
 *
 * The Session does not know where it is stored. A mode (cookie-mode.ts,
 * store-mode.ts) builds it from what it loaded and reads back, through
 * {@link sessionInternals}, what the request changed and asked for.
 */
import { tuple } from "../codec/index.js";
import type { AppSessionData, SessionDataShape } from "./app-data.js";
import { isCsrfSecret, maskCsrfToken, newCsrfSecret } from "./csrf-token.js";
import { parseDurationSeconds, type Duration } from "./duration.js";
import { FormatUnsupportedError } from "./errors.js";
import { RESERVED, RESERVED_KEYS } from "./session-data.js";
import { SessionDict } from "./session-dict.js";
import { INTERNALS, type SessionControlOf } from "./session-internals.js";

export { RESERVED_KEYS } from "./session-data.js";
export { sessionInternals } from "./session-dict.js";
export type { SessionInternals } from "./session-internals.js";

/** What a loaded session asks of its manager: an explicit save, a reload. */
export type SessionControl = SessionControlOf<Session<any>>;

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
export class Session<Data extends SessionDataShape = AppSessionData> extends SessionDict<Data> {
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
    this.assertOpen();
    const refused = this[INTERNALS].expiryRefused;
    if (refused !== undefined) throw new FormatUnsupportedError("setExpiry", refused);
    const seconds = expiry === "browser-session" ? 0 : parseDurationSeconds(expiry, "setExpiry");
    this.write(RESERVED_KEYS.expiry, seconds);
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
    this.assertOpen();
    const list = this[INTERNALS].data.read(RESERVED_KEYS.flashes) as unknown[] | undefined;
    const next = Array.isArray(list) ? [...list, tuple(category, message)] : [tuple(category, message)];
    this.write(RESERVED_KEYS.flashes, next);
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
    this.assertOpen();
    this.markAccessed();
    if (this.#flashesTaken === undefined) {
      const taken: [string, string][] = [];
      const data = this[INTERNALS].data;
      if (data.values.has(RESERVED_KEYS.flashes)) {
        const list = data.read(RESERVED_KEYS.flashes);
        this.remove(RESERVED_KEYS.flashes);
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
    this.assertOpen();
    const keepData = options.keepData ?? true;
    if (!keepData) this.clear();
    // A token known before the change (say, to whoever planted this session) must not be valid after it.
    else this[INTERNALS].data.remove(RESERVED_KEYS.csrf);
    this[INTERNALS].regenerate = { keepData };
    this.markModified();
    this.markAccessed();
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
    this.assertOpen();
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
    for (const [key, value] of carried) this.write(key, value);
    internals.destroyed = false;
    internals.regenerate = { keepData: false };
    internals.userId = userId;
    internals.loggedIn = true;
    this.markModified();
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
    this.markAccessed();
    const stored = this[INTERNALS].data.values.get(RESERVED_KEYS.csrf);
    if (isCsrfSecret(stored)) return maskCsrfToken(stored);
    this.assertOpen();
    const secret = newCsrfSecret();
    this.write(RESERVED_KEYS.csrf, secret);
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
    this.assertOpen();
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
    this.assertOpen();
    checkUserId(userId, "setUser", true);
    this[INTERNALS].userId = userId;
    this.markModified();
    this.markAccessed();
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
    this.assertOpen();
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
    this.assertOpen();
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
}
