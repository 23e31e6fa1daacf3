/**
 * `sessionkit/koa`: `ctx.session` for Koa 3 (and 2).
 *
 * The commit runs after `await next()`, before Koa writes the response. When
 * the downstream throws, the commit still runs with the status Koa will
 * answer (a 5xx saves nothing, core's rule), the session headers ride on the
 * error's `headers` (Koa's `ctx.onerror` clears every other header), and the
 * error is rethrown to Koa.
 */
import type { Context, Middleware } from "koa";
import type { TLSSocket } from "node:tls";
import { cacheControlFor, clearSiteDataFor, mergeVary, shouldVary } from "../core/headers.js";
import type { SessionManager } from "../core/manager.js";
import type { Session } from "../core/session.js";
import { errorAnswer, isSecureRequest, markCommitted, type AdapterOptions } from "./shared.js";

export type { AdapterOptions, AnsweredError, ErrorAnswer } from "./shared.js";

declare module "koa" {
  interface DefaultContext {
    /** The visitor's session (sessionkit). */
    session: Session<any>;
  }
}

/**
 * The Koa middleware. Use it before the routes that use `ctx.session`.
 *
 * @example
 * import { sessionMiddleware } from "sessionkit/koa";
 * app.use(sessionMiddleware(sessions));
 * app.use((ctx) => { ctx.body = `hello ${ctx.session.get("username") ?? "stranger"}`; });
 */
export function sessionMiddleware<Data extends Record<string, unknown>>(sessions: SessionManager<Data>, options: AdapterOptions = {}): Middleware {
  return async function sessionkit(ctx: Context, next) {
    let session: Session<Data>;
    try {
      const tls = (ctx.req.socket as TLSSocket).encrypted === true;
      const forwardedProto = ctx.get("x-forwarded-proto") || undefined;
      session = await sessions.load(ctx.get("cookie") || undefined, { secure: isSecureRequest({ tls, forwardedProto }, options), path: ctx.url });
    } catch (error) {
      answerOrThrow(ctx, error, options);
      return;
    }
    ctx.session = session;
    let failure: { error: unknown } | undefined;
    try {
      await next();
    } catch (error) {
      failure = { error };
    }
    let setCookie: string[];
    try {
      setCookie = await sessions.commit(session, { status: failure ? statusOf(failure.error) : ctx.status });
    } catch (error) {
      if (failure) throw failure.error;
      answerOrThrow(ctx, error, options);
      return;
    }
    markCommitted(session);
    if (failure) {
      carryHeaders(failure.error, session, setCookie);
      throw failure.error;
    }
    for (const value of setCookie) ctx.append("Set-Cookie", value);
    if (shouldVary(session, setCookie)) ctx.set("Vary", mergeVary(ctx.response.get("Vary") || undefined));
    const cacheControl = cacheControlFor(ctx.response.get("Cache-Control") || undefined, setCookie);
    if (cacheControl) ctx.set("Cache-Control", cacheControl);
    const clearSiteData = clearSiteDataFor(session);
    if (clearSiteData) ctx.set("Clear-Site-Data", clearSiteData);
  };
}

/** The status Koa's `ctx.onerror` will answer for an error. */
function statusOf(error: unknown): number {
  const e = error as { status?: unknown; statusCode?: unknown; code?: unknown } | null;
  if (e?.code === "ENOENT") return 404;
  const status = e?.status ?? e?.statusCode;
  return typeof status === "number" && status >= 400 && status <= 599 ? status : 500;
}

/**
 * Koa's `ctx.onerror` removes every header, then sets `error.headers`: put
 * the session's headers there, so that a 4xx after a change keeps its cookie.
 */
function carryHeaders(error: unknown, session: Session<any>, setCookie: string[]): void {
  if (typeof error !== "object" || error === null) return;
  const e = error as { headers?: Record<string, string | string[]> };
  const headers: Record<string, string | string[]> = { ...(e.headers ?? {}) };
  if (setCookie.length > 0) {
    const own = headers["Set-Cookie"] ?? headers["set-cookie"];
    delete headers["set-cookie"];
    headers["Set-Cookie"] = [...(own === undefined ? [] : Array.isArray(own) ? own : [own]), ...setCookie];
  }
  if (shouldVary(session, setCookie)) headers.Vary = mergeVary(headers.Vary ?? headers.vary);
  const cacheControl = cacheControlFor(headers["Cache-Control"] ?? headers["cache-control"], setCookie);
  if (cacheControl) headers["Cache-Control"] = cacheControl;
  const clearSiteData = clearSiteDataFor(session);
  if (clearSiteData) headers["Clear-Site-Data"] = clearSiteData;
  e.headers = headers;
}

function answerOrThrow(ctx: Context, error: unknown, options: AdapterOptions): void {
  const answer = errorAnswer(error, options);
  if (!answer) throw error;
  for (const name of Object.keys(ctx.response.headers)) ctx.remove(name);
  ctx.status = answer.status;
  ctx.set(answer.headers ?? {});
  ctx.body = answer.body;
}
