/**
 * express-session with its MemoryStore, as its README recommends for
 * production apart from the store: resave false, saveUninitialized false, an
 * httpOnly SameSite cookie. `secure` is off because the benchmark speaks plain
 * HTTP on loopback (sessionkit's `secure: "auto"` does the same).
 *
 * `GET /__store` returns the store's content so the harness can prove that
 * `/read` wrote nothing to it.
 */
import express from "express";
import session from "express-session";
import { PORT, SECRET, USER, announce, nextCounter, onShutdown } from "./shared.js";

/**
 * express-session's `req.session` as this file uses it: typed locally because
 * sessionkit's Express adapter types `req.session` its own way in the same program.
 */
const sessionOf = (req: unknown): { user?: string; n?: number } => (req as { session: { user?: string; n?: number } }).session;

const store = new session.MemoryStore();
const app = express();
app.disable("x-powered-by");
app.use(
  session({
    secret: SECRET,
    name: "sid",
    store,
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: "lax", secure: false },
  }),
);
app.get("/login", (req, res) => {
  sessionOf(req).user = USER;
  sessionOf(req).n = 0;
  res.type("text").send("ok");
});
app.get("/read", (req, res) => void res.type("text").send(sessionOf(req).user ?? ""));
app.get("/write", (req, res) => {
  sessionOf(req).n = nextCounter();
  res.type("text").send(String(sessionOf(req).n));
});
app.get("/__store", (_req, res) => {
  store.all((error, all) => {
    if (error) res.status(500).send("store error");
    else res.json(all ?? {});
  });
});
const server = app.listen(PORT, "127.0.0.1", () => announce(server));
onShutdown();
