/** sessionkit on Koa (`sessionkit/koa`), in the mode `SK_MODE` names. */
import Koa from "koa";
import { sessionMiddleware } from "sessionkit/koa";
import { PORT, announce, nextCounter, onShutdown } from "./shared.js";
import { benchSessions, routes, type BenchSession } from "./sessionkit-setup.js";

const { sessions, close, dump } = await benchSessions();
const app = new Koa();
app.use(sessionMiddleware(sessions));
app.use(async (ctx) => {
  const session = (ctx as unknown as { session: BenchSession }).session;
  if (ctx.path === "/login") ctx.body = routes.login(session);
  else if (ctx.path === "/read") ctx.body = routes.read(session);
  else if (ctx.path === "/write") ctx.body = routes.write(session, nextCounter());
  else if (ctx.path === "/__store" && dump) ctx.body = await dump();
  else ctx.status = 404;
});
const server = app.listen(PORT, "127.0.0.1", () => announce(server));
onShutdown(close);
