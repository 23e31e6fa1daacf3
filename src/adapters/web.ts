/**
 * `sessionkit/web`: sessions for Request → Response handlers (Bun, Deno,
 * Next.js route handlers, Cloudflare Workers, @hono/node-server).
 *
 * A Response is complete when the handler returns it, so the commit runs
 * then, before the runtime sends anything: the status and headers never
 * leave ahead of the store write.
 */
import type { AppSessionData, SessionDataShape } from "../core/app-data.js";
import type { SessionManager } from "../core/manager.js";
import type { Session } from "../core/session.js";
import { isSafeMethod, type CsrfError } from "../core/csrf.js";
import {
  csrfRefusal,
  csrfResponse,
  errorAnswer,
  formValue,
  isSecureRequest,
  logAdapterError,
  readableForm,
  resolveCsrfProtection,
  resolveMaxFormBytes,
  webCommitContext,
  withCommit,
  type AdapterOptions,
  type WebCsrfProtectionOptions,
} from "./shared.js";

export { withCommit } from "./shared.js";
export type { AdapterOptions, AnsweredError, ErrorAnswer, WebCsrfProtectionOptions } from "./shared.js";

/**
 * A Web handler that receives the session beside the request, and whatever
 * else the runtime passes (Workers' `env` and `ctx`, a framework's route
 * context).
 *
 * @example
 * const handler: WebSessionHandler<{ n?: number }> = (_request, session) => new Response(String(session.get("n") ?? 0));
 */
export type WebSessionHandler<Data extends SessionDataShape = AppSessionData, Rest extends unknown[] = []> = (
  request: Request,
  session: Session<Data>,
  ...rest: Rest
) => Response | Promise<Response>;

/**
 * Wrap a Web handler so that it gets the request's session. Every argument
 * after the request is passed through, typed as the handler declares it
 * (Workers' `env` and `ctx`, a framework's route params); the wrapped
 * function also takes, and passes on, any the handler leaves undeclared, so
 * a handler that needs none can still be called as `fetch(request, env, ctx)`.
 *
 * @example
 * import { withSessions } from "sessionkit/web";
 * export default { fetch: withSessions(sessions, (request, session, env: Env) => {
 *   session.set("seen", true);
 *   return new Response("hello");
 * }) };
 */
export function withSessions<Data extends SessionDataShape, Rest extends unknown[] = []>(
  sessions: SessionManager<Data>,
  handler: WebSessionHandler<Data, Rest>,
  options: AdapterOptions = {},
): (request: Request, ...rest: [...Rest, ...unknown[]]) => Promise<Response> {
  return async function sessionFetch(request, ...rest) {
    let session: Session<Data>;
    try {
      // Request URLs are absolute and normalized (lower-case scheme); the path is parsed only
      // when the cookie has a Path to check it against.
      const tls = request.url.startsWith("https:");
      const path = sessions.options.cookie.path === "/" ? undefined : new URL(request.url).pathname;
      const secure = isSecureRequest({ tls, forwardedProto: request.headers.get("x-forwarded-proto") }, options);
      // With `devices`: the User-Agent only (a Request carries no client address).
      const device = sessions.options.devices ? { userAgent: request.headers.get("user-agent") ?? undefined } : {};
      session = await sessions.load(request.headers.get("cookie"), { secure, path, ...device });
    } catch (error) {
      return answerOrThrow(error, options);
    }
    let response: Response;
    try {
      // The handler declared the first of these (Rest); the ones after, it ignores.
      response = await handler(request, session, ...(rest as unknown[] as Rest));
    } catch (error) {
      // No framework here to turn the throw into a 500: answer it ourselves, with the commit
      // (which saves no change on a 5xx, but still sends a logout's deletion cookie).
      logAdapterError("web", error);
      response = new Response("Internal Server Error", { status: 500, headers: { "Content-Type": "text/plain; charset=utf-8" } });
    }
    try {
      return withCommit(response, await sessions.commit(session, webCommitContext(response)));
    } catch (error) {
      return answerOrThrow(error, options);
    }
  };
}

function answerOrThrow(error: unknown, options: AdapterOptions): Response {
  const answer = errorAnswer(error, options);
  if (!answer) throw error;
  return new Response(answer.body, { status: answer.status, headers: answer.headers ?? {} });
}

/**
 * A CSRF check for Web handlers: `csrfProtection(options)` gives a function
 * that resolves undefined when the request may go on, or the Response to
 * send instead (a plain 403 by default, or `onRefused`'s). Safe methods
 * (GET, HEAD, OPTIONS, TRACE) always go on. The token is read from the
 * `X-CSRF-Token` header, else from the `csrf_token` field of a form body
 * (urlencoded or multipart, up to `maxFormBytes`), read from a clone of
 * the request so the handler can still read it.
 *
 * @example
 * import { csrfProtection, withSessions } from "sessionkit/web";
 * const csrf = csrfProtection();
 * export default { fetch: withSessions(sessions, async (request, session) => {
 *   const refused = await csrf(request, session);
 *   if (refused) return refused;
 *   // … change state
 * }) };
 */
export function csrfProtection(
  options: WebCsrfProtectionOptions & { onRefused?: (error: CsrfError, request: Request) => Response } = {},
): (request: Request, session: Session<any>) => Promise<Response | undefined> {
  const resolved = resolveCsrfProtection(options);
  const maxFormBytes = resolveMaxFormBytes(options.maxFormBytes);
  const onRefused = options.onRefused ?? csrfResponse;
  return async function sessionkitCsrf(request, session) {
    if (isSafeMethod(request.method)) return undefined;
    const header = (name: string): string | null => request.headers.get(name);
    let formToken: unknown;
    if (!header(resolved.headerKey) && readableForm(request.headers, maxFormBytes)) {
      formToken = await formValue(async () => formObject(await request.clone().formData()), resolved.fieldName);
    }
    const url = new URL(request.url);
    const refused = csrfRefusal(session, { method: request.method, tls: url.protocol === "https:", host: url.host, header, formToken }, resolved);
    return refused ? onRefused(refused, request) : undefined;
  };
}

/** FormData as a null-prototype object; a field sent twice becomes an array (and is refused as a token). */
function formObject(form: FormData): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  form.forEach((value, key) => {
    const before = out[key];
    out[key] = before === undefined ? value : [before, value].flat();
  });
  return out;
}
