/**
 * What every adapter shares: its options, how it decides that a request is
 * HTTPS, and the default answers to the two session errors a visitor can be
 * told about (a store that is down, a session ended by another request).
 * Framework-free, so each adapter stays a few dozen lines.
 */
import type { AppSessionData, SessionData } from "../core/app-data.js";
import { SessionInterruptedError, SessionkitError, StoreError } from "../core/errors.js";
import type { CommitContext, CommitResult, SessionManager } from "../core/manager.js";

/**
 * The answer an adapter sends instead of the app's response when a session error happens.
 *
 * @example
 * const answer: ErrorAnswer = { status: 503, headers: { "Retry-After": "5" }, body: "try again soon" };
 */
export interface ErrorAnswer {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

/**
 * The errors an adapter answers itself; every other error goes to the framework's error path.
 *
 * @example
 * const onError = (error: AnsweredError) => (error instanceof StoreError ? { status: 503, body: "later" } : undefined);
 */
export type AnsweredError = StoreError | SessionInterruptedError;

/**
 * The manager an adapter that types the session globally (Express, Fastify,
 * Koa) accepts. Once the app declares `SessionData`, only a manager of that
 * data: `req.session` is typed by it and would lie about any other. Before,
 * any manager, whose session values then read as `unknown`.
 *
 * @example
 * export function sessionMiddleware(sessions: AppSessionManager, options: AdapterOptions = {}): RequestHandler;
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any data until the app names its own
export type AppSessionManager = keyof SessionData extends never ? SessionManager<any> : SessionManager<AppSessionData>;

/**
 * Options common to every adapter.
 *
 * @example
 * app.use(sessionMiddleware(sessions, { trustProxy: true, onError: () => ({ status: 503, body: "later" }) }));
 */
export interface AdapterOptions {
  /**
   * Believe `X-Forwarded-Proto: https` (set it only behind a proxy you run,
   * which overwrites the header). Without it only a TLS socket or an
   * `https:` URL makes the request secure: any client can send the header.
   */
  trustProxy?: boolean;
  /**
   * The answer to a StoreError (default 503 with `Retry-After: 1`) or a
   * SessionInterruptedError (default 409). Return undefined to keep the default.
   */
  onError?: (error: AnsweredError) => ErrorAnswer | undefined;
}

/**
 * Whether a request is HTTPS: a TLS socket or an `https:` URL, or, only with
 * `trustProxy`, a first `X-Forwarded-Proto` value of `https`.
 *
 * @example
 * isSecureRequest({ tls: Boolean((req.socket as TLSSocket).encrypted), forwardedProto: req.headers["x-forwarded-proto"] }, options);
 */
export function isSecureRequest(
  request: { tls: boolean; forwardedProto?: string | readonly string[] | null | undefined },
  options: AdapterOptions,
): boolean {
  if (request.tls) return true;
  if (options.trustProxy !== true || request.forwardedProto == null) return false;
  const raw = Array.isArray(request.forwardedProto) ? request.forwardedProto[0] : request.forwardedProto;
  // A chain of proxies appends: "https, http". The first hop is the client's.
  const first = String(raw ?? "").split(",")[0]!.trim().toLowerCase();
  return first === "https";
}

/**
 * The answer to a session error, or undefined when the error is not one the
 * adapter answers (CookieTooLargeError, HeadersSentError, app errors: those
 * go to the framework's error path, as a 500 with a log line).
 *
 * @example
 * const answer = errorAnswer(error, options); if (!answer) throw error;
 */
export function errorAnswer(error: unknown, options: AdapterOptions): ErrorAnswer | undefined {
  if (!(error instanceof StoreError) && !(error instanceof SessionInterruptedError)) return undefined;
  const custom = options.onError?.(error);
  if (custom) return custom;
  if (error instanceof StoreError) {
    // Plain text, no stack, nothing from the request: the visitor only needs to retry.
    return {
      status: 503,
      headers: { "Retry-After": "1", "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" },
      body: "Service Unavailable: sessions are temporarily unavailable, please retry.",
    };
  }
  return {
    status: 409,
    headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" },
    body: "Conflict: this session ended while the request ran; its changes were not saved.",
  };
}

/**
 * Log an error the adapter has no framework to hand to (node:http, Web).
 * sessionkit's own errors have safe messages (no secret, cookie or id);
 * an app's own error is logged whole, as Node logs an uncaught one.
 *
 * @example
 * logAdapterError("node", error);
 */
export function logAdapterError(adapter: string, error: unknown): void {
  if (error instanceof SessionkitError) console.error(`sessionkit/${adapter}: ${error.name} (${error.code}): ${error.message}`);
  else console.error(`sessionkit/${adapter}: the handler failed:`, error);
}

/**
 * Copy a commit's result onto Web `Headers`: each Set-Cookie appended beside
 * the app's own, every other header set as core gives it. Immutable headers
 * (`Response.redirect`, a `fetch` result) throw a TypeError on the first
 * change, before anything is applied.
 *
 * @example
 * applyCommitResult(response.headers, await sessions.commit(session, webCommitContext(response)));
 */
export function applyCommitResult(headers: Headers, result: CommitResult): void {
  if (result.setCookie.length === 0 && result.headers.length === 0) return;
  const first = result.headers[0];
  // Probe mutability with a no-op-safe first change so nothing is half-applied.
  if (first !== undefined) headers.set(first[0], first[1]);
  else headers.append("Set-Cookie", result.setCookie[0]!);
  for (let i = first !== undefined ? 0 : 1; i < result.setCookie.length; i++) headers.append("Set-Cookie", result.setCookie[i]!);
  for (let i = 1; i < result.headers.length; i++) headers.set(result.headers[i]![0], result.headers[i]![1]);
}

/**
 * What core needs to know about a Web response to commit its session.
 *
 * @example
 * await sessions.commit(session, webCommitContext(response));
 */
export function webCommitContext(response: Response): CommitContext {
  return { status: response.status, vary: response.headers.get("Vary"), cacheControl: response.headers.get("Cache-Control") };
}
