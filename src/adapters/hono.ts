/**
 * `sessionkit/hono`: `c.get("session")` for Hono 4.
 *
 * The commit runs after `await next()`, when `c.res` is the final response
 * (Hono has already turned a thrown error into its 500), and before Hono
 * hands the response to the runtime.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppSessionData, SessionDataShape } from "../core/app-data.js";
import type { SessionManager } from "../core/manager.js";
import { isSafeMethod } from "../core/csrf.js";
import type { Session } from "../core/session.js";
import {
  applyCommitResult,
  csrfRefusal,
  csrfResponse,
  errorAnswer,
  formValue,
  isSecureRequest,
  readableForm,
  resolveCsrfProtection,
  resolveMaxFormBytes,
  webCommitContext,
  type AdapterOptions,
  type WebCsrfProtectionOptions,
} from "./shared.js";

export type { AdapterOptions, AnsweredError, ErrorAnswer, WebCsrfProtectionOptions } from "./shared.js";

/** An alias: inside `declare module "hono"` the name `Session` may be taken by another package's types. */
type SessionkitSession<Data extends SessionDataShape> = Session<Data>;

declare module "hono" {
  interface ContextVariableMap {
    /**
     * The visitor's session (sessionkit), typed by the app's `SessionData`:
     * `declare module "sessionkit" { interface SessionData { username?: string } }`.
     * An app's own `Variables` type (see {@link SessionVariables}) takes precedence.
     */
    session: SessionkitSession<AppSessionData>;
  }
}

/**
 * The context variables the middleware sets, for an app that types its
 * `Variables` itself: `new Hono<{ Variables: SessionVariables<Data> }>()`.
 * Without a type argument, the app's `SessionData`.
 *
 * @example
 * const app = new Hono<{ Variables: SessionVariables<{ username?: string }> }>();
 */
export type SessionVariables<Data extends SessionDataShape = AppSessionData> = {
  session: Session<Data>;
};

/**
 * The Hono middleware.
 *
 * @example
 * import { sessionMiddleware, type SessionVariables } from "sessionkit/hono";
 * const app = new Hono<{ Variables: SessionVariables<{ username?: string }> }>();
 * app.use(sessionMiddleware(sessions));
 * app.get("/", (c) => c.text(`hello ${c.get("session").get("username") ?? "stranger"}`));
 */
export function sessionMiddleware<Data extends SessionDataShape = AppSessionData>(
  sessions: SessionManager<Data>,
  options: AdapterOptions = {},
): MiddlewareHandler<{ Variables: SessionVariables<Data> }> {
  return async function sessionkit(c, next) {
    let session: Session<Data>;
    try {
      // Request URLs are absolute and normalized (lower-case scheme): no URL parse needed per request.
      const tls = c.req.url.startsWith("https:");
      // With `devices`: the User-Agent only (a Request carries no client address).
      const device = sessions.options.devices ? { userAgent: c.req.header("user-agent") } : {};
      session = await sessions.load(c.req.header("cookie"), { secure: isSecureRequest({ tls, forwardedProto: c.req.header("x-forwarded-proto") }, options), path: c.req.path, ...device });
    } catch (error) {
      return answer(c, error, options);
    }
    c.set("session", session);
    await next();
    let result;
    try {
      result = await sessions.commit(session, webCommitContext(c.res));
    } catch (error) {
      return answer(c, error, options);
    }
    try {
      applyCommitResult(c.res.headers, result);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      // Immutable headers (a fetched Response, Response.redirect()): copy the
      // response, unsetting it first so Hono does not merge the old headers in twice.
      const old = c.res;
      c.res = undefined;
      c.res = new Response(old.body, old);
      applyCommitResult(c.res.headers, result);
    }
    return undefined;
  };
}

function answer(c: Context, error: unknown, options: AdapterOptions): Response {
  const a = errorAnswer(error, options);
  if (!a) throw error;
  // Drop the app's response first, so Hono does not carry its headers (its cookies) into ours.
  c.res = undefined;
  c.res = new Response(a.body, { status: a.status, headers: a.headers ?? {} });
  return c.res;
}

/**
 * CSRF protection for Hono: refuses a POST, PUT, PATCH or DELETE (any
 * method but GET, HEAD, OPTIONS and TRACE) that does not prove it comes
 * from this site by throwing a {@link CsrfError} that Hono's default error
 * handler answers 403 (it has `getResponse`, as HTTPException); in
 * `app.onError`, test `error instanceof CsrfError` to answer your own way.
 * The token is read from the `X-CSRF-Token` header, else from the
 * `csrf_token` field of a form body, parsed with `c.req.parseBody()` (so
 * the route's own `parseBody()` reuses it).
 *
 * @example
 * import { csrfProtection, sessionMiddleware } from "sessionkit/hono";
 * app.use(sessionMiddleware(sessions));
 * app.use(csrfProtection());
 */
export function csrfProtection(options: WebCsrfProtectionOptions = {}): MiddlewareHandler<{ Variables: SessionVariables<any> }> {
  const resolved = resolveCsrfProtection(options);
  const maxFormBytes = resolveMaxFormBytes(options.maxFormBytes);
  return async function sessionkitCsrf(c, next) {
    const session = c.get("session") as Session<any> | undefined;
    if (session === undefined) throw new TypeError("sessionkit: csrfProtection needs the session: use sessionMiddleware(sessions) before it.");
    const raw = c.req.raw;
    const header = (name: string): string | null => raw.headers.get(name);
    let formToken: unknown;
    if (!isSafeMethod(raw.method) && !header(resolved.headerKey) && readableForm(raw.headers, maxFormBytes)) {
      formToken = await formValue(() => c.req.parseBody({ all: true }), resolved.fieldName);
    }
    const url = new URL(raw.url);
    const refused = csrfRefusal(session, { method: raw.method, tls: url.protocol === "https:", host: url.host, header, formToken }, resolved);
    if (refused) throw Object.assign(refused, { getResponse: () => csrfResponse(refused) });
    await next();
  };
}
