/**
 * An adapter written from ARCHITECTURE.md's "Adding an adapter" guide, for
 * the toy framework of toy-framework.ts: load when the request starts, commit
 * after `await next()` (the toy framework writes nothing before the chain
 * returns), copy the result. No header policy of its own.
 */
import type { SessionManager, Session } from "../../src/index.js";
import { applyCommitResult, errorAnswer, isSecureRequest, type AdapterOptions } from "../../src/adapters/shared.js";
import type { ToyContext, ToyMiddleware } from "./toy-framework.js";

/** The session of a request, typed by the app's data. */
export function sessionOf<Data extends Record<string, unknown>>(ctx: ToyContext): Session<Data> {
  return ctx.state.session as Session<Data>;
}

/** The middleware. */
export function toySessions<Data extends Record<string, unknown>>(sessions: SessionManager<Data>, options: AdapterOptions = {}): ToyMiddleware {
  return async function sessionkit(ctx, next) {
    // 1. Load when the request starts.
    let session: Session<Data>;
    try {
      const secure = isSecureRequest({ tls: ctx.url.protocol === "https:", forwardedProto: ctx.request.headers.get("x-forwarded-proto") }, options);
      // The User-Agent (and an address, where the framework has one) for `devices`.
      session = await sessions.load(ctx.request.headers.get("cookie"), { secure, path: ctx.url.pathname, userAgent: ctx.request.headers.get("user-agent") ?? undefined });
    } catch (error) {
      return answer(ctx, error, options);
    }
    ctx.state.session = session;
    // 2. Commit at the last moment before the head leaves: after the chain, with the status the framework will send.
    let failed: unknown;
    try {
      await next();
    } catch (error) {
      failed = error ?? new Error("thrown");
    }
    const status = failed === undefined ? ctx.status : 500;
    let result;
    try {
      result = await sessions.commit(session, { status, vary: ctx.headers.get("vary"), cacheControl: ctx.headers.get("cache-control") });
    } catch (error) {
      if (failed !== undefined) throw failed;
      return answer(ctx, error, options);
    }
    // 3. Copy the result (also when the handler threw: the framework's 500 keeps a logout's deletion cookie).
    applyCommitResult(ctx.headers, result);
    if (failed !== undefined) throw failed;
  };
}

function answer(ctx: ToyContext, error: unknown, options: AdapterOptions): void {
  const a = errorAnswer(error, options);
  if (!a) throw error;
  const names: string[] = [];
  ctx.headers.forEach((_value, name) => names.push(name));
  for (const name of names) ctx.headers.delete(name);
  ctx.status = a.status;
  for (const [name, value] of Object.entries(a.headers ?? {})) ctx.headers.set(name, value);
  ctx.body = a.body;
}
