/**
 * `sessionkit/next`: sessions in the Next.js App Router (Next.js 15 and 16:
 * the Node.js runtime, and Middleware on the Edge runtime, read-only).
 *
 * Next.js hands no request object to app code: its `cookies()` and
 * `headers()` find the current request themselves. So do these functions,
 * which load `next/headers` when first called (the app's own Next.js).
 *
 * - {@link getSession} reads the session anywhere on the server: Server
 *   Components, Server Actions, Route Handlers. It cannot change it: Next.js
 *   renders a Server Component once the response's headers are decided.
 * - {@link updateSession} runs a function with a session it may change, then
 *   commits it and sets the cookie through `cookies().set()`: in Server
 *   Actions and Route Handlers, where Next.js lets a cookie be set. A
 *   `redirect()` thrown inside still saves the change; any other error saves
 *   only a logout, as every adapter does on a 500.
 * - {@link getSessionFromRequest} reads it in Middleware (the Edge runtime),
 *   from the request Middleware is given: cookie mode only, read-only.
 */
import type { AppSessionData, SessionDataShape } from "../core/app-data.js";
import type { SessionManager } from "../core/manager.js";
import type { Session } from "../core/session.js";
import type { NextCookieStore, NextHeaderStore } from "next/headers.js";
import { ReadonlySession, readableSession } from "./next/readonly-session.js";
import { cookieHeaderOf, isHttps, statusOfThrow, toNextCookie } from "./next/request.js";
import { csrfRefusal, logAdapterError, managerOf, resolveCsrfProtection, type CsrfProtectionOptions, type SessionSource } from "./shared.js";

export { ReadonlySession } from "./next/readonly-session.js";
export { getSessionFromRequest } from "./next/middleware.js";
export type { CsrfProtectionOptions, SessionSource } from "./shared.js";

interface RequestApis {
  cookies: NextCookieStore;
  headers: NextHeaderStore;
}

async function requestApis(): Promise<RequestApis> {
  const next = await import("next/headers.js");
  const [cookies, headers] = await Promise.all([next.cookies(), next.headers()]);
  return { cookies, headers };
}

/**
 * Sessions already read in this request, per cookie store (one per request
 * and phase: the page rendered after a Server Action gets a new one) and
 * per manager, so a layout and its page load the session once.
 */
const readThisRequest = new WeakMap<NextCookieStore, Map<SessionManager<any>, Promise<ReadonlySession<any>>>>();

/**
 * The request's session, to read: in a Server Component, a Server Action or
 * a Route Handler. A change is refused with a ReadOnlySessionError (and
 * does not compile): make it with {@link updateSession}. A bad, forged or
 * expired cookie gives an empty session; a store that is down throws its
 * StoreError to Next's error page.
 *
 * @example
 * // app/page.tsx
 * import { getSession } from "sessionkit/next";
 * export default async function Home() {
 *   const session = await getSession(sessions);
 *   return <p>{session.get("username") ?? "You are not logged in"}</p>;
 * }
 */
export async function getSession<Data extends SessionDataShape = AppSessionData>(source: SessionSource<Data>): Promise<ReadonlySession<Data>> {
  // The request first: while `next build` prerenders, cookies() tells Next.js that the page is
  // dynamic (and never resolves), so no manager is made at build time.
  const { cookies, headers } = await requestApis();
  const sessions = managerOf(source);
  let byManager = readThisRequest.get(cookies);
  if (byManager === undefined) readThisRequest.set(cookies, (byManager = new Map()));
  let read = byManager.get(sessions) as Promise<ReadonlySession<Data>> | undefined;
  if (read === undefined) {
    read = load(sessions, { cookies, headers }).then((session) => new ReadonlySession(session));
    byManager.set(sessions, read);
    // A failed load (a store that is down) is not remembered: the next call tries again.
    read.catch(() => byManager.delete(sessions));
  }
  return read;
}

function load<Data extends SessionDataShape>(sessions: SessionManager<Data>, apis: RequestApis): Promise<Session<Data>> {
  const header = cookieHeaderOf(apis.cookies, apis.headers, sessions.options.cookie.name);
  // Next.js tells app code nothing of the request's path: the cookie's own Path is left to the browser.
  return sessions.load(header, { secure: isHttps(apis.headers) });
}

/**
 * Change the request's session, in a Server Action or a Route Handler:
 * `update` gets the session, and once it returns (or throws Next.js's
 * `redirect()`, `notFound()`…) the session is committed and its cookie set
 * with `cookies().set()`. Resolves what `update` returned. When `update`
 * throws anything else, only a logout (`destroy()`) is saved, and the error
 * is rethrown. A store that is down throws its StoreError.
 *
 * Next.js refuses to set a cookie from a Server Component; read the
 * session there with {@link getSession}.
 *
 * @example
 * // app/actions.ts
 * "use server";
 * export async function logout() {
 *   await updateSession(sessions, (session) => session.destroy());
 *   redirect("/");
 * }
 */
export async function updateSession<T, Data extends SessionDataShape = AppSessionData>(
  source: SessionSource<Data>,
  update: (session: Session<Data>) => T | Promise<T>,
): Promise<T> {
  const apis = await requestApis();
  const sessions = managerOf(source);
  const session = await load(sessions, apis);
  let result: T | undefined;
  let failure: { error: unknown } | undefined;
  try {
    result = await update(session);
  } catch (error) {
    failure = { error };
  }
  try {
    const { setCookie } = await sessions.commit(session, { status: failure ? statusOfThrow(failure.error) : 200 });
    for (const value of setCookie) apis.cookies.set(toNextCookie(value));
  } catch (commitError) {
    if (!failure) throw commitError;
    // The update's own error is the one to see; the commit's is logged, not lost.
    logAdapterError("next", commitError);
  } finally {
    // Reads after this change load it afresh.
    readThisRequest.get(apis.cookies)?.delete(sessions);
  }
  if (failure) throw failure.error;
  return result as T;
}

/**
 * CSRF protection for Server Actions and Route Handlers: the function it
 * returns throws a {@link CsrfError} (HTTP 403) unless the request proves it
 * comes from this site: an `Origin` (or `Sec-Fetch-Site`) of this site, and,
 * once the session has a CSRF secret, a token of it in the `X-CSRF-Token`
 * header or the `csrf_token` field of the form you pass. Call it first in
 * every Server Action and state-changing Route Handler (Next.js also checks
 * a Server Action's `Origin` itself).
 *
 * @example
 * const csrf = csrfProtection();
 * export async function save(formData: FormData) {
 *   "use server";
 *   await updateSession(sessions, async (session) => {
 *     await csrf(session, formData);
 *     session.set("note", String(formData.get("note")));
 *   });
 * }
 */
export function csrfProtection(
  options: CsrfProtectionOptions = {},
): (session: Session<any> | ReadonlySession<any>, form?: FormData) => Promise<void> {
  const resolved = resolveCsrfProtection(options);
  return async function sessionkitCsrf(session, form) {
    const { headers } = await requestApis();
    const fields = form?.getAll(resolved.fieldName) ?? [];
    const formToken = fields.length > 1 ? fields : fields[0];
    const checked = session instanceof ReadonlySession ? readableSession(session) : session;
    // Server Actions and the Route Handlers that call this change state: checked as a POST.
    const refused = csrfRefusal(
      checked,
      { method: "POST", tls: isHttps(headers), host: headers.get("host") ?? undefined, header: (name) => headers.get(name), formToken },
      resolved,
    );
    if (refused) throw refused;
  };
}
