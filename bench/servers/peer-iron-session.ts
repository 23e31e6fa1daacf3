/**
 * iron-session 8 on bare node:http, as its README shows for Node: a ≥32-char
 * password, `getIronSession(req, res, …)` per request and `save()` only when
 * the session changed.
 */
import http from "node:http";
import { getIronSession } from "iron-session";
import { PORT, SECRET, USER, announce, nextCounter, onShutdown } from "./shared.js";

interface Data {
  user?: string;
  n?: number;
}

const options = {
  password: SECRET,
  cookieName: "session",
  cookieOptions: { httpOnly: true, sameSite: "lax" as const, secure: false },
};

const server = http.createServer((req, res) => {
  res.setHeader("content-type", "text/plain; charset=utf-8");
  getIronSession<Data>(req, res, options)
    .then(async (session) => {
      if (req.url === "/login") {
        session.user = USER;
        session.n = 0;
        await session.save();
        res.end("ok");
      } else if (req.url === "/read") {
        res.end(session.user ?? "");
      } else if (req.url === "/write") {
        session.n = nextCounter();
        await session.save();
        res.end(String(session.n));
      } else {
        res.statusCode = 404;
        res.end("not found");
      }
    })
    .catch((error: unknown) => {
      res.statusCode = 500;
      res.end(error instanceof Error ? error.name : "error");
    });
});
server.listen(PORT, "127.0.0.1", () => announce(server));
onShutdown();
