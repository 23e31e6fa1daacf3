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
import type { AppSessionData } from "../core/app-data.js";
import type { CommitResult } from "../core/manager.js";
import type { Session } from "../core/session.js";
import {
  csrfRefusal,
  errorAnswer,
  formField,
  isSecureRequest,
  resolveCsrfProtection,
  type AdapterOptions,
  type AppSessionManager,
  type CsrfProtectionOptions,
} from "./shared.js";

export type { AdapterOptions, AnsweredError, AppSessionManager, ErrorAnswer, CsrfProtectionOptions } from "./shared.js";

declare module "koa" {
  interface DefaultContext {
    /**
     * The visitor's session (sessionkit), typed by the app's `SessionData`:
     * `declare module "sessionkit" { interface SessionData { username?: string } }`.
     */
    session: Session<AppSessionData>;
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
export function sessionMiddleware(sessions: AppSessionManager, options: AdapterOptions = {}): Middleware {
  return async function sessionkit(ctx: Context, next) {
    let session: Session<AppSessionData>;
    try {
      const tls = (ctx.req.socket as TLSSocket).encrypted === true;
      const forwardedProto = ctx.get("x-forwarded-proto") || undefined;
      // With `devices`: the address by the app's own `app.proxy` setting (ctx.ip).
      const device = sessions.options.devices ? { userAgent: ctx.get("user-agent") || undefined, clientAddress: ctx.ip } : {};
      session = await sessions.load(ctx.get("cookie") || undefined, { secure: isSecureRequest({ tls, forwardedProto }, options), path: ctx.url, ...device });
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
    // On a throw, Koa's ctx.onerror drops every header and sets the error's own `headers`: commit
    // against those, and put the result there so that a 4xx after a change keeps its cookie.
    const errorHeaders = failure ? headersOf(failure.error) : undefined;
    let result: CommitResult;
    try {
      result = await sessions.commit(
        session,
        failure
          ? { status: statusOf(failure.error), vary: errorHeaders?.Vary ?? errorHeaders?.vary, cacheControl: errorHeaders?.["Cache-Control"] ?? errorHeaders?.["cache-control"] }
          : { status: ctx.status, vary: ctx.response.get("Vary") || undefined, cacheControl: ctx.response.get("Cache-Control") || undefined },
      );
    } catch (error) {
      if (failure) throw failure.error;
      answerOrThrow(ctx, error, options);
      return;
    }
    if (failure) {
      if (errorHeaders) copyInto(errorHeaders, result);
      throw failure.error;
    }
    for (const value of result.setCookie) ctx.append("Set-Cookie", value);
    for (const [name, value] of result.headers) ctx.set(name, value);
  };
}

/** The status Koa's `ctx.onerror` will answer for an error. */
function statusOf(error: unknown): number {
  const e = error as { status?: unknown; statusCode?: unknown; code?: unknown } | null;
  if (e?.code === "ENOENT") return 404;
  const status = e?.status ?? e?.statusCode;
  return typeof status === "number" && status >= 400 && status <= 599 ? status : 500;
}

/** The `headers` object of a thrown error, created when absent (undefined when the error is not an object). */
function headersOf(error: unknown): Record<string, string | string[]> | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as { headers?: Record<string, string | string[]> };
  e.headers = { ...(e.headers ?? {}) };
  return e.headers;
}

/** Copy a commit's result into an error's `headers`, beside the error's own Set-Cookie values. */
function copyInto(headers: Record<string, string | string[]>, result: CommitResult): void {
  if (result.setCookie.length > 0) {
    const own = headers["Set-Cookie"] ?? headers["set-cookie"];
    delete headers["set-cookie"];
    headers["Set-Cookie"] = [...(own === undefined ? [] : Array.isArray(own) ? own : [own]), ...result.setCookie];
  }
  for (const [name, value] of result.headers) {
    delete headers[name.toLowerCase()];
    headers[name] = value;
  }
}

function answerOrThrow(ctx: Context, error: unknown, options: AdapterOptions): void {
  const answer = errorAnswer(error, options);
  if (!answer) throw error;
  for (const name of Object.keys(ctx.response.headers)) ctx.remove(name);
  ctx.status = answer.status;
  ctx.set(answer.headers ?? {});
  ctx.body = answer.body;
}

/**
 * CSRF protection for Koa: refuses a POST, PUT, PATCH or DELETE (any method
 * but GET, HEAD, OPTIONS and TRACE) that does not prove it comes from this
 * site by throwing a {@link CsrfError}, which Koa answers 403 with its
 * message (`status` and `expose` are set); catch it in an earlier middleware
 * to answer your own way. Use it after `sessionMiddleware`; the token is
 * read from the `X-CSRF-Token` header, or from the `csrf_token` field of
 * `ctx.request.body` when a body parser (@koa/bodyparser) ran before it.
 *
 * @example
 * import { csrfProtection, sessionMiddleware } from "sessionkit/koa";
 * app.use(sessionMiddleware(sessions));
 * app.use(bodyParser());
 * app.use(csrfProtection());
 */
export function csrfProtection(options: CsrfProtectionOptions = {}): Middleware {
  const resolved = resolveCsrfProtection(options);
  return async function sessionkitCsrf(ctx: Context, next) {
    const session = ctx.session as Session<any> | undefined;
    if (session === undefined) throw new TypeError("sessionkit: csrfProtection needs ctx.session: use sessionMiddleware(sessions) before it.");
    const refused = csrfRefusal(
      session,
      {
        method: ctx.method,
        tls: (ctx.req.socket as TLSSocket).encrypted === true,
        host: ctx.get("host") || ctx.get(":authority") || undefined,
        header: (name) => ctx.req.headers[name],
        formToken: formField((ctx.request as { body?: unknown }).body, resolved.fieldName),
      },
      resolved,
    );
    if (refused) throw refused;
    await next();
  };
}
