/**
 * Revocable cookie sessions (opt-in): a signed cookie stays valid until it
 * expires, whatever logout did to the browser's copy, unless the server
 * remembers what it revoked. With `revocation: { store }`, cookie mode
 * records, in any sessionkit Store:
 *
 * - each destroyed session's random `_sk_jti` (a denylist entry that lives
 *   as long as the cookie could), so a copy replayed after logout is refused;
 * - per user, the time of the last "log out everywhere", so every cookie of
 *   that user authenticated before it is refused.
 *
 * This trades statelessness for revocation: each request with a cookie costs
 * one or two store reads (run in parallel). Keys are hashed like session ids,
 * so the store never holds a jti or a user id in clear.
 */
import { createHash } from "node:crypto";
import type { EventHandler } from "./events.js";
import type { ResolvedOptions } from "./options.js";
import type { Store, StoreContext } from "./store.js";
import { callStore } from "./timeout.js";

/** Options of cookie-mode revocation. */
export interface RevocationOptions {
  /** Where revocations are kept: any sessionkit Store (Redis to share them across instances). */
  store: Store;
}

const key = (kind: "jti" | "user", value: string): string => createHash("sha256").update(`sessionkit:${kind}:${value}`).digest("base64url");

/**
 * The denylist and per-user revocation times of cookie mode.
 *
 * @example
 * const revocation = new Revocation(store, resolvedOptions, emit);
 */
export class Revocation {
  readonly #store: Store;
  readonly #o: ResolvedOptions;
  readonly #emit: EventHandler;

  constructor(store: Store, options: ResolvedOptions, emit: EventHandler) {
    this.#store = store;
    this.#o = options;
    this.#emit = emit;
  }

  #call<T>(operation: string, run: (ctx: StoreContext) => Promise<T>): Promise<T> {
    return callStore(this.#store, this.#o.storeTimeoutMs, this.#emit, operation, this.#o.now(), run);
  }

  /** Whether a cookie with this jti, or of this user authenticated at `authAtMs`, was revoked. */
  async isRevoked(jti: string | undefined, userId: string | undefined, authAtMs: number | undefined): Promise<boolean> {
    const [byJti, byUser] = await Promise.all([
      jti === undefined ? undefined : this.#call("load", (ctx) => this.#store.load(key("jti", jti), ctx)),
      userId === undefined ? undefined : this.#call("load", (ctx) => this.#store.load(key("user", userId), ctx)),
    ]);
    if (byJti !== undefined) return true;
    if (byUser === undefined) return false;
    const before = Number(byUser.data.revokedBeforeMs);
    return !(typeof authAtMs === "number" && authAtMs >= before);
  }

  /** Deny one cookie session from now until it would have expired anyway. */
  async revokeSession(jti: string): Promise<void> {
    const nowMs = this.#o.now();
    const ttlSeconds = this.#o.lifetimeSeconds;
    const record = { data: Object.create(null) as Record<string, string>, createdAtMs: nowMs, expiresAtMs: nowMs + ttlSeconds * 1000 };
    await this.#call("create", (ctx) => this.#store.create(key("jti", jti), record, ctx));
  }

  /** Refuse every cookie of `userId` authenticated before now ("log out everywhere"). */
  async revokeUser(userId: string): Promise<void> {
    const nowMs = this.#o.now();
    const ttlSeconds = this.#o.lifetimeSeconds;
    const id = key("user", userId);
    const data = Object.assign(Object.create(null) as Record<string, string>, { revokedBeforeMs: String(nowMs) });
    const change = { set: data, delete: [], expiresAtMs: nowMs + ttlSeconds * 1000 };
    // Setting a time is idempotent, so create-then-apply races are harmless: the later time wins or both are equal.
    const created = await this.#call("create", (ctx) => this.#store.create(id, { data, createdAtMs: nowMs, expiresAtMs: change.expiresAtMs }, ctx));
    if (!created) await this.#call("apply", (ctx) => this.#store.apply(id, change, ctx));
  }
}
