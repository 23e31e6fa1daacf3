/**
 * `sessionkit/express`: `req.session` for Express 5 (and 4).
 *
 * Express has no hook after the handler, so the response head is held until
 * the commit is done (hold-response.ts, shared with sessionkit/node): the
 * Set-Cookie survives `res.redirect`, `res.send`, streamed `res.write`s and
 * Express's own 500 page, and the store is written before the head leaves.
 * Errors the adapter does not answer itself (CookieTooLargeError,
 * HeadersSentError) go to `next(error)`, Express's error path.
 */
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { TLSSocket } from "node:tls";
import type { AppSessionData } from "../core/app-data.js";
import type { Session } from "../core/session.js";
import { sendAnswer } from "./hold-commit.js";
import { holdResponse } from "./hold-response.js";
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

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /**
       * The visitor's session (sessionkit), typed by the app's `SessionData`:
       * `declare module "sessionkit" { interface SessionData { username?: string } }`.
       */
      session: Session<AppSessionData>;
    }
  }
}

/**
 * The Express middleware. Mount it before the routes that use `req.session`.
 *
 * @example
 * import { sessionMiddleware } from "sessionkit/express";
 * app.use(sessionMiddleware(sessions));
 * app.get("/", (req, res) => { res.send(`hello ${req.session.get("username") ?? "stranger"}`); });
 */
export function sessionMiddleware(sessions: AppSessionManager, options: AdapterOptions = {}): RequestHandler {
  return function sessionkit(req: Request, res: Response, next: NextFunction): void {
    const fail = (error: unknown): void => {
      const answer = errorAnswer(error, options);
      if (answer) sendAnswer(res, answer);
      else next(error);
    };
    const secure = isSecureRequest({ tls: (req.socket as TLSSocket).encrypted === true, forwardedProto: req.headers["x-forwarded-proto"] }, options);
    sessions.load(req.headers.cookie, {
      secure,
      path: req.originalUrl,
      // With `devices`: the address by the app's own "trust proxy" setting (req.ip).
      ...(sessions.options.devices ? { userAgent: req.headers["user-agent"], clientAddress: req.ip } : {}),
    }).then((session) => {
      req.session = session;
      holdResponse(res, sessions, session, { onFailure: fail });
      next();
    }, fail);
  };
}

/**
 * CSRF protection for Express: refuses a POST, PUT, PATCH or DELETE (any
 * method but GET, HEAD, OPTIONS and TRACE) that does not prove it comes from
 * this site, with a {@link CsrfError} on Express's error path: `next(error)`,
 * which Express answers 403 (`error.status`); handle it in your own error
 * middleware to show a page. Mount it after `sessionMiddleware`, and after
 * `express.urlencoded()` for the token to be read from the `csrf_token`
 * form field; the `X-CSRF-Token` header is read either way.
 *
 * @example
 * import { csrfProtection, sessionMiddleware } from "sessionkit/express";
 * app.use(sessionMiddleware(sessions));
 * app.use(express.urlencoded({ extended: false }));
 * app.use(csrfProtection());
 * // in a form: <input type="hidden" name="csrf_token" value="${req.session.csrfToken()}">
 */
export function csrfProtection(options: CsrfProtectionOptions = {}): RequestHandler {
  const resolved = resolveCsrfProtection(options);
  return function sessionkitCsrf(req: Request, _res: Response, next: NextFunction): void {
    if (req.session === undefined) {
      next(new TypeError("sessionkit: csrfProtection needs req.session: mount sessionMiddleware(sessions) before it."));
      return;
    }
    const refused = csrfRefusal(
      req.session,
      {
        method: req.method,
        tls: (req.socket as TLSSocket).encrypted === true,
        host: req.headers.host ?? single(req.headers[":authority"]),
        header: (name) => req.headers[name],
        formToken: formField(req.body, resolved.fieldName),
      },
      resolved,
    );
    next(refused);
  };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
