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
import type { Session } from "./session.js";
import type { StoredSessionInfo } from "./store.js";

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
  load<Data extends Record<string, unknown>>(value: string | undefined, secure: boolean, nowMs: number): Session<Data> | Promise<Session<Data>>;
  /** Save what the request changed; the Set-Cookie values to send. Called only when saving is allowed (the 5xx rule passed). */
  save(session: Session<any>, nowMs: number): string[] | Promise<string[]>;
  /** After an explicit `session.save()`: make the session what was just saved (a new record, a new id), with nothing pending. */
  settle(session: Session<any>, nowMs: number): void | Promise<void>;
  /** `session.reload()`: read the session again, discarding unsaved changes. */
  reload(session: Session<any>, nowMs: number): void | Promise<void>;
  /** The sessions indexed under a user. */
  listForUser(userId: string, nowMs: number): Promise<StoredSessionInfo[]>;
  /** "Log out everywhere": end every session of `userId` except `except`; how many ended (0 when the mode cannot count). */
  destroyAllForUser(userId: string, except: Session<any> | undefined, nowMs: number): Promise<number>;
}
