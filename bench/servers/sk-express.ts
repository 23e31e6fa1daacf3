/** sessionkit on Express (`sessionkit/express`), in the mode `SK_MODE` names. */
import express from "express";
import { sessionMiddleware } from "sessionkit/express";
import { PORT, announce, nextCounter, onShutdown } from "./shared.js";
import { benchSessions, routes, type BenchSession } from "./sessionkit-setup.js";

const { sessions, close, dump } = await benchSessions();
const sessionOf = (req: unknown): BenchSession => (req as { session: BenchSession }).session;
const app = express();
app.disable("x-powered-by");
app.use(sessionMiddleware(sessions));
app.get("/login", (req, res) => void res.type("text").send(routes.login(sessionOf(req))));
app.get("/read", (req, res) => void res.type("text").send(routes.read(sessionOf(req))));
app.get("/write", (req, res) => void res.type("text").send(routes.write(sessionOf(req), nextCounter())));
if (dump) app.get("/__store", (_req, res) => void dump().then((all) => res.json(all)));
const server = app.listen(PORT, "127.0.0.1", () => announce(server));
onShutdown(close);
