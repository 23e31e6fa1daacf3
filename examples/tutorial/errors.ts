/**
 * Errors as plain pages. A visitor never sees a stack trace: bad input is a
 * 400 page that says what to fix, a form without a valid CSRF token (or
 * posted from another site) a 403 page, a store that is down is a 503 page, and
 * anything else is a 500 page while the details go to the server log —
 * without messages, which might hold a cookie or a connection string.
 */
import type { ErrorRequestHandler } from "express";
import { CookieTooLargeError, CsrfError, SessionInterruptedError, StoreError } from "sessionkit";
import type { AnsweredError, ErrorAnswer } from "sessionkit/express";
import { html } from "./html.js";
import { errorBody, layout } from "./views.js";

/**
 * Input the app refuses; its message is written for the visitor.
 *
 * @example
 * throw new BadRequestError("Enter a username or email.", "/login");
 */
export class BadRequestError extends Error {
  readonly code = "TUTORIAL_BAD_REQUEST";
  readonly status = 400;
  /** Where the "go back" link points. */
  readonly back: string;
  constructor(message: string, back = "/") {
    super(message);
    this.name = "BadRequestError";
    this.back = back;
  }
}

/** What the visitor sees for one error. */
interface ErrorPage {
  status: number;
  title: string;
  message: string;
  back: string;
}

/** Errors from Express's body parser carry an HTTP status and a stable `type`. */
function parserStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" && status >= 400 && status < 500 ? status : undefined;
}

const PARSER_MESSAGES: Record<number, string> = {
  413: "The form is too large. Usernames are at most 100 characters.",
  415: "The form was sent in an encoding this app does not read; send it as UTF-8.",
};

function describe(error: unknown): ErrorPage {
  if (error instanceof BadRequestError) return { status: 400, title: "Bad request", message: error.message, back: error.back };
  if (error instanceof CsrfError) {
    const stale = error.reason === "missing_token" || error.reason === "bad_token";
    const message = stale
      ? "This form has expired (you logged in or out since it was shown, or the session ended). Go back, reload the page and try again."
      : "This request came from another site, so it was refused. Use the forms of this site.";
    return { status: 403, title: "Request refused", message, back: "/" };
  }
  if (error instanceof StoreError) {
    // The visitor learns that the store failed, not why: the why is in the server's log.
    const what = error.timedOut ? "is not answering" : "cannot be used right now";
    return { status: 503, title: "Sessions unavailable", message: `The ${error.storeName} session store ${what}. Try again in a moment.`, back: "/" };
  }
  if (error instanceof SessionInterruptedError) {
    return { status: 409, title: "Session changed", message: "Your session was ended or renewed by another request (a logout in another tab?). Please try again.", back: "/" };
  }
  if (error instanceof CookieTooLargeError) {
    return { status: 500, title: "Session too large", message: "The session grew too large to fit in a cookie; nothing was saved.", back: "/clear" };
  }
  const status = parserStatus(error);
  if (status !== undefined) {
    return { status, title: "Bad request", message: PARSER_MESSAGES[status] ?? "The request could not be read.", back: "/" };
  }
  return { status: 500, title: "Something went wrong", message: "The server hit an error. It has been logged; please try again.", back: "/" };
}

/**
 * Express error handler rendering {@link describe}d errors as plain pages.
 *
 * @example
 * app.use(errorPages("cookie (signed)"));
 */
export function errorPages(storage: string): ErrorRequestHandler {
  return function tutorialErrorPage(error, _req, res, next) {
    if (res.headersSent) {
      next(error);
      return;
    }
    const page = describe(error);
    if (page.status >= 500) {
      // Class and code only: messages of drivers and parsers can carry URLs, cookies or ids.
      const code = (error as { code?: unknown } | null)?.code;
      console.error(`tutorial: ${page.status} ${(error as Error)?.name ?? typeof error}${typeof code === "string" ? ` (${code})` : ""}`);
    }
    const body = layout(page.title, errorBody(page.message, page.back), { user: undefined, flashes: [], storage });
    res.status(page.status).type("html").send(body.value);
  };
}

/**
 * The adapter's answer to a session error (a store that is down, a session
 * ended by another request): the same plain page as {@link errorPages}
 * instead of the adapter's default plain text. Errors raised while loading or
 * committing the session never reach Express's error handlers, hence this hook.
 *
 * @example
 * app.use(sessionMiddleware(sessions, { onError: sessionErrorAnswer("redis (127.0.0.1:6379)") }));
 */
export function sessionErrorAnswer(storage: string): (error: AnsweredError) => ErrorAnswer {
  return function tutorialSessionError(error) {
    // StoreError's message gives the cause in words and never a secret, an id or a driver's message.
    if (error instanceof StoreError) console.error(`tutorial: answered 503 (${error.message})`);
    const page = describe(error);
    const body = layout(page.title, errorBody(page.message, page.back), { user: undefined, flashes: [], storage });
    const headers: Record<string, string> = { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" };
    if (page.status === 503) headers["Retry-After"] = "1";
    return { status: page.status, headers, body: body.value };
  };
}

/**
 * The 404 page.
 *
 * @example
 * app.use(notFound("cookie (signed)"));
 */
export function notFound(storage: string) {
  return function tutorialNotFound(_req: unknown, res: import("express").Response): void {
    const body = layout("Not found", html`<p>There is no page here. <a href="/">Go home</a></p>`, { user: undefined, flashes: [], storage });
    res.status(404).type("html").send(body.value);
  };
}
