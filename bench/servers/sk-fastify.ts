/** sessionkit on Fastify (`sessionkit/fastify`), in the mode `SK_MODE` names. */
import Fastify from "fastify";
import { fastifySessions } from "sessionkit/fastify";
import { PORT, announce, nextCounter, onShutdown } from "./shared.js";
import { benchSessions, routes, type BenchSession } from "./sessionkit-setup.js";

const { sessions, close, dump } = await benchSessions();
const sessionOf = (request: unknown): BenchSession => (request as { session: BenchSession }).session;
const app = Fastify({ logger: false });
await app.register(fastifySessions, { sessions });
app.get("/login", async (request) => routes.login(sessionOf(request)));
app.get("/read", async (request) => routes.read(sessionOf(request)));
app.get("/write", async (request) => routes.write(sessionOf(request), nextCounter()));
if (dump) app.get("/__store", async () => dump());
await app.listen({ port: PORT, host: "127.0.0.1" });
announce(app.server);
onShutdown(async () => {
  await app.close();
  await close();
});
