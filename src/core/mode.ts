/**
 * Where sessions live: the contract between the manager and the two modes.
 * Cookie mode (cookie-mode.ts) keeps the data in the cookie; store mode
 * (store-mode.ts) keeps it in a Store with an id in the cookie; revocable
 * cookie mode (revocable-mode.ts) wraps cookie mode with a denylist.
 *
 * The manager owns everything the modes share: the clock, the cookie's
 * Path scope, the 5xx rule, the response headers and marking the session
 * committed. A mode loads and saves, nothing else.
 */
import type { CarriedCookies } from "./cookie-chunks.js";
import type { Session } from "./session.js";
import type { UserSession } from "./device.js";

/**
 * What else a mode may need of the request, read by the manager.
 *
 * @example
 * const facts: RequestFacts = { carried: { plain: true, chunks: 0 } };
 */
export interface RequestFacts {
  /** The session cookies the request carried (plain and chunks), so a save deletes those it no longer writes. */
  readonly carried?: CarriedCookies | undefined;
  /** The request's User-Agent and client address, as the adapter knows them (for `devices`). */
  readonly userAgent?: string | undefined;
  readonly clientAddress?: string | undefined;
}

/**
 * One way of keeping sessions.
 *
 * @example
 * const mode: Mode = new CookieMode(options, emit);
 */
export interface Mode {
  /** Whether load and save never wait (cookie mode without revocation): the manager may commit in the same tick. */
  readonly sync: boolean;
  /** The session carried by a cookie value (`undefined`: none came). Bad input gives a fresh session, never an error. */
  load<Data extends Record<string, unknown>>(value: string | undefined, secure: boolean, nowMs: number, facts?: RequestFacts): Session<Data> | Promise<Session<Data>>;
  /** Save what the request changed; the Set-Cookie values to send. Called only when saving is allowed (the 5xx rule passed). */
  save(session: Session<any>, nowMs: number): string[] | Promise<string[]>;
  /** After an explicit `session.save()`: make the session what was just saved (a new record, a new id), with nothing pending. */
  settle(session: Session<any>, nowMs: number): void | Promise<void>;
  /** `session.reload()`: read the session again, discarding unsaved changes. */
  reload(session: Session<any>, nowMs: number): void | Promise<void>;
  /** The sessions indexed under a user; `current` flags the one that session lives under now. */
  listForUser(userId: string, nowMs: number, current?: Session<any>): Promise<UserSession[]>;
  /** End the one session stored under `idHash` (only if it belongs to `userId`, when given); whether one ended. */
  destroySession(idHash: string, userId: string | undefined, nowMs: number): Promise<boolean>;
  /** "Log out everywhere": end every session of `userId` except `except`; how many ended (0 when the mode cannot count). */
  destroyAllForUser(userId: string, except: Session<any> | undefined, nowMs: number): Promise<number>;
}
