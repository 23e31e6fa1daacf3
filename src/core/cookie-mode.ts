/**
 * Cookie mode: the whole session lives in a signed (or encrypted) cookie, as
 * in Flask. Loading follows Flask's open_session and committing its
 * save_session (FLASK-FORMAT.md §3 and §5), with these differences: a
 * malformed payload under a valid signature is a fresh session (Flask
 * answers 500), a cookie signed with an older secret is re-signed at once,
 * and an oversized cookie is an error instead of a warning.
 */
import { BadPayload, BadSignature, SignatureExpired, createCookieCodec, type CookieCodec, type CookieFormat } from "../codec/index.js";
import type { EventHandler, RejectReason } from "./events.js";
import type { ResolvedOptions } from "./options.js";
import { RESERVED_KEYS, Session, isPermanent, sessionInternals, type SessionInternals } from "./session.js";
import { cookieTemplate, deletionCookie, setCookieValue, type CookieTemplate } from "./set-cookie.js";
import { VerifiedCache } from "./verified-cache.js";
import { newSessionId } from "./ids.js";

/** Per-session facts cookie mode keeps between load and commit. */
export interface CookieFacts {
  secure: boolean;
  secretIndex: number;
  /** With revocation on: the loaded cookie's denylist id, user and authentication time. */
  jti?: string;
  userId?: string;
  authAtMs?: number;
}

/**
 * Loads and commits sessions kept in the cookie itself.
 *
 * @example
 * const mode = new CookieMode(resolveOptions({ secret }), emit);
 */
export class CookieMode {
  readonly #options: ResolvedOptions;
  readonly #codec: CookieCodec;
  readonly #template: CookieTemplate;
  readonly #cache = new VerifiedCache(10_000);
  readonly #maxAgeSeconds: number;
  readonly #emit: EventHandler;

  constructor(options: ResolvedOptions, emit: EventHandler) {
    this.#options = options;
    this.#codec = createCookieCodec({ format: options.format, secrets: options.secrets, salt: cookieSalt(options.format, options.cookie.name) });
    this.#template = cookieTemplate(options.cookie);
    this.#maxAgeSeconds = Math.min(options.lifetimeSeconds, options.idleTimeoutSeconds ?? Infinity);
    this.#emit = emit;
  }

  load<Data extends Record<string, unknown>>(value: string | undefined, secure: boolean): Session<Data> {
    const nowSeconds = Math.floor(this.#options.now() / 1000);
    let session: Session<Data> | undefined;
    let secretIndex = 0;
    if (value) {
      let entry = this.#cache.get(value, nowSeconds, this.#maxAgeSeconds, this.#options.clockSkewSeconds);
      if (entry === undefined) {
        try {
          entry = this.#codec.open(value, { maxAgeSeconds: this.#maxAgeSeconds, nowSeconds, clockSkewSeconds: this.#options.clockSkewSeconds });
          this.#cache.set(value, entry);
        } catch (error) {
          this.#emit({ type: "cookie_rejected", reason: rejectReason(error, nowSeconds) });
        }
      }
      if (entry !== undefined && !this.#pastAbsolute(entry.data, nowSeconds)) {
        session = new Session<Data>(entry.data, false);
        secretIndex = entry.secretIndex;
      }
    }
    session ??= new Session<Data>(undefined, true);
    sessionInternals(session).defaultPermanent = this.#options.permanent;
    const facts: CookieFacts = { secure, secretIndex };
    if (this.#options.revocationStore && !session.isNew) {
      const values = sessionInternals(session).values;
      const jti = values.get(RESERVED_KEYS.jti);
      const user = values.get(RESERVED_KEYS.user);
      const authAt = values.get(RESERVED_KEYS.authAt);
      if (typeof jti === "string") facts.jti = jti;
      if (typeof user === "string") facts.userId = user;
      if (typeof authAt === "number") facts.authAtMs = authAt;
    }
    sessionInternals(session).backend.cookie = facts;
    return session;
  }

  /**
   * Revocation on: every written cookie carries a denylist id (a new one after
   * regenerate or login), and setUser() records the user and when they authenticated.
   */
  #stampRevocable(session: Session<any>, nowMs: number): void {
    const internals = sessionInternals(session);
    const values = internals.values;
    if (!values.has(RESERVED_KEYS.jti) || internals.regenerate) values.set(RESERVED_KEYS.jti, newSessionId());
    stampUser(internals, nowMs);
  }

  #pastAbsolute(data: Record<string, unknown>, nowSeconds: number): boolean {
    const limit = this.#options.absoluteTimeoutSeconds;
    if (limit === undefined) return false;
    const created = data[RESERVED_KEYS.createdAt];
    if (typeof created === "number" && nowSeconds - created <= limit) return false;
    this.#emit({ type: "cookie_rejected", reason: "absolute_timeout" });
    return true;
  }

  commit(session: Session<any>): string[] {
    const internals = sessionInternals(session);
    const facts = internals.backend.cookie as CookieFacts;
    Session.detectInPlaceChanges(session);
    const t = this.#template;
    // login() records the user (and a new jti) in the native formats with or without revocation,
    // so the logged-in cookie never equals an earlier one (R8). The flask format writes only what Flask writes
    // unless revocation is on: a Flask app sharing the cookie sees exactly its own keys.
    if (internals.loggedIn && !internals.destroyed && this.#options.format !== "flask") {
      stampUser(internals, this.#options.now());
      // A fresh random jti: even a second login of the same user in the same millisecond gives a new cookie.
      internals.values.set(RESERVED_KEYS.jti, newSessionId());
    }
    if (internals.destroyed || internals.values.size === 0) {
      return session.modified || internals.destroyed ? [deletionCookie(t, facts.secure)] : [];
    }
    const permanent = isPermanent(internals);
    const resign = facts.secretIndex > 0;
    if (!(session.modified || (permanent && this.#options.refreshEachRequest) || resign)) return [];
    if (resign) this.#emit({ type: "resigned", secretIndex: facts.secretIndex });
    const nowMs = this.#options.now();
    const nowSeconds = Math.floor(nowMs / 1000);
    if (permanent && !internals.values.has(RESERVED_KEYS.permanent)) internals.values.set(RESERVED_KEYS.permanent, true);
    if (this.#options.absoluteTimeoutSeconds !== undefined && !internals.values.has(RESERVED_KEYS.createdAt)) {
      internals.values.set(RESERVED_KEYS.createdAt, nowSeconds);
    }
    if (this.#options.revocationStore) this.#stampRevocable(session, nowMs);
    const value = this.#codec.encode(Session.plainData(session), { nowSeconds });
    const expires = permanent ? nowMs + this.#options.lifetimeSeconds * 1000 : undefined;
    return [setCookieValue(t, value, expires, facts.secure)];
  }
}

/** The user (`_sk_user`) and when they authenticated (`_sk_auth`, ms), or neither after setUser(null). */
function stampUser(internals: SessionInternals, nowMs: number): void {
  const values = internals.values;
  if (internals.userId === null) {
    values.delete(RESERVED_KEYS.user);
    values.delete(RESERVED_KEYS.authAt);
  } else if (internals.userId !== undefined) {
    values.set(RESERVED_KEYS.user, internals.userId);
    values.set(RESERVED_KEYS.authAt, nowMs);
  }
}

/**
 * The purpose a cookie's MAC is bound to. The native formats bind it to the
 * cookie name, so a value copied into another cookie of the same app (same
 * secret) is refused (SECURITY-REQUIREMENTS G.45, as Rails does); the `flask`
 * format keeps Flask's fixed salt `cookie-session`, which sharing with Flask needs.
 *
 * @example
 * cookieSalt("signed", "session"); // "cookie-session:session"
 */
export function cookieSalt(format: CookieFormat, cookieName: string): string {
  return format === "flask" ? "cookie-session" : `cookie-session:${cookieName}`;
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
