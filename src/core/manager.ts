/**
 * `createSessions()`: the manager every adapter calls. It speaks strings: the
 * Cookie header in; out, everything the response needs (the Set-Cookie
 * values and each other header with its exact value), so an adapter only
 * copies a {@link CommitResult} into its framework's response.
 *
 * The manager owns what the modes share: the clock, the cookie's Path
 * scope, the 5xx rule, the response headers and marking a session
 * committed. Where sessions live is a {@link Mode}: cookie mode, revocable
 * cookie mode, or store mode (chosen by the options).
 */
import { runtime } from "#runtime";
import type { AppSessionData, SessionDataShape } from "./app-data.js";
import { CookieMode } from "./cookie-mode.js";
import { readSessionCookie } from "./cookie-chunks.js";
import { ConfigError } from "./errors.js";
import { AutoPruner } from "./auto-prune.js";
import type { EventHandler, SessionEvent } from "./events.js";
import { sessionHeaders, type HeaderValue, type SessionHeader } from "./headers.js";
import type { Mode } from "./mode.js";
import { then } from "../runtime/types.js";
import { resolveOptions, type ResolvedOptions, type SessionOptions } from "./options.js";
import { storesReady } from "./readiness.js";
import { assertSchema } from "./schema.js";
import type { StandardSchemaV1 } from "./standard-schema.js";
import { RevocableMode } from "./revocable-mode.js";
import { Session, sessionInternals, type SessionControl, type SessionInternals } from "./session.js";
import type { UserSession } from "./device.js";
import { StoreMode } from "./store-mode.js";
import { warnOnce } from "./warnings.js";

/** What an adapter knows about the request. */
export interface RequestContext {
  /** The request arrived over HTTPS (decides Secure when `cookie.secure` is "auto"). */
  secure?: boolean | undefined;
  /**
   * The request path (a query string is ignored). When the cookie has a Path
   * other than "/", a request outside it gets no session and sends no cookie
   * (RFC 6265 §5.1.4 path-match), whatever a hand-made Cookie header says.
   */
  path?: string | undefined;
  /** The request's User-Agent header: with `devices`, a login records its browser and OS family. */
  userAgent?: string | undefined;
  /**
   * The client's address as the framework knows it (its own trust-proxy
   * rules decide whether a forwarded address counts): with `devices`, a
   * login records its network (/24 or /48).
   */
  clientAddress?: string | undefined;
}

/** What an adapter knows about the response when committing. */
export interface CommitContext {
  /** The response status: with 5xx, changes are not saved (unless `saveOnServerError`); a logout still is. */
  status?: number | undefined;
  /** The response's own `Vary` header, if any: the result's `Vary` merges `Cookie` into it. */
  vary?: HeaderValue;
  /** The response's own `Cache-Control` header, if any: the result keeps it when it already keeps shared caches away. */
  cacheControl?: HeaderValue;
}

/**
 * Everything a committed session needs on the response.
 *
 * @example
 * const { setCookie, headers } = await sessions.commit(session, { status: res.statusCode, vary: res.getHeader("Vary") });
 * for (const value of setCookie) res.appendHeader("Set-Cookie", value);
 * for (const [name, value] of headers) res.setHeader(name, value);
 */
export interface CommitResult {
  /** Set-Cookie values: append each as its own header line, beside the app's own cookies. */
  readonly setCookie: string[];
  /** Other headers, each with its exact value: set each, replacing the response's own. */
  readonly headers: readonly SessionHeader[];
}

/** NODE_ENV=production, as the runtime read it once (false outside Node). */
const PRODUCTION = runtime.production;

/**
 * Loads and commits sessions. Create one per app with {@link createSessions}.
 *
 * @example
 * const session = await sessions.load(req.headers.cookie, { secure: false });
 * const { setCookie, headers } = await sessions.commit(session, { status: 200 });
 */
export class SessionManager<Data extends SessionDataShape = AppSessionData> {
  /** The checked, frozen options. */
  readonly options: ResolvedOptions;
  readonly #mode: Mode;
  readonly #emit: EventHandler;
  readonly #pruner: AutoPruner | undefined;
  /** Why setExpiry() cannot be stored with these options: Flask would see the key. */
  readonly #expiryRefused: string | undefined;
  /** What every loaded session calls for save() and reload(): one object per manager, not a closure per request. */
  readonly #control: SessionControl = { save: (session) => this.#saveNow(session), reload: (session) => this.#reload(session) };

  constructor(options: SessionOptions) {
    this.options = resolveOptions(options);
    const onEvent = this.options.onEvent;
    // A throwing event handler must not turn a rejected cookie into a 500.
    this.#emit = onEvent
      ? (event: SessionEvent) => {
          try {
            onEvent(event);
          } catch (error) {
            warnOnce("SESSIONKIT_EVENT_HANDLER", `sessionkit: the onEvent handler threw (${(error as Error)?.name ?? typeof error})`);
          }
        }
      : () => {};
    const { store, revocationStore } = this.options;
    if (store) this.#mode = new StoreMode(this.options, store, this.#emit);
    else if (revocationStore) this.#mode = new RevocableMode(this.options, revocationStore, this.#emit);
    else this.#mode = new CookieMode(this.options, this.#emit, false);
    this.#expiryRefused =
      store?.rawIds === true
        ? "cannot be stored on the flask-session store: Flask-Session would see a key it did not write. Set `permanent` (Flask's own), or keep sessions on a native store."
        : store === undefined && this.options.format === "flask"
          ? "cannot be stored in the flask cookie format: a Flask app sharing the cookie would see a key it did not write. Set `permanent` (Flask's own), or use the signed format or a store."
          : undefined;
    const { autoPrune } = this.options;
    this.#pruner = store && autoPrune ? new AutoPruner(store, autoPrune, this.options.now, this.#emit) : undefined;
  }

  /**
   * Stop what the manager runs on its own (the `autoPrune` timer), and wait
   * for a prune already running to finish. Never closes the store or its client.
   *
   * @example
   * process.on("SIGTERM", async () => { server.close(); await sessions.close(); await pool.end(); });
   */
  async close(): Promise<void> {
    await this.#pruner?.close();
  }

  /** Whether loadSync() and commitSync() may be used: cookie mode with nothing to wait for (no revocation store). */
  get canCommitSync(): boolean {
    return this.#mode.sync;
  }

  /** Whether sessions live in a store (true) or in the cookie (false). */
  get serverSide(): boolean {
    return this.options.store !== undefined;
  }

  /**
   * Check at start-up that the store can be used (it answers, accepts the
   * credentials, has its database and table, and takes a write), so that an
   * app can refuse to start and say why instead of answering every request
   * 503. Throws the StoreError of the first failing call, whose message says
   * the cause in words; resolves at once in cookie mode. See readiness.ts.
   *
   * @example
   * await sessions.ready(); // before app.listen()
   */
  async ready(): Promise<void> {
    await storesReady(this.options, this.#emit);
  }

  /**
   * The session of a request, from its raw Cookie header. Bad, forged or
   * expired cookies give a fresh session (and an event), never an error; a
   * store that is down gives a StoreError.
   */
  load(cookieHeader: string | undefined | null, context: RequestContext = {}): Promise<Session<Data>> {
    // Not an async function: where the mode answers at once (cookie mode on Node) the session is
    // resolved as it is, without an await's extra turn; a throw still becomes a rejection, as before.
    try {
      const loaded = this.#load(cookieHeader, context);
      return loaded instanceof Promise ? loaded : Promise.resolve(loaded);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * {@link load} without a promise, for cookie mode only (where
   * {@link canCommitSync} is true: nothing to wait for): adapters use it to
   * hand the handler its session in the same tick, without the promise turn
   * an `await` takes even on a resolved promise. Throws a ConfigError when
   * the mode must wait (a store, revocation, Web Crypto).
   *
   * @example
   * const session = sessions.canCommitSync ? sessions.loadSync(cookie, context) : await sessions.load(cookie, context);
   */
  loadSync(cookieHeader: string | undefined | null, context: RequestContext = {}): Session<Data> {
    if (!this.#mode.sync) {
      throw new ConfigError(this.serverSide ? "store" : "revocation", "loadSync works in cookie mode without revocation only; await load().");
    }
    return this.#load(cookieHeader, context) as Session<Data>;
  }

  #load(cookieHeader: string | undefined | null, context: RequestContext): Session<Data> | Promise<Session<Data>> {
    const nowMs = this.options.now();
    const secure = this.#secure(context);
    if (context.path !== undefined && !pathMatches(context.path, this.options.cookie.path)) {
      return then(this.#mode.load<Data>(undefined, secure, nowMs), this.#attachOutside);
    }
    this.#pruner?.request();
    const found = readSessionCookie(cookieHeader, this.options.cookie.name, this.options.cookie.maxChunks);
    if (found.count > 1) this.#emit({ type: "duplicate_cookie", count: found.count });
    // Without `devices` the cookie read itself is the request's facts (it has `carried`): no object per request.
    const facts = this.options.devices ? { carried: found.carried, userAgent: context.userAgent, clientAddress: context.clientAddress } : found;
    return then(this.#mode.load<Data>(found.value, secure, nowMs, facts), this.#attached);
  }

  /** {@link #attach} as a value, made once per manager (not a closure per request). */
  readonly #attached = (session: Session<Data>): Session<Data> => {
    this.#attach(session);
    return session;
  };

  readonly #attachOutside = (session: Session<Data>): Session<Data> => {
    this.#attach(session).outOfScope = true;
    return session;
  };

  /** What a loaded session needs from the manager: the schema its changes must pass. */
  #attach(session: Session<Data>): SessionInternals {
    const internals = sessionInternals(session);
    internals.schema = this.options.schema;
    internals.control = this.#control;
    internals.expiryRefused = this.#expiryRefused;
    return internals;
  }

  /**
   * `session.save()`: the commit's save, now, then the session continues
   * from what was saved. Its Set-Cookie values wait for the final commit,
   * which sends them unless it writes the cookie again. Changes while it
   * runs are refused (they could be lost between the write and the read-back).
   */
  async #saveNow(session: Session<Data>): Promise<void> {
    const internals = sessionInternals(session);
    if (internals.outOfScope) return;
    internals.committed = true;
    try {
      const nowMs = this.options.now();
      this.#checkSchema(internals, session);
      const setCookie = await this.#mode.save(session, nowMs);
      if (setCookie.length > 0) internals.pendingSetCookie = setCookie;
      await this.#mode.settle(session, nowMs);
    } finally {
      internals.committed = false;
    }
  }

  /** `session.reload()`. */
  async #reload(session: Session<Data>): Promise<void> {
    const internals = sessionInternals(session);
    if (internals.outOfScope) return;
    internals.committed = true;
    try {
      await this.#mode.reload(session, this.options.now());
    } finally {
      internals.committed = false;
    }
  }

  /** With a schema: a value changed in place (a pushed array item) passed no set(), so check what would be saved. */
  #checkSchema(internals: SessionInternals, session: Session<Data>): void {
    if (internals.schema === undefined || internals.destroyed) return;
    Session.detectInPlaceChanges(session);
    if (Session.isModified(session)) assertSchema(internals.schema, internals.data.values, "commit");
  }

  #secure(context: RequestContext): boolean {
    const setting = this.options.cookie.secure;
    if (setting !== "auto") return setting;
    const secure = context.secure === true;
    if (!secure && PRODUCTION) {
      warnOnce(
        "SESSIONKIT_INSECURE_COOKIE",
        "sessionkit: a session cookie was sent without Secure under NODE_ENV=production (the request was not HTTPS). Serve over HTTPS, or tell the adapter to trust your proxy's X-Forwarded-Proto.",
      );
    }
    return secure;
  }

  /**
   * Save what the request changed and return what the response needs: the
   * Set-Cookie values and the other headers (`Vary`, `Cache-Control`,
   * `Clear-Site-Data`) with their exact values. Throws CookieTooLargeError,
   * StoreError or SessionInterruptedError; never sends a partial write.
   * Once it has started, every change to the session throws
   * HeadersSentError (reads stay allowed), unless the commit throws.
   */
  commit(session: Session<Data>, context: CommitContext = {}): Promise<CommitResult> {
    const internals = sessionInternals(session);
    // From here on a change could reach neither the visitor nor the store: the Session refuses it (R23).
    internals.committed = true;
    // Not an async function, as load(): a save that answers at once resolves without an await's extra turn.
    try {
      const saved = this.#save(session, context.status);
      if (!(saved instanceof Promise)) return Promise.resolve(this.#result(session, saved, context));
      // One promise, not then() and catch(): a throw while building the result is still caught.
      return saved.then(
        (values) => {
          try {
            return this.#result(session, values, context);
          } catch (error) {
            return this.#uncommitted(internals, error);
          }
        },
        (error: unknown) => this.#uncommitted(internals, error),
      );
    } catch (error) {
      return this.#uncommitted(internals, error);
    }
  }

  /** Nothing was sent: a caller that handles the error (a cookie too large) may change the session and commit again. */
  #uncommitted(internals: SessionInternals, error: unknown): Promise<never> {
    internals.committed = false;
    return Promise.reject(error);
  }

  /**
   * {@link commit} without a promise, for cookie mode only (nothing to wait
   * for): adapters use it to set the cookie in the same tick as the response
   * head. Throws a ConfigError when the mode must wait (a store, revocation).
   */
  commitSync(session: Session<Data>, context: CommitContext = {}): CommitResult {
    if (!this.#mode.sync) {
      throw new ConfigError(this.serverSide ? "store" : "revocation", "commitSync works in cookie mode without revocation only; await commit().");
    }
    const internals = sessionInternals(session);
    internals.committed = true;
    try {
      return this.#result(session, this.#save(session, context.status) as string[], context);
    } catch (error) {
      internals.committed = false;
      throw error;
    }
  }

  /** The one place deciding whether a session is saved: out of the cookie's Path, never; on a 5xx, only a logout. */
  #save(session: Session<Data>, status: number | undefined): string[] | Promise<string[]> {
    const internals = sessionInternals(session);
    if (internals.outOfScope) return [];
    this.#checkSchema(internals, session);
    if (status !== undefined && status >= 500 && !this.options.saveOnServerError && !internals.destroyed) {
      if (Session.isModified(session)) this.#emit({ type: "not_saved", reason: "server_error_status" });
      return [];
    }
    return this.#mode.save(session, this.options.now());
  }

  #result(session: Session<Data>, saved: string[], context: CommitContext): CommitResult {
    Session.markSaved(session);
    const internals = sessionInternals(session);
    // An explicit save()'s cookie goes out unless this commit wrote the cookie again (whatever the status: its write landed).
    const setCookie = saved.length > 0 || internals.pendingSetCookie === undefined ? saved : internals.pendingSetCookie;
    const headers = sessionHeaders({
      accessed: session.accessed,
      setCookie,
      clearSiteData: internals.destroyed && this.options.clearSiteDataOnDestroy && !internals.outOfScope,
      vary: context.vary,
      cacheControl: context.cacheControl,
    });
    return { setCookie, headers };
  }

  /**
   * The sessions indexed under `userId`: hashed ids, times (created, last
   * seen, expiry), `current` for the session `options.current` lives under
   * now, and with `devices: true` what each login recorded. Needs a store
   * with a user index.
   *
   * @example
   * const mine = await sessions.listForUser(userId, { current: req.session });
   */
  async listForUser(userId: string, options: { current?: Session<Data> } = {}): Promise<UserSession[]> {
    return this.#mode.listForUser(userId, this.options.now(), options.current);
  }

  /**
   * End one session by the `idHash` a listing gave ("log out this device"):
   * its record, and the ids it was regenerated from or into. With
   * `options.userId`, only a session of that user (pass the logged-in user,
   * so a form field cannot end someone else's session). Resolves whether a
   * live session ended; an id hash that is not one is `false`, never an error.
   *
   * @example
   * await sessions.destroy(String(form.get("idHash")), { userId: currentUser });
   */
  async destroy(idHash: string, options: { userId?: string } = {}): Promise<boolean> {
    return this.#mode.destroySession(idHash, options.userId, this.options.now());
  }

  /**
   * "Log out everywhere": end every session of `userId`, however many, except
   * `options.except` (the current one, say). Resolves how many ended (0 with
   * cookie revocation, which cannot count the cookies it refuses).
   * `except` follows its session through a regenerate or login another
   * request made since it loaded, for as long as the store keeps the old
   * id's record as the link (the latest of its idle expiry, the grace window
   * and the new id's first idle expiry; `Store.rotate`); past that it spares
   * nothing, and that session ends with the others.
   */
  async destroyAllForUser(userId: string, options: { except?: Session<Data> } = {}): Promise<number> {
    return this.#mode.destroyAllForUser(userId, options.except, this.options.now());
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
 * Create the session manager of an app. Without a type argument its data is
 * the app's `SessionData` (declared once, seen by every adapter); with one,
 * that type.
 *
 * @example
 * declare module "sessionkit" { interface SessionData { username?: string } }
 * const sessions = createSessions({ secret: process.env.SECRET_KEY! });
 * const typed = createSessions<{ cart?: string[] }>({ secret: process.env.SECRET_KEY! });
 * const checked = createSessions({ secret: process.env.SECRET_KEY!, schema: z.object({ cart: z.array(z.string()).optional() }) });
 */
export function createSessions<Input, Output extends SessionDataShape>(
  options: SessionOptions & { schema: StandardSchemaV1<Input, Output> },
): SessionManager<Output>;
export function createSessions<Data extends SessionDataShape = AppSessionData>(options: SessionOptions): SessionManager<Data>;
export function createSessions(options: SessionOptions): SessionManager<any> {
  return new SessionManager(options);
}
