/**
 * `sessionkit/sveltekit`: a `handle` hook that puts the session on
 * `event.locals.session` (typed through `App.Locals` by the app's
 * `SessionData`) and commits it on the Response SvelteKit resolved: after
 * load functions and form actions have run, before SvelteKit sends the
 * status and headers. A redirect, a `fail()` and an error page are Responses
 * too, committed with their status (a 5xx saves only a logout).
 */
import type { AppSessionData, SessionDataShape } from "../core/app-data.js";
import type { Session } from "../core/session.js";
import {
  csrfRefusal,
  csrfResponse,
  errorAnswer,
  formValue,
  isSecureRequest,
  readableForm,
  resolveCsrfProtection,
  resolveMaxFormBytes,
  webCommitContext,
  managerOf,
  withCommit,
  type AdapterOptions,
  type AppSessionManager,
  type SessionSource,
  type WebCsrfProtectionOptions,
} from "./shared.js";

export type { AdapterOptions, AnsweredError, ErrorAnswer, SessionSource, WebCsrfProtectionOptions } from "./shared.js";

/** An alias: inside `declare global` the name `Session` may be taken by another package's types. */
type SessionkitSession<Data extends SessionDataShape> = Session<Data>;

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace App {
    interface Locals {
      /**
       * The visitor's session (sessionkit), typed by the app's `SessionData`:
       * `declare module "sessionkit" { interface SessionData { username?: string } }`.
       */
      session: SessionkitSession<AppSessionData>;
    }
  }
}

/**
 * What the hook reads of SvelteKit's `RequestEvent` (SvelteKit's own types
 * are the app's: this is the part sessionkit uses).
 */
export interface SvelteKitEventLike {
  readonly request: Request;
  readonly url: URL;
  readonly locals: App.Locals;
  /** SvelteKit's client address (by its adapter's own proxy settings); read only with `devices`. */
  getClientAddress?(): string;
}

/** The client address SvelteKit reports, or undefined where its adapter has none (it throws there). */
function clientAddressOf(event: SvelteKitEventLike): string | undefined {
  if (typeof event.getClientAddress !== "function") return undefined;
  try {
    return event.getClientAddress();
  } catch (error) {
    // adapter-static and prerendering have no client; the device is then recorded without a network.
    if (error instanceof Error) return undefined;
    throw error;
  }
}

/**
 * A SvelteKit `Handle`, as sessionkit's hooks are typed (SvelteKit's `Handle`
 * accepts it, alone or in `sequence()`).
 */
export type SessionkitHandle = <E extends SvelteKitEventLike>(input: { event: E; resolve: (event: E) => Response | Promise<Response> }) => Promise<Response>;

/**
 * The `handle` hook: `event.locals.session` in every load function, form
 * action and endpoint. Give it the manager, or a function that makes it on
 * the first request (SvelteKit's build imports hooks.server.ts without the
 * server's secrets). A store that is down answers 503, a session ended by
 * another request 409 (`onError` to change them).
 *
 * @example
 * // src/hooks.server.ts
 * import { sessionHandle } from "sessionkit/sveltekit";
 * export const handle = sessionHandle(sessions);
 */
export function sessionHandle(source: SessionSource<AppSessionData> | AppSessionManager, options: AdapterOptions = {}): SessionkitHandle {
  return async function sessionkit({ event, resolve }) {
    const sessions = managerOf(source as SessionSource<AppSessionData>);
    let session: Session<AppSessionData>;
    try {
      const secure = isSecureRequest({ tls: event.url.protocol === "https:", forwardedProto: event.request.headers.get("x-forwarded-proto") }, options);
      // With `devices`: the address as the SvelteKit adapter reports it (its own proxy settings).
      const device = sessions.options.devices ? { userAgent: event.request.headers.get("user-agent") ?? undefined, clientAddress: clientAddressOf(event) } : {};
      session = await sessions.load(event.request.headers.get("cookie"), { secure, path: event.url.pathname, ...device });
    } catch (error) {
      return answer(error, options);
    }
    event.locals.session = session;
    const response = await resolve(event);
    try {
      return withCommit(response, await sessions.commit(session, webCommitContext(response)));
    } catch (error) {
      return answer(error, options);
    }
  };
}

function answer(error: unknown, options: AdapterOptions): Response {
  const a = errorAnswer(error, options);
  if (!a) throw error;
  return new Response(a.body, { status: a.status, headers: a.headers ?? {} });
}

/**
 * CSRF protection as a `handle` hook, after {@link sessionHandle} in
 * `sequence()`: a POST, PUT, PATCH or DELETE that does not prove it comes
 * from this site gets a plain 403 (safe methods pass). The token is read
 * from the `X-CSRF-Token` header, else from the `csrf_token` field of a form
 * body (read from a clone, so form actions still read the request). This
 * adds the session's token to SvelteKit's own origin check of forms.
 *
 * @example
 * import { sequence } from "@sveltejs/kit/hooks";
 * export const handle = sequence(sessionHandle(sessions), csrfProtection());
 */
export function csrfProtection(options: WebCsrfProtectionOptions = {}): SessionkitHandle {
  const resolved = resolveCsrfProtection(options);
  const maxFormBytes = resolveMaxFormBytes(options.maxFormBytes);
  return async function sessionkitCsrf({ event, resolve }) {
    const { request, url } = event;
    const session = event.locals.session as Session<any> | undefined;
    if (session === undefined) throw new TypeError("sessionkit: csrfProtection needs the session: put sessionHandle(sessions) before it in sequence().");
    const header = (name: string): string | null => request.headers.get(name);
    let formToken: unknown;
    if (!header(resolved.headerKey) && request.method !== "GET" && readableForm(request.headers, maxFormBytes)) {
      formToken = await formValue(async () => {
        const values = (await request.clone().formData()).getAll(resolved.fieldName);
        // A field sent twice stays an array, which the check refuses.
        return { [resolved.fieldName]: values.length > 1 ? values : values[0] };
      }, resolved.fieldName);
    }
    const refused = csrfRefusal(session, { method: request.method, tls: url.protocol === "https:", host: url.host, header, formToken }, resolved);
    return refused ? csrfResponse(refused) : resolve(event);
  };
}
