/**
 * Cookie mode: the whole session lives in a signed (or encrypted) cookie, as
 * in Flask. Loading follows Flask's open_session and saving its
 * save_session (docs/flask-format.md), with these differences: a malformed
 * payload under a valid signature is a fresh session (Flask answers 500), a
 * cookie signed with an older secret is re-signed at once, an oversized
 * cookie is an error instead of a warning, and with `idleTimeout` an active
 * visitor's cookie is re-issued before it goes idle.
 */
import { BadPayload, BadSignature, SignatureExpired, createCookieCodec, type CookieCodec, type CookieFormat } from "../codec/index.js";
import { then, type MaybePromise } from "../runtime/types.js";
import type { EventHandler, RejectReason } from "./events.js";
import { newSessionId } from "./ids.js";
import { NOTHING_CARRIED } from "./cookie-chunks.js";
import type { Mode, RequestFacts } from "./mode.js";
import type { ResolvedOptions } from "./options.js";
import { schemaIssues } from "./schema.js";
import { RESERVED_KEYS, SessionData } from "./session-data.js";
import type { CookieState } from "./session-state.js";
import { Session, sessionInternals, type SessionInternals } from "./session.js";
import { CookieWriter } from "./set-cookie.js";
import type { UserSession } from "./device.js";
import { ConfigError } from "./errors.js";
import { VerifiedCache, type VerifiedEntry } from "./verified-cache.js";

/**
 * Loads and saves sessions kept in the cookie itself.
 *
 * @example
 * const mode = new CookieMode(resolveOptions({ secret }), emit, false);
 */
export class CookieMode implements Mode {
  /** Synchronous where the runtime's crypto is (Node); with Web Crypto, load and save are promises. */
  readonly sync: boolean;
  readonly #o: ResolvedOptions;
  readonly #codec: CookieCodec;
  readonly #writer: CookieWriter;
  readonly #cache = new VerifiedCache(10_000);
  readonly #maxAgeSeconds: number;
  /** With `idleTimeout`: re-issue a cookie signed this long ago, so an active visitor never goes idle. */
  readonly #idleRefreshSeconds: number | undefined;
  readonly #emit: EventHandler;
  /** Stamp the denylist id and user into every cookie (revocation on). */
  readonly #revocable: boolean;

  constructor(options: ResolvedOptions, emit: EventHandler, revocable: boolean) {
    this.#o = options;
    this.#codec = createCookieCodec({ format: options.format, secrets: options.secrets, salt: cookieSalt(options.format, options.cookie.name) });
    this.sync = this.#codec.sync;
    this.#writer = new CookieWriter(options.cookie, options.lifetimeSeconds);
    this.#maxAgeSeconds = Math.min(options.lifetimeSeconds, options.idleTimeoutSeconds ?? Infinity);
    const idle = options.idleTimeoutSeconds;
    this.#idleRefreshSeconds = idle === undefined ? undefined : Math.floor(idle * options.touchAfter);
    this.#emit = emit;
    this.#revocable = revocable;
  }

  load<Data extends Record<string, unknown>>(value: string | undefined, secure: boolean, nowMs: number, facts?: RequestFacts): MaybePromise<Session<Data>> {
    const nowSeconds = Math.floor(nowMs / 1000);
    const cached = value ? this.#cache.get(value, nowSeconds, this.#maxAgeSeconds, this.#o.clockSkewSeconds) : undefined;
    if (cached !== undefined) {
      // Seen before: from now on its sessions copy the data by its key list (see VerifiedEntry.keys). Not on
      // the first read: a cookie read once would only pay for the list (and keep it alive in the cache).
      cached.keys ??= Object.keys(cached.data);
      return this.#session<Data>(cached, secure, nowSeconds, facts);
    }
    if (!value) return this.#session<Data>(undefined, secure, nowSeconds, facts);
    let opened: MaybePromise<VerifiedEntry>;
    try {
      opened = this.#codec.openNow(value, { maxAgeSeconds: this.#maxAgeSeconds, nowSeconds, clockSkewSeconds: this.#o.clockSkewSeconds });
    } catch (error) {
      return this.#rejected<Data>(error, secure, nowSeconds, facts);
    }
    if (opened instanceof Promise) return this.#openedLater<Data>(opened, value, secure, nowSeconds, facts);
    return this.#verified<Data>(value, opened, secure, nowSeconds, facts);
  }

  /** Web Crypto's answer (apart from load: its closures there would cost every Node load a context). */
  #openedLater<Data extends Record<string, unknown>>(opened: Promise<VerifiedEntry>, value: string, secure: boolean, nowSeconds: number, facts: RequestFacts | undefined): Promise<Session<Data>> {
    return opened.then(
      (entry) => this.#verified<Data>(value, entry, secure, nowSeconds, facts),
      (error: unknown) => this.#rejected<Data>(error, secure, nowSeconds, facts),
    );
  }

  #verified<Data extends Record<string, unknown>>(value: string, entry: VerifiedEntry, secure: boolean, nowSeconds: number, facts: RequestFacts | undefined): Session<Data> {
    this.#cache.set(value, entry);
    return this.#session<Data>(entry, secure, nowSeconds, facts);
  }

  /** A cookie the codec refused (forged, expired, malformed): a fresh session and an event, never an error. */
  #rejected<Data extends Record<string, unknown>>(error: unknown, secure: boolean, nowSeconds: number, facts: RequestFacts | undefined): Session<Data> {
    this.#emit({ type: "cookie_rejected", reason: rejectReason(error, nowSeconds) });
    return this.#session<Data>(undefined, secure, nowSeconds, facts);
  }

  #session<Data extends Record<string, unknown>>(verified: VerifiedEntry | undefined, secure: boolean, nowSeconds: number, facts: RequestFacts | undefined): Session<Data> {
    let entry = verified;
    if (entry !== undefined && this.#pastAbsolute(entry.data, nowSeconds)) entry = undefined;
    if (entry !== undefined && pastOwnExpiry(entry.data, entry.signedAtSeconds, nowSeconds)) {
      this.#emit({ type: "cookie_rejected", reason: "expired" });
      entry = undefined;
    }
    if (entry !== undefined && this.#o.schema !== undefined && schemaIssues(this.#o.schema, Object.entries(entry.data)) !== undefined) {
      // Signed by us, yet refused by the app's schema (an older version of the app wrote it): never the bad data.
      this.#emit({ type: "cookie_rejected", reason: "invalid_data" });
      entry = undefined;
    }
    const session = entry ? new Session<Data>(entry.data, false, undefined, entry.keys) : new Session<Data>(undefined, true);
    const internals = sessionInternals(session);
    internals.defaultPermanent = this.#o.permanent;
    const data = entry?.data;
    const jti = data?.[RESERVED_KEYS.jti];
    const user = data?.[RESERVED_KEYS.user];
    const authAt = data?.[RESERVED_KEYS.authAt];
    const state: CookieState = {
      kind: "cookie",
      secure,
      secretIndex: entry?.secretIndex ?? 0,
      signedAtSeconds: entry?.signedAtSeconds,
      jti: typeof jti === "string" ? jti : undefined,
      userId: typeof user === "string" ? user : undefined,
      authAtMs: typeof authAt === "number" ? authAt : undefined,
      original: data,
      carried: facts?.carried ?? NOTHING_CARRIED,
    };
    internals.state = state;
    return session;
  }

  #pastAbsolute(data: Record<string, unknown>, nowSeconds: number): boolean {
    const limit = this.#o.absoluteTimeoutSeconds;
    if (limit === undefined) return false;
    const created = data[RESERVED_KEYS.createdAt];
    if (typeof created === "number" && nowSeconds - created <= limit) return false;
    this.#emit({ type: "cookie_rejected", reason: "absolute_timeout" });
    return true;
  }

  save(session: Session<any>, nowMs: number): MaybePromise<string[]> {
    const internals = sessionInternals(session);
    const state = cookieState(session);
    const data = internals.data;
    Session.detectInPlaceChanges(session);
    // The flask format writes only what Flask writes: options that would need a key of ours are refused at creation.
    const native = this.#o.format !== "flask";
    // A login's own keys come first: a login of an empty session still writes a cookie.
    if (native && internals.loggedIn && !internals.destroyed) this.#stampUser(internals, state, nowMs);
    // setUser(null) ends the login before emptiness is judged: a session left with nothing is deleted.
    if (native && internals.userId === null) {
      data.values.delete(RESERVED_KEYS.user);
      data.values.delete(RESERVED_KEYS.authAt);
    }
    if (internals.destroyed || data.isEmpty()) {
      if (!(Session.isModified(session) || internals.destroyed)) return [];
      return [this.#writer.delete(state.secure), ...this.#writer.deleteChunks(state.carried, 0, state.secure)];
    }
    // setExpiry() decides for this session; else `permanent` and `lifetime` (0: a browser-session cookie).
    const lifetimeSeconds = data.cookieLifetimeSeconds(internals.defaultPermanent, this.#o.lifetimeSeconds);
    const permanent = lifetimeSeconds > 0;
    const resign = state.secretIndex > 0;
    const nowSeconds = Math.floor(nowMs / 1000);
    const idleRefresh = this.#idleRefreshSeconds !== undefined && state.signedAtSeconds !== undefined && nowSeconds - state.signedAtSeconds >= this.#idleRefreshSeconds;
    if (!(Session.isModified(session) || (permanent && this.#o.refreshEachRequest) || resign || idleRefresh)) return [];
    if (resign) this.#emit({ type: "resigned", secretIndex: state.secretIndex });
    const values = data.values;
    if (data.isPermanent(internals.defaultPermanent) && !values.has(RESERVED_KEYS.permanent)) values.set(RESERVED_KEYS.permanent, true);
    if (native) this.#stamp(internals, state, nowMs);
    const value = this.#codec.encodeNow(data.plain(), { nowSeconds, original: state.original });
    return then(value, (v) => this.#writer.setChunks(v, permanent, nowMs, state.secure, this.#o.cookie.maxChunks, state.carried, lifetimeSeconds));
  }

  /**
   * The native formats' own keys in a cookie being written. `_sk_created`
   * anchors the absolute timeout (a login starts a new one). With revocation
   * every cookie carries a `_sk_jti` (a new one after regenerate or login:
   * the id the denylist knows it by) and its user.
   */
  #stamp(internals: SessionInternals, state: CookieState, nowMs: number): void {
    const values = internals.data.values;
    if (this.#o.absoluteTimeoutSeconds !== undefined && (internals.loggedIn || !values.has(RESERVED_KEYS.createdAt))) {
      values.set(RESERVED_KEYS.createdAt, Math.floor(nowMs / 1000));
    }
    if (!this.#revocable || internals.loggedIn) return; // a login was stamped already
    if (internals.regenerate !== undefined || !values.has(RESERVED_KEYS.jti)) values.set(RESERVED_KEYS.jti, newSessionId());
    this.#stampUser(internals, state, nowMs);
  }

  /**
   * The user and when they authenticated. A login also gets a fresh random
   * `_sk_jti`, so the logged-in cookie never equals an earlier one (R8),
   * even for a second login of the same user in the same millisecond.
   */
  #stampUser(internals: SessionInternals, state: CookieState, nowMs: number): void {
    const values = internals.data.values;
    if (internals.loggedIn) values.set(RESERVED_KEYS.jti, newSessionId());
    if (internals.userId === null) {
      values.delete(RESERVED_KEYS.user);
      values.delete(RESERVED_KEYS.authAt);
    } else if (internals.userId !== undefined) {
      values.set(RESERVED_KEYS.user, internals.userId);
      // A new authentication (login, a different user, or a "log out everywhere" exception) counts from now;
      // setUser() of the same user keeps the loaded time, so it cannot outlive a "log out everywhere".
      const sameUser = internals.userId === state.userId && state.authAtMs !== undefined && !internals.loggedIn && !internals.reauthenticated;
      // The spared session of a "log out everywhere" counts from just after it (the check is strict).
      values.set(RESERVED_KEYS.authAt, sameUser ? state.authAtMs! : internals.reauthenticated ? nowMs + 1 : nowMs);
    }
  }

  /**
   * After an explicit save: the cookie just encoded is what the session now
   * holds (its data, signed now with the current secret, its denylist id and
   * user), so a reload() returns to it and nothing is re-signed or revoked twice.
   */
  settle(session: Session<any>, nowMs: number): void {
    const internals = sessionInternals(session);
    const state = cookieState(session);
    const data = internals.data;
    const written = internals.destroyed || data.isEmpty() ? undefined : data.plain();
    const jti = written?.[RESERVED_KEYS.jti];
    const user = written?.[RESERVED_KEYS.user];
    const authAt = written?.[RESERVED_KEYS.authAt];
    internals.state = {
      ...state,
      secretIndex: 0,
      signedAtSeconds: Math.floor(nowMs / 1000),
      jti: typeof jti === "string" ? jti : undefined,
      userId: typeof user === "string" ? user : undefined,
      authAtMs: typeof authAt === "number" ? authAt : undefined,
      original: written,
    };
    Session.settle(session);
  }

  /** Cookie mode has nothing newer than the request's cookie (or the last save): go back to it. */
  reload(session: Session<any>): void {
    Session.settle(session, new SessionData(cookieState(session).original));
  }

  async listForUser(): Promise<UserSession[]> {
    throw new ConfigError("store", "listing a user's sessions needs a server-side store; cookie sessions are not kept anywhere.");
  }

  async destroySession(): Promise<boolean> {
    throw new ConfigError("store", "ending one session by its id hash needs a server-side store; cookie sessions are not kept anywhere.");
  }

  async destroyAllForUser(): Promise<number> {
    throw new ConfigError("store", "ending a user's sessions needs a server-side store, or `revocation` with cookie sessions.");
  }
}

/**
 * A cookie-mode session's state; a session from another manager or mode is a programming error.
 *
 * @example
 * const { secure } = cookieState(session);
 */
export function cookieState(session: Session<any>): CookieState {
  const state = sessionInternals(session).state;
  if (state?.kind !== "cookie") throw new TypeError("sessionkit: this session was not loaded by this cookie-mode manager.");
  return state;
}

/**
 * The purpose a cookie's MAC is bound to. The native formats bind it to the
 * cookie name, so a value copied into another cookie of the same app (same
 * secret) is refused (as Rails does); the `flask` format keeps Flask's
 * fixed salt `cookie-session`, which sharing with Flask needs.
 *
 * @example
 * cookieSalt("signed", "session"); // "cookie-session:session"
 */
export function cookieSalt(format: CookieFormat, cookieName: string): string {
  return format === "flask" ? "cookie-session" : `cookie-session:${cookieName}`;
}

/** setExpiry()'s limit: a cookie signed longer ago than this session's own lifetime is refused, as `lifetime` refuses any. */
function pastOwnExpiry(data: Record<string, unknown>, signedAtSeconds: number | undefined, nowSeconds: number): boolean {
  const expiry = data[RESERVED_KEYS.expiry];
  return typeof expiry === "number" && expiry > 0 && signedAtSeconds !== undefined && nowSeconds - signedAtSeconds > expiry;
}

function rejectReason(error: unknown, nowSeconds: number): RejectReason {
  if (error instanceof SignatureExpired) {
    const signed = error.dateSigned instanceof Date ? error.dateSigned.getTime() / 1000 : undefined;
    return signed !== undefined && signed > nowSeconds ? "future" : "expired";
  }
  if (error instanceof BadPayload) return "bad_payload";
  if (error instanceof BadSignature) return "bad_signature";
  return "malformed";
}
