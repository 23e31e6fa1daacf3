/**
 * koa-session with its default cookie store, signed with `app.keys`, as its
 * README recommends: httpOnly, signed, rolling and renew off, SameSite lax.
 */
import Koa from "koa";
import session from "koa-session";
import { PORT, SECRET, USER, announce, nextCounter, onShutdown } from "./shared.js";

const app = new Koa();
app.keys = [SECRET];
app.use(
  session({ key: "koa.sess", maxAge: 86_400_000, httpOnly: true, signed: true, rolling: false, renew: false, sameSite: "lax", secure: false }, app),
);
app.use(async (ctx) => {
  // Typed locally: sessionkit's Koa adapter types `ctx.session` its own way in the same program.
  const s = ctx.session as unknown as { user?: string; n?: number } | null | undefined;
  if (s === null || s === undefined) {
    ctx.status = 500;
    return;
  }
  if (ctx.path === "/login") {
    s.user = USER;
    s.n = 0;
    ctx.body = "ok";
  } else if (ctx.path === "/read") {
    ctx.body = String(s.user ?? "");
  } else if (ctx.path === "/write") {
    s.n = nextCounter();
    ctx.body = String(s.n);
  } else ctx.status = 404;
});
const server = app.listen(PORT, "127.0.0.1", () => announce(server));
onShutdown();
