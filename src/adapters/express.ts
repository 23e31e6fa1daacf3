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
import { commitHooks, holdResponse, sendAnswer } from "./hold-response.js";
import { errorAnswer, isSecureRequest, type AdapterOptions, type AppSessionManager } from "./shared.js";

export type { AdapterOptions, AnsweredError, AppSessionManager, ErrorAnswer } from "./shared.js";

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
    sessions.load(req.headers.cookie, { secure, path: req.originalUrl }).then((session) => {
      req.session = session;
      holdResponse(res, { ...commitHooks(sessions, session, res), onFailure: fail });
      next();
    }, fail);
  };
}
