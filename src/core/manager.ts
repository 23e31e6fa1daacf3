/**
 * `createSessions()`: the manager every adapter calls. It speaks strings: the
 * Cookie header in, Set-Cookie values out. Cookie mode or server-side mode is
 * chosen by passing a `store`; the app code is the same either way.
 */
import { ConfigError } from "./errors.js";
import { findCookie } from "./cookie-header.js";
import { CookieMode, type CookieFacts } from "./cookie-mode.js";
import type { EventHandler, SessionEvent } from "./events.js";
import { Revocation } from "./revocation.js";
import { resolveOptions, type ResolvedOptions, type SessionOptions } from "./options.js";
import { Session, sessionInternals } from "./session.js";
import type { StoredSessionInfo } from "./store.js";
import { StoreMode } from "./store-mode.js";

/** What an adapter knows about the request. */
export interface RequestContext {
  /** The request arrived over HTTPS (decides Secure when `cookie.secure` is "auto"). */
  secure?: boolean;
  /**
   * The request path (a query string is ignored). When the cookie has a Path
   * other than "/", a request outside it gets no session and sends no cookie
   * (RFC 6265 §5.1.4 path-match), whatever a hand-made Cookie header says.
   */
  path?: string;
}

/** What an adapter knows about the response when committing. */
export interface CommitContext {
  /** The response status: with 5xx, changes are not saved (unless `saveOnServerError`). */
  status?: number;
}

let insecureWarned = false;
/** Read once: process.env is a slow getter, and NODE_ENV does not change while an app runs. */
const PRODUCTION = process.env.NODE_ENV === "production";

/**
 * Loads and commits sessions. Create one per app with {@link createSessions}.
 *
 * @example
 * const session = await sessions.load(req.headers.cookie, { secure: false });
 * const setCookie = await sessions.commit(session, { status: 200 });
 */
export class SessionManager<Data extends Record<string, unknown> = Record<string, unknown>> {
  /** The checked, frozen options. */
  readonly options: ResolvedOptions;
  readonly #cookieMode: CookieMode | undefined;
  readonly #storeMode: StoreMode | undefined;
  readonly #emit: EventHandler;
  readonly #revocation: Revocation | undefined;

  constructor(options: SessionOptions) {
    this.options = resolveOptions(options);
    const onEvent = this.options.onEvent;
    // A throwing event handler must not turn a rejected cookie into a 500.
    this.#emit = onEvent
      ? (event: SessionEvent) => {
          try {
            onEvent(event);
          } catch (error) {
            process.emitWarning(`sessionkit: the onEvent handler threw (${(error as Error)?.name ?? typeof error})`, { code: "SESSIONKIT_EVENT_HANDLER" });
          }
        }
      : () => {};
    if (this.options.store) this.#storeMode = new StoreMode(this.options, this.#emit);
    else this.#cookieMode = new CookieMode(this.options, this.#emit);
    if (this.options.revocationStore) this.#revocation = new Revocation(this.options.revocationStore, this.options, this.#emit);
  }

  /** Whether commitSync() may be used: cookie mode with nothing to wait for (no revocation store). */
  get canCommitSync(): boolean {
    return this.#cookieMode !== undefined && this.#revocation === undefined;
  }

  /** Whether sessions live in a store (true) or in the cookie (false). */
  get serverSide(): boolean {
    return this.#storeMode !== undefined;
  }

  /**
   * The session of a request, from its raw Cookie header. Bad, forged or
   * expired cookies give a fresh session (and an event), never an error; a
   * store that is down gives a StoreError.
   */
  async load(cookieHeader: string | undefined | null, context: RequestContext = {}): Promise<Session<Data>> {
    if (context.path !== undefined && !pathMatches(context.path, this.options.cookie.path)) {
      const outside = this.#cookieMode ? this.#cookieMode.load<Data>(undefined, false) : await this.#storeMode!.load<Data>(undefined, false);
      sessionInternals(outside).outOfScope = true;
      return outside;
    }
    const found = findCookie(cookieHeader, this.options.cookie.name);
    if (found.count > 1) this.#emit({ type: "duplicate_cookie", count: found.count });
    const secure = this.#secure(context);
    if (this.#cookieMode) {
      const session = this.#cookieMode.load<Data>(found.value, secure);
      if (this.#revocation === undefined || session.isNew) return session;
      const facts = sessionInternals(session).backend.cookie as CookieFacts;
      if (!(await this.#revocation.isRevoked(facts.jti, facts.userId, facts.authAtMs))) return session;
      this.#emit({ type: "cookie_rejected", reason: "revoked" });
      return this.#cookieMode.load<Data>(undefined, secure);
    }
    return this.#storeMode!.load<Data>(found.value, secure);
  }

  #secure(context: RequestContext): boolean {
    const setting = this.options.cookie.secure;
    if (setting !== "auto") return setting;
    const secure = context.secure === true;
    if (!secure && !insecureWarned && PRODUCTION) {
      insecureWarned = true;
      process.emitWarning(
        "sessionkit: a session cookie was sent without Secure under NODE_ENV=production (the request was not HTTPS). Serve over HTTPS, or tell the adapter to trust your proxy's X-Forwarded-Proto.",
        { code: "SESSIONKIT_INSECURE_COOKIE" },
      );
    }
    return secure;
  }

  /**
   * Save what the request changed and return the Set-Cookie values to send
   * (none when nothing needs sending). Throws CookieTooLargeError,
   * StoreError or SessionInterruptedError; never sends a partial write.
   * Once it has started, every change to the session throws
   * HeadersSentError (reads stay allowed), unless the commit throws.
   */
  async commit(session: Session<Data>, context: CommitContext = {}): Promise<string[]> {
    const internals = sessionInternals(session);
    // From here on a change could reach neither the visitor nor the store: the Session refuses it (R23).
    internals.committed = true;
    try {
      if (this.#cookieMode) {
        if (this.#revocation) await this.#revokeOnCommit(session);
        return this.#commitCookie(session, context);
      }
      if (internals.outOfScope) return [];
      this.#markClearSiteData(session);
      return await this.#storeMode!.commit(session, context.status);
    } catch (error) {
      // Nothing was sent: a caller that handles the error (a cookie too large) may change the session and commit again.
      internals.committed = false;
      throw error;
    }
  }

  /**
   * {@link commit} without a promise, for cookie mode only (nothing to wait
   * for): adapters use it to set the cookie in the same tick as the response
   * head. Throws a ConfigError in server-side mode.
   */
  commitSync(session: Session<Data>, context: CommitContext = {}): string[] {
    if (!this.canCommitSync) {
      throw new ConfigError(this.#cookieMode ? "revocation" : "store", "commitSync works in cookie mode without revocation only; await commit().");
    }
    const internals = sessionInternals(session);
    internals.committed = true;
    try {
      return this.#commitCookie(session, context);
    } catch (error) {
      internals.committed = false;
      throw error;
    }
  }

  /** Cookie mode with revocation: a destroyed or regenerated session's old cookie goes on the denylist. */
  async #revokeOnCommit(session: Session<Data>): Promise<void> {
    const internals = sessionInternals(session);
    const jti = (internals.backend.cookie as CookieFacts).jti;
    if (jti !== undefined && (internals.destroyed || internals.regenerate)) await this.#revocation!.revokeSession(jti);
  }

  #commitCookie(session: Session<Data>, context: CommitContext): string[] {
    const internals = sessionInternals(session);
    if (internals.outOfScope) return [];
    this.#markClearSiteData(session);
    if (context.status !== undefined && context.status >= 500 && !this.options.saveOnServerError && !internals.destroyed) {
      if (session.modified) this.#emit({ type: "not_saved", reason: "server_error_status" });
      return [];
    }
    return this.#cookieMode!.commit(session);
  }

  #markClearSiteData(session: Session<Data>): void {
    const internals = sessionInternals(session);
    if (internals.destroyed && this.options.clearSiteDataOnDestroy) internals.clearSiteData = true;
  }

  /** The sessions indexed under `userId` (hashed ids and times only). */
  async listForUser(userId: string): Promise<StoredSessionInfo[]> {
    const store = this.#userIndexStore("listForUser");
    return this.#storeMode!.call("listForUser", (ctx) => store.listForUser!(userId, ctx));
  }

  /** "Log out everywhere": destroy every session of `userId`, except `options.except`. Resolves how many ended. */
  async destroyAllForUser(userId: string, options: { except?: Session<Data> } = {}): Promise<number> {
    if (this.#revocation) {
      // Cookie mode keeps no list of a user's cookies: every one authenticated before now is refused.
      // `except` is stamped as authenticated again, so its next cookie stays valid. The count is unknown: 0.
      await this.#revocation.revokeUser(userId);
      options.except?.setUser(userId);
      return 0;
    }
    const store = this.#userIndexStore("destroyForUser");
    const exceptHash = options.except ? (sessionInternals(options.except).backend.stored as { idHash?: string } | undefined)?.idHash : undefined;
    return this.#storeMode!.call("destroyForUser", (ctx) => store.destroyForUser!(userId, exceptHash, ctx));
  }

  #userIndexStore(method: "listForUser" | "destroyForUser") {
    const store = this.options.store;
    if (!store) throw new ConfigError("store", "listing or ending a user's sessions needs a server-side store; cookie sessions cannot be revoked.");
    if (typeof store[method] !== "function") throw new ConfigError("store", `the ${store.name} store has no user index (${method}); use a store that has one.`);
    return store;
  }
}

/**
 * RFC 6265 §5.1.4: does a request path fall under a cookie's Path?
 *
 * @example
 * pathMatches("/app/x?y=1", "/app"); // true
 */
export function pathMatches(requestUrl: string, cookiePath: string): boolean {
  if (cookiePath === "/") return true;
  const q = requestUrl.search(/[?#]/);
  const path = q === -1 ? requestUrl : requestUrl.slice(0, q);
  if (path === cookiePath) return true;
  if (!path.startsWith(cookiePath)) return false;
  return cookiePath.endsWith("/") || path.charCodeAt(cookiePath.length) === 0x2f;
}

/**
 * Create the session manager of an app.
 *
 * @example
 * const sessions = createSessions<{ username?: string }>({ secret: process.env.SECRET_KEY! });
 */
export function createSessions<Data extends Record<string, unknown> = Record<string, unknown>>(options: SessionOptions): SessionManager<Data> {
  return new SessionManager<Data>(options);
}
