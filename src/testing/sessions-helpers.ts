/**
 * Helpers of the sessions suite, for store authors' own tests too: a test
 * secret, the cookie and id a commit produced, an id the server never
 * issued, and the key a store holds a session under.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createSessions, hashSessionId, type SessionOptions } from "../index.js";
import type { Store } from "../core/store.js";

/**
 * A strong throwaway secret per manager.
 *
 * @example
 * createSessions({ secret: testSecret(), store });
 */
export const testSecret = (): string => randomBytes(32).toString("base64url");

/**
 * The `name=value` pair a browser would send back for the first Set-Cookie.
 *
 * @example
 * const cookie = cookieFrom((await sessions.commit(session)).setCookie); // "session=abc…"
 */
export function cookieFrom(setCookie: string[]): string {
  const first = setCookie[0];
  assert.ok(first, "expected a Set-Cookie header");
  return first.split(";")[0]!;
}

/**
 * The raw id inside a `session=<id>` pair.
 *
 * @example
 * idFrom("session=abc"); // "abc"
 */
export function idFrom(cookie: string): string {
  return cookie.slice(cookie.indexOf("=") + 1);
}

/**
 * A well-formed id the server never issued.
 *
 * @example
 * await sessions.load(`session=${foreignId()}`); // a fresh session
 */
export const foreignId = (): string => randomBytes(32).toString("base64url");

/**
 * The key a store holds a session under: the id's SHA-256, or the raw id for a store with `rawIds` (Flask-Session).
 *
 * @example
 * await store.load(storeKey(store, idFrom(cookie)), ctx());
 */
export function storeKey(store: Store, id: string): string {
  return store.rawIds === true ? id : hashSessionId(id);
}

/**
 * createSessions on `store` with test defaults (a random strong secret).
 *
 * @example
 * const sessions = sessionsOn(store, { storeTimeoutMs: 100 });
 */
export function sessionsOn(store: Store, options: Partial<SessionOptions> = {}) {
  return createSessions<Record<string, unknown>>({ secret: testSecret(), store, ...options } as SessionOptions);
}
