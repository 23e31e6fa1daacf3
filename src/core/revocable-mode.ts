/**
 * Revocable cookie sessions (opt-in): a signed cookie stays valid until it
 * expires, whatever logout did to the browser's copy, unless the server
 * remembers what it revoked. With `revocation: { store }`, this mode wraps
 * cookie mode and keeps, in any sessionkit Store:
 *
 * - per cookie session, its random `_sk_jti` once it ends: a logout writes a
 *   plain entry; a regenerate or login writes one that names the new jti
 *   (its successor). Both are created atomically (`create` refuses an
 *   existing key), so a logout and a regenerate of one cookie cannot both
 *   win: the regenerate that comes second is refused, and a logout that
 *   comes second revokes the successor too. Two regenerates of one cookie
 *   leave one live successor.
 * - per user, the time of the last "log out everywhere", so every cookie of
 *   that user authenticated before it is refused.
 *
 * This trades statelessness for revocation: each request with a cookie costs
 * one or two store reads (run in parallel). Keys are hashed like session ids,
 * so the store never holds a jti or a user id in clear.
 */
import { runtime } from "#runtime";
import { CookieMode, cookieState } from "./cookie-mode.js";
import { SessionInterruptedError } from "./errors.js";
import type { EventHandler } from "./events.js";
import type { Mode, RequestFacts } from "./mode.js";
import type { ResolvedOptions } from "./options.js";
import { RESERVED_KEYS } from "./session-data.js";
import type { CookieState } from "./session-state.js";
import { Session, sessionInternals } from "./session.js";
import type { UserSession } from "./device.js";
import type { Store, StoreContext, StoreRecord } from "./store.js";
import { callStore } from "./timeout.js";
import { ConfigError } from "./errors.js";

const key = (kind: "jti" | "user", value: string): string => runtime.base64urlEncode(runtime.sha256Sync(runtime.utf8Encode(`sessionkit:${kind}:${value}`)));

/** A chain of regenerations longer than this is abuse: stop following it. */
const MAX_CHAIN = 64;

/**
 * Cookie mode with a denylist.
 *
 * @example
 * const mode = new RevocableMode(resolvedOptions, store, emit);
 */
export class RevocableMode implements Mode {
  readonly sync = false;
  readonly #inner: CookieMode;
  readonly #store: Store;
  readonly #o: ResolvedOptions;
  readonly #emit: EventHandler;

  constructor(options: ResolvedOptions, store: Store, emit: EventHandler) {
    this.#inner = new CookieMode(options, emit, true);
    this.#store = store;
    this.#o = options;
    this.#emit = emit;
  }

  #call<T>(operation: string, nowMs: number, run: (ctx: StoreContext) => Promise<T>): Promise<T> {
    return callStore(this.#store, this.#o.storeTimeoutMs, this.#emit, operation, nowMs, run);
  }

  async load<Data extends Record<string, unknown>>(value: string | undefined, secure: boolean, nowMs: number, facts?: RequestFacts): Promise<Session<Data>> {
    const session = await this.#inner.load<Data>(value, secure, nowMs, facts);
    if (session.isNew || !(await this.#isRevoked(cookieState(session), nowMs))) return session;
    this.#emit({ type: "cookie_rejected", reason: "revoked" });
    return this.#inner.load<Data>(undefined, secure, nowMs, facts);
  }

  /** Whether the loaded cookie's jti was revoked, or its user logged out everywhere after it authenticated. */
  async #isRevoked(state: CookieState, nowMs: number): Promise<boolean> {
    const { jti, userId, authAtMs } = state;
    const [byJti, byUser] = await Promise.all([
      jti === undefined ? undefined : this.#call("load", nowMs, (ctx) => this.#store.load(key("jti", jti), ctx)),
      userId === undefined ? undefined : this.#call("load", nowMs, (ctx) => this.#store.load(key("user", userId), ctx)),
    ]);
    if (byJti !== undefined) return true;
    if (byUser === undefined) return false;
    const before = Number(byUser.data.revokedBeforeMs);
    // Strictly after: a login in the same millisecond as "log out everywhere" may have come before it.
    return !(typeof authAtMs === "number" && authAtMs > before);
  }

  async save(session: Session<any>, nowMs: number): Promise<string[]> {
    const internals = sessionInternals(session);
    const oldJti = cookieState(session).jti;
    if (internals.destroyed) {
      if (oldJti !== undefined) await this.#revoke(oldJti, nowMs);
      return this.#inner.save(session, nowMs);
    }
    // Encode first: a cookie too large must fail before the old cookie is revoked.
    const cookies = await this.#inner.save(session, nowMs);
    if (internals.regenerate !== undefined && oldJti !== undefined) {
      const next = internals.data.values.get(RESERVED_KEYS.jti);
      // An emptied session has no new jti: its old one still ends, but only if nothing ended or moved it
      // first. Following the successors (a logout's way) would end the session a login has moved on to.
      await this.#rotate(oldJti, typeof next === "string" && next !== oldJti ? next : undefined, nowMs);
    }
    return cookies;
  }

  settle(session: Session<any>, nowMs: number): void {
    this.#inner.settle(session, nowMs);
  }

  reload(session: Session<any>): void {
    this.#inner.reload(session);
  }

  /** A denylist entry lives as long as a cookie signed now could. */
  #entry(nowMs: number, data: Record<string, string>): StoreRecord {
    return { data, createdAtMs: nowMs, expiresAtMs: nowMs + this.#o.lifetimeSeconds * 1000 };
  }

  /**
   * Regenerate: revoke `oldJti` naming `newJti` as its successor (none when
   * the regenerated session is empty, so no cookie carries it on), unless a
   * logout or another regenerate got there first: then this one is refused.
   */
  async #rotate(oldJti: string, newJti: string | undefined, nowMs: number): Promise<void> {
    const data = Object.create(null) as Record<string, string>;
    if (newJti !== undefined) data.successor = newJti;
    if (await this.#call("create", nowMs, (ctx) => this.#store.create(key("jti", oldJti), this.#entry(nowMs, data), ctx))) return;
    const existing = await this.#call("load", nowMs, (ctx) => this.#store.load(key("jti", oldJti), ctx));
    const reason = typeof existing?.data.successor === "string" ? "regenerated" : "destroyed";
    this.#emit({ type: "interrupted", reason });
    throw new SessionInterruptedError(reason);
  }

  /** Logout: revoke `jti`, and its successors when a regenerate already moved the session on. */
  async #revoke(jti: string, nowMs: number): Promise<void> {
    let current: string | undefined = jti;
    for (let hop = 0; current !== undefined && hop < MAX_CHAIN; hop++) {
      const id = key("jti", current);
      if (await this.#call("create", nowMs, (ctx) => this.#store.create(id, this.#entry(nowMs, Object.create(null)), ctx))) return;
      const existing = await this.#call("load", nowMs, (ctx) => this.#store.load(id, ctx));
      const successor: unknown = existing?.data.successor;
      current = typeof successor === "string" ? successor : undefined;
    }
  }

  async listForUser(): Promise<UserSession[]> {
    throw new ConfigError("store", "listing a user's sessions needs a server-side store; revocable cookie sessions are not listed anywhere.");
  }

  async destroySession(): Promise<boolean> {
    throw new ConfigError("store", "ending one session by its id hash needs a server-side store; revocable cookie sessions are not listed anywhere.");
  }

  /** Refuse every cookie of `userId` authenticated before now. Cookie mode keeps no list of a user's cookies: the count is 0. */
  async destroyAllForUser(userId: string, except: Session<any> | undefined, nowMs: number): Promise<number> {
    const id = key("user", userId);
    const data = Object.assign(Object.create(null) as Record<string, string>, { revokedBeforeMs: String(nowMs) });
    const entry = this.#entry(nowMs, data);
    // Setting a time is idempotent, so create-then-apply races are harmless: the later time wins or both are equal.
    const created = await this.#call("create", nowMs, (ctx) => this.#store.create(id, entry, ctx));
    if (!created) await this.#call("apply", nowMs, (ctx) => this.#store.apply(id, { set: data, delete: [], expiresAtMs: entry.expiresAtMs }, ctx));
    if (except !== undefined) {
      // The spared session is stamped as authenticated again, so its next cookie stays valid.
      except.setUser(userId);
      sessionInternals(except).reauthenticated = true;
    }
    return 0;
  }
}
