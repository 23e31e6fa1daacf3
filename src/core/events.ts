/**
 * Events sessionkit reports through the `onEvent` option: security-relevant
 * things that are not errors (a forged cookie is an attack to notice, not a
 * failure to raise). Fields are structured; none holds a cookie value, a
 * secret or a raw session id (only a short prefix of the id's hash).
 */
import type { StoreCause } from "./store-cause.js";

/** Why a cookie was not accepted (`invalid_data`: the data it carried, or its record held, fails the `schema`). */
export type RejectReason =
  | "bad_signature"
  | "expired"
  | "future"
  | "malformed"
  | "bad_payload"
  | "bad_id"
  | "unknown_id"
  | "idle_timeout"
  | "absolute_timeout"
  | "revoked"
  | "invalid_data";

/**
 * One event.
 *
 * @example
 * createSessions({ secret, onEvent: (e) => { if (e.type === "cookie_rejected") metrics.inc(e.reason) } });
 */
export type SessionEvent =
  | { type: "cookie_rejected"; reason: RejectReason; idHashPrefix?: string }
  | { type: "duplicate_cookie"; count: number }
  | { type: "resigned"; secretIndex: number }
  | { type: "regenerated"; idHashPrefix?: string }
  | { type: "destroyed"; idHashPrefix?: string }
  | { type: "interrupted"; reason: "destroyed" | "regenerated"; idHashPrefix?: string }
  | { type: "store_error"; store: string; operation: string; timedOut: boolean; /** Off the request path (a background prune), where no error reaches the app: what failed, in words. */ cause?: StoreCause }
  | { type: "pruned"; store: string; removed: number }
  | { type: "prune_skipped"; store: string }
  | { type: "not_saved"; reason: "server_error_status" };

/** The `onEvent` option's type. */
export type EventHandler = (event: SessionEvent) => void;
