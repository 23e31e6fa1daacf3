/** sessionkit on Hono with @hono/node-server (`sessionkit/hono`), in the mode `SK_MODE` names. */
import { Hono } from "hono";
import { serve } from "@hono/node-server";
import type { Server } from "node:http";
import { sessionMiddleware } from "sessionkit/hono";
import { PORT, announce, nextCounter, onShutdown } from "./shared.js";
import { benchSessions, routes, type BenchSession } from "./sessionkit-setup.js";

const { sessions, close, dump } = await benchSessions();
const app = new Hono();
app.use(sessionMiddleware(sessions));
const sessionOf = (c: { get(key: never): unknown }): BenchSession => c.get("session" as never) as BenchSession;
app.get("/login", (c) => c.text(routes.login(sessionOf(c))));
app.get("/read", (c) => c.text(routes.read(sessionOf(c))));
app.get("/write", (c) => c.text(routes.write(sessionOf(c), nextCounter())));
if (dump) app.get("/__store", async (c) => c.json(await dump()));
const server = serve({ fetch: app.fetch, port: PORT, hostname: "127.0.0.1" }, () => announce(server as Server));
onShutdown(close);
