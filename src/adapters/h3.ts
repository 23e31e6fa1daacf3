/**
 * `sessionkit/h3`: sessions for h3 event handlers, h3 2 and h3 1 (the h3 of
 * Nuxt's server routes and Nitro).
 *
 * `withSession(sessions, handler)` wraps an event handler in h3's way of
 * composing (`defineEventHandler(withSession(…))`): the handler gets the
 * session beside the event. With h3 2 the session is committed once the
 * handler returns (or throws an HTTPError), onto what h3 is about to send:
 * `event.res` (its `errHeaders` for an error) or the Response returned.
 * With h3 1, which writes to the Node.js response itself (also from inside
 * a handler: `sendRedirect`), the response's head is held until the commit
 * is done, as sessionkit/express does.
 */
import type { ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import type { AppSessionData, SessionDataShape } from "../core/app-data.js";
import type { CommitResult, SessionManager } from "../core/manager.js";
import type { Session } from "../core/session.js";
import { INTERNAL_ERROR, sendAnswer } from "./hold-commit.js";
import { holdResponse } from "./hold-response.js";
import {
  csrfRefusal,
  errorAnswer,
  logAdapterError,
  formField,
  isSecureRequest,
  resolveCsrfProtection,
  webCommitContext,
  withCommit,
  type AdapterOptions,
  type CsrfProtectionOptions,
} from "./shared.js";

export type { AdapterOptions, AnsweredError, ErrorAnswer, CsrfProtectionOptions } from "./shared.js";

/**
 * What sessionkit reads of an h3 event, in h3 2 and h3 1 alike (h3's own
 * types are the app's: this is their common shape).
 */
export interface H3EventLike {
  readonly method: string;
  /** The path and query. */
  readonly path: string;
  /** The request headers. */
  readonly headers: Headers;
  /** h3 1's Node.js request and response (h3 2 on Node.js has them too; sessionkit uses its Web ones). */
  readonly node?: { readonly req: { readonly socket?: unknown }; readonly res?: unknown } | undefined;
}

/** h3 2's event: a Web Request, and the response it prepares. */
interface H3v2Event extends H3EventLike {
  readonly req: Request;
  readonly url: URL;
  readonly res: { status?: number; readonly headers: Headers; readonly errHeaders: Headers };
}

function isH3v2(event: H3EventLike): event is H3v2Event {
  return typeof (event as Partial<H3v2Event>).req?.headers?.get === "function";
}

/**
 * Wrap an h3 event handler so that it gets the request's session. Make every
 * change before the handler returns: the commit runs then. A store that is
 * down answers 503, a session ended by another request 409 (`onError` to
 * change them); a thrown error commits with its status (a 5xx saves only a
 * logout) and is rethrown to h3.
 *
 * @example
 * import { defineEventHandler } from "h3";
 * import { withSession } from "sessionkit/h3";
 * export default defineEventHandler(withSession(sessions, (event, session) => {
 *   session.set("visits", (session.get("visits") ?? 0) + 1);
 *   return { visits: session.get("visits") };
 * }));
 */
export function withSession<E extends H3EventLike, T, Data extends SessionDataShape = AppSessionData>(
  sessions: SessionManager<Data>,
  handler: (event: E, session: Session<Data>) => T | Promise<T>,
  options: AdapterOptions = {},
): (event: E) => Promise<T | Response> {
  return async function sessionkitHandler(event) {
    let session: Session<Data>;
    try {
      // With `devices`: the User-Agent only (h3's event carries no address every runtime agrees on).
      const device = sessions.options.devices ? { userAgent: event.headers.get("user-agent") ?? undefined } : {};
      session = await sessions.load(event.headers.get("cookie"), { secure: isSecure(event, options), path: event.path, ...device });
    } catch (error) {
      return answer(error, options);
    }
    if (isH3v2(event)) return runV2(sessions, session, event, () => handler(event, session), options);
    // h3 1 writes to the Node.js response itself, also from inside the handler (sendRedirect,
    // send): the head is held until the commit is done, as sessionkit/express does.
    const res = event.node?.res as ServerResponse | undefined;
    if (!res) throw new TypeError("sessionkit/h3: this h3 event has neither h3 2's Request nor a Node.js response.");
    holdResponse(res, sessions, session, {
      // h3 1 knows a handler has answered by the Node.js response having ended or sent its
      // head, which a held end() has not yet: `_handled` is its own flag for a response sent
      // outside it (its sendStream sets it), so h3 does not answer a second time.
      onHold: () => void ((event as { _handled?: boolean })._handled = true),
      onFailure: (error) => failHeld(res, error, options),
    });
    return handler(event, session);
  };
}

/** h3 2 sends what the handler returned once it returns: commit then, onto what h3 will send. */
async function runV2<Data extends SessionDataShape, T>(
  sessions: SessionManager<Data>,
  session: Session<Data>,
  event: H3v2Event,
  run: () => T | Promise<T>,
  options: AdapterOptions,
): Promise<T | Response> {
  let value: T;
  try {
    value = await run();
  } catch (error) {
    let result: CommitResult;
    try {
      result = await sessions.commit(session, { status: statusOf(error, 500) });
    } catch (commitError) {
      return answer(commitError, options);
    }
    // h3 answers a thrown error with a response of its own, carrying `errHeaders`.
    copyResult(event.res.errHeaders, result);
    throw error;
  }
  try {
    if (value instanceof Response) return withCommit(value, await sessions.commit(session, webCommitContext(value)));
    // A plain value, or h3's HTTPResponse (redirect(), html()): h3 merges `event.res.headers` into it.
    const headers = event.res.headers;
    const status = statusOf(value, event.res.status ?? 200);
    copyResult(headers, await sessions.commit(session, { status, vary: headers.get("vary"), cacheControl: headers.get("cache-control") }));
    return value;
  } catch (error) {
    return answer(error, options);
  }
}

function copyResult(headers: Headers, result: CommitResult): void {
  for (const value of result.setCookie) headers.append("Set-Cookie", value);
  for (const [name, value] of result.headers) headers.set(name, value);
}

function failHeld(res: ServerResponse, error: unknown, options: AdapterOptions): void {
  const a = errorAnswer(error, options);
  if (!a) logAdapterError("h3", error);
  sendAnswer(res, a ?? INTERNAL_ERROR);
}

function isSecure(event: H3EventLike, options: AdapterOptions): boolean {
  const tls = isH3v2(event) ? event.url.protocol === "https:" : Boolean((event.node?.req.socket as TLSSocket | undefined)?.encrypted);
  return isSecureRequest({ tls, forwardedProto: event.headers.get("x-forwarded-proto") }, options);
}

/** The status a thrown HTTPError or a returned HTTPResponse carries, else `fallback`. */
function statusOf(value: unknown, fallback: number): number {
  const { status, statusCode } = (typeof value === "object" && value !== null ? value : {}) as { status?: unknown; statusCode?: unknown };
  const code = typeof status === "number" ? status : statusCode;
  return typeof code === "number" && Number.isInteger(code) && code >= 100 && code <= 599 ? code : fallback;
}

function answer(error: unknown, options: AdapterOptions): Response {
  const a = errorAnswer(error, options);
  if (!a) throw error;
  return new Response(a.body, { status: a.status, headers: a.headers ?? {} });
}

/**
 * CSRF protection for h3: the function it returns throws a {@link CsrfError}
 * (status 403, which h3 answers) unless a POST, PUT, PATCH or DELETE proves
 * it comes from this site; safe methods pass. The token is read from the
 * `X-CSRF-Token` header, else from the form you parsed and pass
 * (`await readBody(event)`).
 *
 * @example
 * const csrf = csrfProtection();
 * export default defineEventHandler(withSession(sessions, async (event, session) => {
 *   csrf(event, session, await readBody(event));
 *   session.set("note", "saved");
 * }));
 */
export function csrfProtection(options: CsrfProtectionOptions = {}): (event: H3EventLike, session: Session<any>, body?: unknown) => void {
  const resolved = resolveCsrfProtection(options);
  return function sessionkitCsrf(event, session, body) {
    const tls = isH3v2(event) ? event.url.protocol === "https:" : Boolean((event.node?.req.socket as TLSSocket | undefined)?.encrypted);
    const refused = csrfRefusal(
      session,
      { method: event.method, tls, host: event.headers.get("host") ?? undefined, header: (name) => event.headers.get(name), formToken: formField(body, resolved.fieldName) },
      resolved,
    );
    if (refused) throw refused;
  };
}
