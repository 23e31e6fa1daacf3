/**
 * The tutorial's routes: Flask's login example, and its session demo
 * (`/set`, `/get`, `/del`, `/clear`), on sessionkit. Each handler is the
 * few lines a reader should copy; the pages are in `views.ts`.
 *
 * The habits worth copying: a GET changes nothing the visitor owns (it may
 * take the flashes it shows, and give a form its CSRF token); every change
 * is a POST carrying `session.csrfToken()`, checked by `csrfProtection()`
 * before any route runs, so another site can neither trigger one with a link
 * nor post a form into this one (a login included).
 */
import express, { type Request, type Response } from "express";
import type { Session, SessionManager } from "sessionkit";
import { csrfProtection } from "sessionkit/express";
import { mountDevices } from "./devices.js";
import { readLoginForm } from "./forms.js";
import { inspectSession } from "./inspect.js";
import type { TutorialFormat } from "./config.js";
import type { SafeHtml } from "./html.js";
import * as views from "./views.js";

/**
 * What the tutorial keeps in a session. `username` is the key Flask's tutorial uses, so a login is shared with a Flask app.
 *
 * @example
 * const sessions = createSessions<TutorialData>({ secret });
 */
export interface TutorialData extends Record<string, unknown> {
  username?: string;
  user?: string;
  pwd?: string;
}

/**
 * What the routes need to know about the app.
 *
 * @example
 * const ctx: RouteContext = { sessions, format: "signed", storage: "cookie (signed)", stylesheet: "" };
 */
export interface RouteContext {
  sessions: SessionManager<TutorialData>;
  format: TutorialFormat;
  /** Shown in the footer: where sessions live. */
  storage: string;
  /** The stylesheet's text, served at `/style.css`. */
  stylesheet: string;
}

/** The session the adapter attached, typed with the tutorial's data. */
function sessionOf(req: Request): Session<TutorialData> {
  return req.session as Session<TutorialData>;
}

/** The logged-in user: a non-empty string under `username`, or undefined (a Flask app might have stored anything). */
function currentUser(session: Session<TutorialData>): string | undefined {
  const username = session.get("username");
  return typeof username === "string" && username !== "" ? username : undefined;
}

/**
 * The tutorial's router.
 *
 * @example
 * app.use(tutorialRoutes({ sessions, format: "signed", storage: "cookie (signed)", stylesheet }));
 */
export function tutorialRoutes(ctx: RouteContext): express.Router {
  const router = express.Router();
  const serverSide = ctx.sessions.serverSide;

  /**
   * Render a page; it takes this request's flashes out of the session, so
   * each shows exactly once. A logged-in visitor's navigation has the log
   * out button, a form, so it gets a CSRF token.
   */
  const page = (req: Request, res: Response, title: string, body: SafeHtml, status = 200): void => {
    const session = sessionOf(req);
    const flashes = session.consumeFlashes({ withCategories: true });
    const user = currentUser(session);
    const csrfToken = user === undefined ? undefined : session.csrfToken();
    const html = views.layout(title, body, { user, flashes, storage: ctx.storage, csrfToken });
    res.status(status).type("html").send(html.value);
  };

  // Forms are parsed here, 16 KB at most (a larger body is a 413 page), then every POST, PUT, PATCH
  // and DELETE must carry the session's token (the csrf_token field) or is refused with a 403 page.
  // A session without a token yet (a login form posted without one) must come from this origin.
  router.use(express.urlencoded({ extended: false, limit: "16kb", parameterLimit: 20 }));
  router.use(csrfProtection());

  router.get("/style.css", (_req, res) => {
    res.type("css").set("Cache-Control", "public, max-age=300").send(ctx.stylesheet);
  });

  router.get("/", (req, res) => {
    const session = sessionOf(req);
    const user = currentUser(session);
    page(req, res, "Home", views.indexBody(user, user === undefined ? undefined : session.csrfToken()));
  });

  router.get("/login", (req, res) => {
    // The token makes the session's CSRF secret: an attacker's form cannot log the visitor in as the attacker.
    page(req, res, "Log in", views.loginBody({ csrfToken: sessionOf(req).csrfToken() }));
  });

  router.post("/login", async (req, res) => {
    const form = readLoginForm(req); // throws BadRequestError → 400 page
    const session = sessionOf(req);
    // login(): a new id (server-side) or a new cookie, so a session id an attacker planted before
    // the login is worthless after it (session fixation); no pre-login data crosses over (pass
    // `{ keep: ["cart"] }` to carry a key), queued flashes do; and the session is indexed under
    // the user, so "log out everywhere" can find it.
    await session.login(form.username);
    session.set("username", form.username);
    session.permanent = form.remember;
    session.flash("Logged in");
    res.redirect(303, "/");
  });

  router.get("/profile", async (req, res) => {
    const session = sessionOf(req);
    const user = currentUser(session);
    if (user === undefined) {
      page(req, res, "Please log in", views.pleaseLogInBody(), 401);
      return;
    }
    const sessionCount = serverSide ? (await ctx.sessions.listForUser(user)).length : undefined;
    const csrfToken = session.csrfToken();
    page(req, res, `Profile of ${user}`, views.profileBody({ user, permanent: session.permanent, serverSide, sessionCount, csrfToken, devices: ctx.sessions.options.devices }));
  });

  if (ctx.sessions.options.devices) {
    mountDevices(router, { sessions: ctx.sessions, sessionOf, currentUser, page, pleaseLogIn: (req, res) => page(req, res, "Please log in", views.pleaseLogInBody(), 401) });
  }

  router.get("/logout", (req, res) => {
    // A link (or another site's <img src>) must not log anyone out: the GET only asks.
    const session = sessionOf(req);
    if (currentUser(session) === undefined) page(req, res, "Log out", views.noticeBody("You are not logged in."));
    else page(req, res, "Log out", views.logoutBody({ csrfToken: session.csrfToken() }));
  });

  router.post("/logout", async (req, res) => {
    // destroy() is the logout: the stored record (or the cookie) is gone, and with it the user, the
    // CSRF secret and everything else; a copy of the old cookie loads an empty session.
    await sessionOf(req).destroy();
    res.redirect(303, "/logged-out");
  });

  router.get("/logged-out", (req, res) => {
    // Reached by the redirect after a logout; the count comes from "log out everywhere".
    const ended = /^\d{1,6}$/.test(String(req.query.ended ?? "")) ? Number(req.query.ended) : undefined;
    page(req, res, "Logged out", views.loggedOutBody(ended));
  });

  router.post("/logout-everywhere", async (req, res) => {
    const session = sessionOf(req);
    const user = currentUser(session);
    if (user === undefined || !serverSide) {
      page(req, res, "Please log in", views.pleaseLogInBody(), 401);
      return;
    }
    // Every other session of this user ends now, then this one.
    const ended = await ctx.sessions.destroyAllForUser(user, { except: session });
    await session.destroy();
    res.redirect(303, `/logged-out?ended=${ended}`);
  });

  // Flask's session demo: the same four routes, the same keys. Flask's demo changes the session on a
  // GET; here each GET shows a button, and the change is its POST.
  for (const action of ["set", "del", "clear"] as const) {
    router.get(`/${action}`, (req, res) => {
      page(req, res, views.DEMO[action].title, views.demoFormBody(action, { csrfToken: sessionOf(req).csrfToken() }));
    });
  }

  router.post("/set", (req, res) => {
    const session = sessionOf(req);
    session.set("user", "Tom");
    session.set("pwd", "password");
    page(req, res, "Set", views.noticeBody("Stored user = Tom and pwd = password."));
  });

  router.get("/get", (req, res) => {
    const session = sessionOf(req);
    page(req, res, "Get", views.getBody({ user: session.get("user"), pwd: session.get("pwd") }));
  });

  router.post("/del", (req, res) => {
    const had = sessionOf(req).pop("user") !== undefined;
    page(req, res, "Del", views.noticeBody(had ? "Removed user." : "There was no user to remove."));
  });

  router.post("/clear", (req, res) => {
    sessionOf(req).clear();
    page(req, res, "Clear", views.noticeBody("Cleared everything: the session is empty, so its cookie is deleted."));
  });

  router.get("/inspect", (req, res) => {
    const inspection = inspectSession({
      cookieHeader: req.headers.cookie,
      cookieName: ctx.sessions.options.cookie.name,
      format: ctx.format,
      serverSide,
      session: sessionOf(req) as unknown as Session<Record<string, unknown>>,
      lifetimeSeconds: ctx.sessions.options.lifetimeSeconds,
      nowMs: Date.now(),
    });
    // Built before page() takes the flashes out, so the cookie shown is the one the browser sent.
    page(req, res, "Inspect the session cookie", views.inspectBody(inspection));
  });

  return router;
}
