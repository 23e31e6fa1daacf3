export { createSessions, SessionManager, type RequestContext, type CommitContext, type CommitResult } from "./core/manager.js";
export { Session, RESERVED_KEYS, type ConsumeFlashesOptions, type LoginOptions } from "./core/session.js";
export type { SessionData, AppSessionData, SessionDataShape } from "./core/app-data.js";
export type { SessionOptions, CookieOptions, ResolvedOptions, ResolvedCookieOptions, RevocationOptions } from "./core/options.js";
export type { Duration } from "./core/duration.js";
export type { StandardSchemaV1 } from "./core/standard-schema.js";
export { parseUserAgent, networkPrefix, type DeviceInfo, type UserSession } from "./core/device.js";
export type { AutoPruneOptions } from "./core/auto-prune.js";
export type { SessionEvent, RejectReason, EventHandler } from "./core/events.js";
export {
  applyChangeSet,
  storeContext,
  ttlSecondsUntil,
  linkKeptUntilMs,
  type Store,
  type StoreContext,
  type StoreRecord,
  type ChangeSet,
  type ApplyResult,
  type StoredSessionInfo,
} from "./core/store.js";
export {
  SessionkitError,
  ConfigError,
  SecretError,
  CookieTooLargeError,
  StoreError,
  SessionInterruptedError,
  HeadersSentError,
  ReadOnlySessionError,
  SessionDataError,
  FormatUnsupportedError,
  type SessionDataIssue,
  type SessionkitErrorCode,
} from "./core/errors.js";
export { describeStoreCause, errorClassName, type StoreCause } from "./core/store-cause.js";
export { PayloadTooLargeError, UnserializableValueError, type PayloadLimit } from "./codec/index.js";
export {
  checkCsrf,
  resolveCsrfOptions,
  requestOrigin,
  isSafeMethod,
  CsrfError,
  type CsrfOptions,
  type ResolvedCsrfOptions,
  type CsrfRequest,
  type CsrfRefusal,
} from "./core/csrf.js";
export { mergeVary, cacheControlFor, type HeaderValue, type SessionHeader } from "./core/headers.js";
export { findCookie } from "./core/cookie-header.js";
export { cookieSalt } from "./core/cookie-mode.js";
export { pathMatches } from "./core/manager.js";
export { hashSessionId, isSessionIdSyntax } from "./core/ids.js";
