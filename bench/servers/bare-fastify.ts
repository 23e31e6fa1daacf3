/** Fastify with no session: the ceiling of the Fastify rows. */
import Fastify from "fastify";
import { PORT, USER, announce, nextCounter, onShutdown } from "./shared.js";

const app = Fastify({ logger: false });
app.get("/login", async () => "ok");
app.get("/read", async () => USER);
app.get("/write", async () => String(nextCounter()));
await app.listen({ port: PORT, host: "127.0.0.1" });
announce(app.server);
onShutdown(() => app.close());
