/**
 * What every adapter shares: its options, how it decides that a request is
 * HTTPS, and the default answers to the two session errors a visitor can be
 * told about (a store that is down, a session ended by another request),
 * and what every `csrfProtection` does but read its framework's request:
 * working out this site's origin, running core's check, reading a Web form.
 * Framework-free, so each adapter stays a few dozen lines.
 */
import type { AppSessionData, SessionData, SessionDataShape } from "../core/app-data.js";
import { CsrfError, checkCsrf, isSafeMethod, requestOrigin, resolveCsrfOptions, type CsrfOptions, type ResolvedCsrfOptions } from "../core/csrf.js";
import { ConfigError, SessionInterruptedError, SessionkitError, StoreError } from "../core/errors.js";
import type { CommitContext, CommitResult, SessionManager } from "../core/manager.js";
import type { Session } from "../core/session.js";

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
 * The manager, or a function that makes it (once) when first called. A
 * function keeps `createSessions()` out of the build of frameworks that
 * import the app's server modules while building (`next build`, SvelteKit's
 * `vite build`), without the secrets the server has at run time.
 *
 * @example
 * let manager: SessionManager | undefined;
 * export const sessions: SessionSource = () => (manager ??= createSessions({ secret: process.env.SECRET_KEY! }));
 */
export type SessionSource<Data extends SessionDataShape = AppSessionData> = SessionManager<Data> | (() => SessionManager<Data>);

/**
 * The manager of a {@link SessionSource}.
 *
 * @example
 * const sessions = managerOf(source);
 */
export function managerOf<Data extends SessionDataShape>(source: SessionSource<Data>): SessionManager<Data> {
  return typeof source === "function" ? source() : source;
}

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
 * Put a commit's result on a Response. A Response with immutable headers
 * (`Response.redirect`, a `fetch` result) is copied first.
 *
 * @example
 * return withCommit(response, await sessions.commit(session, webCommitContext(response)));
 */
export function withCommit(response: Response, result: CommitResult): Response {
  try {
    applyCommitResult(response.headers, result);
    return response;
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
  const copy = new Response(response.body, { status: response.status, statusText: response.statusText, headers: new Headers(response.headers) });
  applyCommitResult(copy.headers, result);
  return copy;
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

/**
 * Options of every adapter's `csrfProtection`: the check's own (header and
 * field names, other allowed origins, `allowMissingOrigin`), and
 * `trustProxy`, which also lets `X-Forwarded-Host` name this site's host.
 *
 * @example
 * app.use(csrfProtection({ trustProxy: true, allowedOrigins: ["https://admin.example.com"] }));
 */
export interface CsrfProtectionOptions extends CsrfOptions {
  /** Believe `X-Forwarded-Proto` and `X-Forwarded-Host` when working out this site's origin (only behind a proxy you run). */
  trustProxy?: boolean;
}

/** {@link CsrfProtectionOptions}, checked and frozen once, when the protection is created. */
export interface ResolvedCsrfProtection extends ResolvedCsrfOptions {
  readonly trustProxy: boolean;
}

/**
 * Check the options of a `csrfProtection` (a ConfigError names the one at fault).
 *
 * @example
 * const resolved = resolveCsrfProtection({ trustProxy: true });
 */
export function resolveCsrfProtection(options: CsrfProtectionOptions = {}): ResolvedCsrfProtection {
  const trustProxy = options?.trustProxy ?? false;
  return Object.freeze({ ...resolveCsrfOptions(options), trustProxy: trustProxy === true });
}

/**
 * What an adapter reads off a request for the CSRF check.
 *
 * @example
 * const input: CsrfInput = { method: req.method, tls: false, host: req.headers.host, header: (n) => req.headers[n], formToken: req.body?.csrf_token };
 */
export interface CsrfInput {
  method: string;
  /** The request arrived over TLS (or its URL is `https:`). */
  tls: boolean;
  /** The Host header, or the host of the request's URL. */
  host: string | undefined;
  /** A request header by lower-case name. */
  header(name: string): string | readonly string[] | null | undefined;
  /** The form field's value, when the body was parsed. */
  formToken?: unknown;
}

function single(value: string | readonly string[] | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  return typeof value === "string" ? value : value.join(", ");
}

/**
 * The CSRF verdict on a request, as the error to raise: undefined when it may go on.
 *
 * @example
 * const refused = csrfRefusal(req.session, input, resolved); if (refused) throw refused;
 */
export function csrfRefusal(session: Session<any>, input: CsrfInput, options: ResolvedCsrfProtection): CsrfError | undefined {
  if (isSafeMethod(input.method)) return undefined;
  const secure = isSecureRequest({ tls: input.tls, forwardedProto: input.header("x-forwarded-proto") }, options);
  const forwardedHost = options.trustProxy ? single(input.header("x-forwarded-host"))?.split(",")[0]!.trim() : undefined;
  const reason = checkCsrf(
    session,
    {
      method: input.method,
      origin: single(input.header("origin")),
      secFetchSite: single(input.header("sec-fetch-site")),
      ownOrigin: requestOrigin(secure, forwardedHost || input.host),
      headerToken: single(input.header(options.headerKey)),
      formToken: input.formToken,
    },
    options,
  );
  return reason === undefined ? undefined : new CsrfError(reason, options);
}

/**
 * A field of a body a parser already made (`express.urlencoded`, a Koa or
 * Fastify form parser): undefined when there is no such body or field.
 *
 * @example
 * formField(req.body, "csrf_token");
 */
export function formField(body: unknown, name: string): unknown {
  if (typeof body !== "object" || body === null || !Object.hasOwn(body, name)) return undefined;
  return (body as Record<string, unknown>)[name];
}

/**
 * Whether a Web request's body is a form small enough to read for its
 * token: `application/x-www-form-urlencoded` or `multipart/form-data`, with
 * a `Content-Length` of at most `maxBytes` (a body of unknown length is not
 * buffered: send the token in the header instead).
 *
 * @example
 * if (readableForm(request.headers, 1_048_576)) form = await request.clone().formData();
 */
export function readableForm(headers: Headers, maxBytes: number): boolean {
  const type = headers.get("content-type")?.split(";")[0]!.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded" && type !== "multipart/form-data") return false;
  const length = headers.get("content-length");
  return length !== null && /^\d{1,15}$/.test(length) && Number(length) <= maxBytes;
}

/**
 * The default answer to a CSRF refusal where there is no framework error
 * path (sessionkit/node and sessionkit/web): a plain 403 with the reason.
 *
 * @example
 * sendAnswer(res, csrfAnswer(error));
 */
export function csrfAnswer(error: CsrfError): ErrorAnswer {
  return { status: 403, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" }, body: error.message };
}

/**
 * Options of the Hono and Web `csrfProtection`, which read a form body
 * themselves.
 *
 * @example
 * app.use(csrfProtection({ maxFormBytes: 65_536 }));
 */
export interface WebCsrfProtectionOptions extends CsrfProtectionOptions {
  /**
   * Largest form body (by `Content-Length`) read for its `csrf_token`
   * field; a larger one, or one of unknown length, must send the token in
   * the header. Default 1 MiB.
   */
  maxFormBytes?: number;
}

/**
 * The 1 MiB default of `maxFormBytes`, or the checked option.
 *
 * @example
 * resolveMaxFormBytes(undefined); // 1048576
 */
export function resolveMaxFormBytes(value: number | undefined): number {
  if (value === undefined) return 1_048_576;
  if (!Number.isInteger(value) || value < 0) throw new ConfigError("csrf.maxFormBytes", "use a whole number of bytes.");
  return value;
}

/**
 * One field of a form parsed by `parse`; a body that does not parse has none.
 *
 * @example
 * const token = await formValue(() => request.clone().formData().then(Object.fromEntries), "csrf_token");
 */
export async function formValue(parse: () => Promise<unknown>, name: string): Promise<unknown> {
  try {
    return formField(await parse(), name);
  } catch (error) {
    // A malformed or already-read body is a TypeError in every Web runtime: no token, so a 403, never a 500.
    if (error instanceof TypeError) return undefined;
    throw error;
  }
}

/**
 * {@link csrfAnswer} as a Web Response.
 *
 * @example
 * return csrfResponse(error);
 */
export function csrfResponse(error: CsrfError): Response {
  const answer = csrfAnswer(error);
  return new Response(answer.body, { status: answer.status, headers: answer.headers ?? {} });
}
