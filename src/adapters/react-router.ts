/**
 * `sessionkit/react-router`: a session storage in React Router's own shape
 * (`getSession`, `commitSession`, `destroySession`), for loaders and actions
 * in framework mode (and Remix), backed by sessionkit: Flask-compatible
 * cookies, server-side stores that keep concurrent writes, login and
 * regeneration, timeouts.
 *
 * The session is sessionkit's (`get`, `set`, `login`, `flash`…). Where React
 * Router's storage returns one Set-Cookie string, `commitSession` returns the
 * Headers the response needs: each Set-Cookie line (none when nothing
 * changed, never an empty header), `Vary: Cookie` and `Cache-Control`. Pass
 * them as `data()`'s or `redirect()`'s `headers`.
 */
import type { AppSessionData, SessionDataShape } from "../core/app-data.js";
import type { SessionManager } from "../core/manager.js";
import type { Session } from "../core/session.js";
import { csrfRefusal, csrfResponse, formValue, isSecureRequest, readableForm, resolveCsrfProtection, resolveMaxFormBytes, type AdapterOptions, type WebCsrfProtectionOptions } from "./shared.js";

export type { AdapterOptions, WebCsrfProtectionOptions } from "./shared.js";

/** What {@link createSessionStorage} returns. */
export interface SessionStorage<Data extends SessionDataShape = AppSessionData> {
  /**
   * The request's session. Give it the Request (its Cookie header, whether it
   * is HTTPS, its path); a Cookie header string alone is read as a plain
   * HTTP request at the root. A bad, forged or expired cookie is an empty
   * session; a store that is down throws a StoreError.
   */
  getSession(request: Request | string | null | undefined): Promise<Session<Data>>;
  /**
   * Save what the request changed; resolves the headers the response needs.
   * `status` is the response's (default 200): with a 5xx, only a logout is saved.
   */
  commitSession(session: Session<Data>, init?: { status?: number }): Promise<Headers>;
  /** End the session (the logout: `session.destroy()`) and resolve the headers that delete its cookie. */
  destroySession(session: Session<Data>): Promise<Headers>;
}

/**
 * A session storage for React Router loaders and actions.
 *
 * @example
 * export const { getSession, commitSession, destroySession } = createSessionStorage(sessions);
 * export async function action({ request }: Route.ActionArgs) {
 *   const session = await getSession(request);
 *   await session.login(user.id);
 *   return redirect("/", { headers: await commitSession(session) });
 * }
 */
export function createSessionStorage<Data extends SessionDataShape = AppSessionData>(
  sessions: SessionManager<Data>,
  options: Pick<AdapterOptions, "trustProxy"> = {},
): SessionStorage<Data> {
  async function commitSession(session: Session<Data>, init: { status?: number } = {}): Promise<Headers> {
    const result = await sessions.commit(session, { status: init.status ?? 200 });
    const headers = new Headers();
    for (const value of result.setCookie) headers.append("Set-Cookie", value);
    for (const [name, value] of result.headers) headers.set(name, value);
    return headers;
  }
  return {
    getSession(request) {
      if (request === null || request === undefined || typeof request === "string") return sessions.load(request);
      const url = new URL(request.url);
      const secure = isSecureRequest({ tls: url.protocol === "https:", forwardedProto: request.headers.get("x-forwarded-proto") }, options);
      // With `devices`: the User-Agent only (a Request carries no client address).
      const device = sessions.options.devices ? { userAgent: request.headers.get("user-agent") ?? undefined } : {};
      return sessions.load(request.headers.get("cookie"), { secure, path: url.pathname, ...device });
    },
    commitSession,
    async destroySession(session) {
      await session.destroy();
      return commitSession(session);
    },
  };
}

/**
 * CSRF protection for actions: the function it returns throws a 403
 * Response (React Router's way to stop an action with an HTTP error: your
 * ErrorBoundary sees it with `isRouteErrorResponse`) unless a POST, PUT,
 * PATCH or DELETE proves it comes from this site: its Origin, and once the
 * session has a CSRF secret, a token in the `X-CSRF-Token` header or the
 * `csrf_token` form field (read from a clone of the request, so the action
 * still reads it). The body is the refusal's message, which says why.
 *
 * @example
 * const csrf = csrfProtection();
 * export async function action({ request }: Route.ActionArgs) {
 *   const session = await getSession(request);
 *   await csrf(request, session);
 * }
 */
export function csrfProtection(options: WebCsrfProtectionOptions = {}): (request: Request, session: Session<any>) => Promise<void> {
  const resolved = resolveCsrfProtection(options);
  const maxFormBytes = resolveMaxFormBytes(options.maxFormBytes);
  return async function sessionkitCsrf(request, session) {
    const header = (name: string): string | null => request.headers.get(name);
    let formToken: unknown;
    if (!header(resolved.headerKey) && readableForm(request.headers, maxFormBytes)) {
      formToken = await formValue(async () => {
        const values = (await request.clone().formData()).getAll(resolved.fieldName);
        return { [resolved.fieldName]: values.length > 1 ? values : values[0] };
      }, resolved.fieldName);
    }
    const url = new URL(request.url);
    const refused = csrfRefusal(session, { method: request.method, tls: url.protocol === "https:", host: url.host, header, formToken }, resolved);
    if (refused) throw csrfResponse(refused);
  };
}
