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
import type { Session } from "../core/session.js";
import { applyCommitResult, errorAnswer, isSecureRequest, webCommitContext, type AdapterOptions } from "./shared.js";

export type { AdapterOptions, AnsweredError, ErrorAnswer } from "./shared.js";

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
      session = await sessions.load(c.req.header("cookie"), { secure: isSecureRequest({ tls, forwardedProto: c.req.header("x-forwarded-proto") }, options), path: c.req.path });
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
