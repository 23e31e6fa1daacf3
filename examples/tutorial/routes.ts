/**
 * The tutorial's routes: Flask's login example, and its session demo
 * (`/set`, `/get`, `/del`, `/clear`), on sessionkit. Each handler is the
 * few lines a reader should copy; the pages are in `views.ts`.
 */
import express, { type Request, type Response } from "express";
import type { Session, SessionManager } from "sessionkit";
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

  /** Render a page; it takes this request's flashes out of the session, so each shows exactly once. */
  const page = (req: Request, res: Response, title: string, body: SafeHtml, status = 200): void => {
    const session = sessionOf(req);
    const flashes = session.consumeFlashes({ withCategories: true });
    const html = views.layout(title, body, { user: currentUser(session), flashes, storage: ctx.storage });
    res.status(status).type("html").send(html.value);
  };

  router.get("/style.css", (_req, res) => {
    res.type("css").set("Cache-Control", "public, max-age=300").send(ctx.stylesheet);
  });

  router.get("/", (req, res) => {
    page(req, res, "Home", views.indexBody(currentUser(sessionOf(req))));
  });

  router.get("/login", (req, res) => {
    page(req, res, "Log in", views.loginBody());
  });

  // 16 KB is far more than the form needs; a larger body is a 413 page, never a crash.
  router.post("/login", express.urlencoded({ extended: false, limit: "16kb", parameterLimit: 20 }), async (req, res) => {
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
    page(req, res, `Profile of ${user}`, views.profileBody({ user, permanent: session.permanent, serverSide, sessionCount }));
  });

  router.get("/logout", (req, res) => {
    const session = sessionOf(req);
    session.pop("username");
    if (serverSide) session.setUser(null);
    session.flash("Logged out");
    res.redirect(303, "/");
  });

  // A POST, so a link on another site cannot trigger it; the SameSite=Lax cookie keeps cross-site forms out.
  router.post("/logout-everywhere", async (req, res) => {
    const session = sessionOf(req);
    const user = currentUser(session);
    if (user === undefined || !serverSide) {
      page(req, res, "Please log in", views.pleaseLogInBody(), 401);
      return;
    }
    // Every other session of this user ends now; this one is logged out below, so its flash survives.
    const ended = await ctx.sessions.destroyAllForUser(user, { except: session });
    session.pop("username");
    session.setUser(null);
    session.flash(`Logged out everywhere (${ended} other session${ended === 1 ? "" : "s"} ended)`);
    res.redirect(303, "/");
  });

  // Flask's session demo: the same four routes, the same keys.
  router.get("/set", (req, res) => {
    const session = sessionOf(req);
    session.set("user", "Tom");
    session.set("pwd", "password");
    page(req, res, "Set", views.noticeBody("Stored user = Tom and pwd = password."));
  });

  router.get("/get", (req, res) => {
    const session = sessionOf(req);
    page(req, res, "Get", views.getBody({ user: session.get("user"), pwd: session.get("pwd") }));
  });

  router.get("/del", (req, res) => {
    const had = sessionOf(req).pop("user") !== undefined;
    page(req, res, "Del", views.noticeBody(had ? "Removed user." : "There was no user to remove."));
  });

  router.get("/clear", (req, res) => {
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
