/**
 * `sessionkit/web`: sessions for Request → Response handlers (Bun, Deno,
 * Next.js route handlers, Cloudflare Workers, @hono/node-server).
 *
 * A Response is complete when the handler returns it, so the commit runs
 * then, before the runtime sends anything: the status and headers never
 * leave ahead of the store write.
 */
import type { SessionManager } from "../core/manager.js";
import type { Session } from "../core/session.js";
import { applySessionHeaders, errorAnswer, isSecureRequest, markCommitted, type AdapterOptions, type ErrorAnswer } from "./shared.js";

export type { AdapterOptions, AnsweredError, ErrorAnswer } from "./shared.js";

/**
 * A Web handler that receives the session beside the request.
 *
 * @example
 * const handler: WebSessionHandler<{ n?: number }> = (_request, session) => new Response(String(session.get("n") ?? 0));
 */
export type WebSessionHandler<Data extends Record<string, unknown>> = (request: Request, session: Session<Data>) => Response | Promise<Response>;

/**
 * Wrap a Web handler so that it gets the request's session.
 *
 * @example
 * import { withSessions } from "sessionkit/web";
 * export default { fetch: withSessions(sessions, (request, session) => {
 *   session.set("seen", true);
 *   return new Response("hello");
 * }) };
 */
export function withSessions<Data extends Record<string, unknown>>(
  sessions: SessionManager<Data>,
  handler: WebSessionHandler<Data>,
  options: AdapterOptions = {},
): (request: Request) => Promise<Response> {
  return async function sessionFetch(request) {
    let session: Session<Data>;
    try {
      // Request URLs are absolute and normalized (lower-case scheme); the path is parsed only
      // when the cookie has a Path to check it against.
      const tls = request.url.startsWith("https:");
      const path = sessions.options.cookie.path === "/" ? undefined : new URL(request.url).pathname;
      const secure = isSecureRequest({ tls, forwardedProto: request.headers.get("x-forwarded-proto") }, options);
      session = await sessions.load(request.headers.get("cookie"), { secure, path });
    } catch (error) {
      return answerOrThrow(error, options);
    }
    let response: Response;
    try {
      response = await handler(request, session);
    } catch (error) {
      // The runtime turns the throw into a 500; commit as for one, which saves no change.
      await sessions.commit(session, { status: 500 }).catch((commitError: unknown) => {
        if (errorAnswer(commitError, options) === undefined) throw commitError;
      });
      throw error;
    }
    let setCookie: string[];
    try {
      setCookie = await sessions.commit(session, { status: response.status });
    } catch (error) {
      return answerOrThrow(error, options);
    }
    markCommitted(session);
    return withSessionHeaders(response, session, setCookie);
  };
}

/**
 * Put the session's headers on a Response (see applySessionHeaders). A
 * Response with immutable headers (`Response.redirect`, a `fetch` result) is
 * copied first.
 *
 * @example
 * return withSessionHeaders(response, session, await sessions.commit(session, { status: response.status }));
 */
export function withSessionHeaders(response: Response, session: Session<any>, setCookie: readonly string[]): Response {
  try {
    applySessionHeaders(response.headers, session, setCookie);
    return response;
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
  const copy = new Response(response.body, { status: response.status, statusText: response.statusText, headers: new Headers(response.headers) });
  applySessionHeaders(copy.headers, session, setCookie);
  return copy;
}

function answerOrThrow(error: unknown, options: AdapterOptions): Response {
  const answer: ErrorAnswer | undefined = errorAnswer(error, options);
  if (!answer) throw error;
  return new Response(answer.body, { status: answer.status, headers: answer.headers ?? {} });
}
