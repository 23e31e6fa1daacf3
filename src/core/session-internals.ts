/**
 * What the manager and the modes see inside a session, kept under a symbol
 * so that no data key and no app code can reach it by name. The Session
 * class (session-dict.ts, session.ts) holds it; sessionInternals() reads it.
 */
import type { SessionSchema } from "./schema.js";
import type { SessionData } from "./session-data.js";
import type { ModeState } from "./session-state.js";

/** What a loaded session asks of its manager: an explicit save, a reload (`S`: the Session class, session.ts). */
export interface SessionControlOf<S extends object> {
  save(session: S): Promise<void>;
  reload(session: S): Promise<void>;
}

/** What the manager and the modes see inside a session. */
export interface SessionInternals {
  /** The values; replaced as a whole by reload(). */
  data: SessionData;
  /** regenerate() or login() ran. */
  regenerate: { keepData: boolean } | undefined;
  /** destroy() ran (and no login() after it). */
  destroyed: boolean;
  /** setUser()/login(): a user id, null to remove it, undefined when unchanged. */
  userId: string | null | undefined;
  /** login() ran: a new authentication (new absolute-timeout origin, user stamped). */
  loggedIn: boolean;
  /** The session was spared by "log out everywhere" (`except`): its user's authentication time restarts now. */
  reauthenticated: boolean;
  /** Permanence when the data has no `_permanent` key (the `permanent` option). */
  defaultPermanent: boolean;
  /** The request was outside the cookie's Path: nothing is loaded and nothing is sent. */
  outOfScope: boolean;
  /** Set when the manager starts committing: from then on every mutating call throws HeadersSentError (R23). */
  committed: boolean;
  /** The mode's per-session state (undefined for a session built by hand, as in unit tests). */
  state: ModeState | undefined;
  /** The `schema` option: every change must leave data it accepts. */
  schema: SessionSchema | undefined;
  /** The manager that loaded the session (undefined for a session built by hand). */
  control: SessionControlOf<object> | undefined;
  /** The Set-Cookie values of an explicit save(), sent by the final commit unless it writes the cookie again. */
  pendingSetCookie: string[] | undefined;
  /** Why setExpiry() cannot be stored here (the flask cookie format, the flask-session store), or undefined. */
  expiryRefused: string | undefined;
}

/** The key of a session's internals: a symbol, so no data key or app code can reach it by name. */
export const INTERNALS: unique symbol = Symbol("sessionkit.internals");
