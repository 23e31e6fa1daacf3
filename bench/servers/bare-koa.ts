/** Koa with no session: the ceiling of the Koa rows. */
import Koa from "koa";
import { PORT, USER, announce, nextCounter, onShutdown } from "./shared.js";

const app = new Koa();
app.use(async (ctx) => {
  if (ctx.path === "/login") ctx.body = "ok";
  else if (ctx.path === "/read") ctx.body = USER;
  else if (ctx.path === "/write") ctx.body = String(nextCounter());
  else ctx.status = 404;
});
const server = app.listen(PORT, "127.0.0.1", () => announce(server));
onShutdown();
