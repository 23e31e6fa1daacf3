/**
 * cookie-session (the Express team's signed-cookie session) with one ≥32-byte
 * key, httpOnly and SameSite as its README recommends; plain HTTP, so not secure.
 */
import express from "express";
import cookieSession from "cookie-session";
import { PORT, SECRET, USER, announce, nextCounter, onShutdown } from "./shared.js";

const app = express();
app.disable("x-powered-by");
app.use(cookieSession({ name: "session", keys: [SECRET], httpOnly: true, sameSite: "lax", secure: false }));
/** cookie-session's `req.session`: a plain object it serializes when changed, or null. */
type CookieSessionRequest = { session?: Record<string, unknown> | null };
const sessionOf = (req: unknown): CookieSessionRequest => req as CookieSessionRequest;

app.get("/login", (req, res) => {
  sessionOf(req).session = { user: USER, n: 0 };
  res.type("text").send("ok");
});
app.get("/read", (req, res) => void res.type("text").send(String(sessionOf(req).session?.user ?? "")));
app.get("/write", (req, res) => {
  const n = nextCounter();
  const session = sessionOf(req).session;
  if (session) session.n = n;
  res.type("text").send(String(n));
});
const server = app.listen(PORT, "127.0.0.1", () => announce(server));
onShutdown();
