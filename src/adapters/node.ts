/**
 * `sessionkit/node`: sessions for a plain node:http server.
 *
 * The wrapper loads the session from the Cookie header, runs the handler with
 * `req.session`, and holds the response head until the session is committed
 * (see hold-response.ts), so Set-Cookie, Vary and Cache-Control leave with
 * the head, and a store write is done before the visitor can ask again.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import type { AppSessionData, SessionDataShape } from "../core/app-data.js";
import type { RequestContext, SessionManager } from "../core/manager.js";
import type { Session } from "../core/session.js";
import { INTERNAL_ERROR, sendAnswer } from "./hold-commit.js";
import { holdResponse, type Held, type HoldHooks } from "./hold-response.js";
import type { CsrfError } from "../core/csrf.js";
import { csrfAnswer, csrfRefusal, errorAnswer, isSecureRequest, logAdapterError, resolveCsrfProtection, type AdapterOptions, type CsrfProtectionOptions } from "./shared.js";

export type { AdapterOptions, AnsweredError, ErrorAnswer, CsrfProtectionOptions } from "./shared.js";

/**
 * A request carrying its session.
 *
 * @example
 * const user = (req as SessionRequest<{ user?: string }>).session.get("user");
 */
export type SessionRequest<Data extends SessionDataShape = AppSessionData> = IncomingMessage & {
  session: Session<Data>;
};

/**
 * A node:http handler that uses `req.session`.
 *
 * @example
 * const handler: SessionHandler<{ n?: number }> = (req, res) => res.end(String(req.session.get("n") ?? 0));
 */
export type SessionHandler<Data extends SessionDataShape = AppSessionData> = (req: SessionRequest<Data>, res: ServerResponse) => unknown;

/**
 * Wrap a node:http handler so that it gets `req.session`.
 *
 * @example
 * import { createServer } from "node:http";
 * import { withSessions } from "sessionkit/node";
 * createServer(withSessions(sessions, (req, res) => {
 *   req.session.set("visits", (req.session.get("visits") ?? 0) + 1);
 *   res.end("hello");
 * })).listen(3000);
 */
export function withSessions<Data extends SessionDataShape>(
  sessions: SessionManager<Data>,
  handler: SessionHandler<Data>,
  options: AdapterOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const hooks: HoldHooks = { onFailure: (error, res) => answerError(res, error, options) };
  // Cookie mode has nothing to wait for: the session is loaded in the listener's own tick.
  if (sessions.canCommitSync) {
    return function sessionListener(req, res) {
      let session: Session<Data>;
      try {
        session = sessions.loadSync(req.headers.cookie, requestContext(sessions, req, options));
      } catch (error) {
        answerError(res, error, options);
        return;
      }
      run(sessions, session, handler, hooks, req, res);
    };
  }
  return function sessionListener(req, res) {
    let loading: Promise<Session<Data>>;
    try {
      loading = sessions.load(req.headers.cookie, requestContext(sessions, req, options));
    } catch (error) {
      answerError(res, error, options);
      return;
    }
    loading.then(
      (session) => run(sessions, session, handler, hooks, req, res),
      (error: unknown) => answerError(res, error, options),
    );
  };
}

function requestContext(sessions: SessionManager<any>, req: IncomingMessage, options: AdapterOptions): RequestContext {
  const secure = isSecureRequest({ tls: (req.socket as TLSSocket).encrypted === true, forwardedProto: req.headers["x-forwarded-proto"] }, options);
  // With `devices`: the socket's peer; behind a proxy every login shares the proxy's network (docs/devices.md).
  if (!sessions.options.devices) return { secure, path: req.url };
  return { secure, path: req.url, userAgent: req.headers["user-agent"], clientAddress: req.socket.remoteAddress };
}

/** Run the handler with the session, holding the head until the commit. */
function run<Data extends SessionDataShape>(
  sessions: SessionManager<Data>,
  session: Session<Data>,
  handler: SessionHandler<Data>,
  hooks: HoldHooks,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  (req as SessionRequest<Data>).session = session;
  // A change after the commit throws HeadersSentError at the call (the Session refuses it).
  const held = holdResponse(res, sessions, session, hooks);
  let result: unknown;
  try {
    result = handler(req as SessionRequest<Data>, res);
  } catch (error) {
    handlerFailed(res, held, error);
    return;
  }
  // An async handler's rejection, as `await` would have caught it (a foreign thenable too).
  if (isThenable(result)) Promise.resolve(result).then(undefined, (error: unknown) => handlerFailed(res, held, error));
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function";
}

function handlerFailed(res: ServerResponse, held: Held, error: unknown): void {
  logAdapterError("node", error);
  if (!held.started) {
    // Drop what the app had set (its own cookies too): the 500 goes out with
    // the session commit, which saves nothing on a 5xx.
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    res.statusCode = 500;
    res.setHeader("Content-Type", "text/plain; charset=utf-8");
    res.end(INTERNAL_ERROR.body);
  } else if (!res.writableEnded) {
    res.destroy();
  }
}

function answerError(res: ServerResponse, error: unknown, options: AdapterOptions): void {
  const answer = errorAnswer(error, options);
  if (answer) {
    sendAnswer(res, answer);
    return;
  }
  logAdapterError("node", error);
  sendAnswer(res, INTERNAL_ERROR);
}

/**
 * A CSRF check for node:http handlers: `csrfProtection(options)` gives a
 * function that returns true when the request may go on, and otherwise
 * answers it (a plain 403 by default, or `onRefused`) and returns false.
 * Safe methods (GET, HEAD, OPTIONS, TRACE) always go on. node:http does not
 * parse bodies: the token is read from the `X-CSRF-Token` header, or pass
 * the `csrf_token` field of the form your handler parsed.
 *
 * @example
 * import { csrfProtection, withSessions } from "sessionkit/node";
 * const csrf = csrfProtection();
 * createServer(withSessions(sessions, async (req, res) => {
 *   const form = new URLSearchParams(await readBody(req)); // your body reader, with a size limit
 *   if (!csrf(req, res, form.get("csrf_token"))) return; // answered 403
 *   req.session.set("saved", true);
 *   res.end("saved");
 * }));
 */
export function csrfProtection(
  options: CsrfProtectionOptions & { onRefused?: (error: CsrfError, req: SessionRequest<any>, res: ServerResponse) => void } = {},
): (req: SessionRequest<any>, res: ServerResponse, formToken?: unknown) => boolean {
  const resolved = resolveCsrfProtection(options);
  const onRefused = options.onRefused ?? ((error, _req, res) => sendAnswer(res, csrfAnswer(error)));
  return function sessionkitCsrf(req, res, formToken) {
    if (req.session === undefined) throw new TypeError("sessionkit: csrfProtection needs req.session: wrap the handler with withSessions(sessions, handler).");
    const host = req.headers.host ?? req.headers[":authority"];
    const refused = csrfRefusal(
      req.session,
      {
        method: req.method ?? "GET",
        tls: (req.socket as TLSSocket).encrypted === true,
        host: Array.isArray(host) ? host[0] : host,
        header: (name) => req.headers[name],
        formToken,
      },
      resolved,
    );
    if (refused === undefined) return true;
    onRefused(refused, req, res);
    return false;
  };
}
