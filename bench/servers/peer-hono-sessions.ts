/**
 * hono-sessions with its CookieStore (iron-webcrypto sealed cookies) on
 * @hono/node-server, as its README shows: a ≥32-char encryption key, an
 * expiry and httpOnly SameSite cookie options. `autoExtendExpiration` is off:
 * left on, it re-seals and re-sends the cookie on every read, which the
 * harness's sanity check refuses (a read must write nothing).
 */
import { Hono } from "hono";
import { serve } from "@hono/node-server";
import { CookieStore, Session, sessionMiddleware } from "hono-sessions";
import type { Server } from "node:http";
import { PORT, SECRET, USER, announce, nextCounter, onShutdown } from "./shared.js";

interface Data {
  user: string;
  n: number;
}

const app = new Hono<{ Variables: { session: Session<Data>; session_key_rotation: boolean } }>();
app.use(
  "*",
  sessionMiddleware({
    store: new CookieStore(),
    encryptionKey: SECRET,
    expireAfterSeconds: 86_400,
    autoExtendExpiration: false,
    cookieOptions: { sameSite: "Lax", path: "/", httpOnly: true },
  }),
);
app.get("/login", (c) => {
  const session = c.get("session");
  session.set("user", USER);
  session.set("n", 0);
  return c.text("ok");
});
app.get("/read", (c) => c.text(String(c.get("session").get("user") ?? "")));
app.get("/write", (c) => {
  const n = nextCounter();
  c.get("session").set("n", n);
  return c.text(String(n));
});
const server = serve({ fetch: app.fetch, port: PORT, hostname: "127.0.0.1" }, () => announce(server as Server));
onShutdown();
