/**
 * @fastify/session with @fastify/cookie and its memory store: a ≥32-char
 * secret, saveUninitialized false and rolling false (so a read sends no
 * cookie), httpOnly SameSite cookie. `GET /__store` exposes the store's
 * content for the harness's no-write-on-read check.
 */
import Fastify from "fastify";
import fastifyCookie from "@fastify/cookie";
import fastifySession from "@fastify/session";
import { PORT, SECRET, USER, announce, nextCounter, onShutdown } from "./shared.js";

const storeMap = new Map<string, unknown>();
/** The session as this file uses it; other servers' plugins augment `request.session` differently. */
interface KeyValue {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}
const sessionOf = (request: { session: unknown }): KeyValue => request.session as KeyValue;

const app = Fastify({ logger: false });
await app.register(fastifyCookie);
await app.register(fastifySession, {
  secret: SECRET,
  cookieName: "sessionId",
  saveUninitialized: false,
  rolling: false,
  store: new fastifySession.MemoryStore(storeMap as never),
  cookie: { path: "/", httpOnly: true, sameSite: "lax", secure: false },
});
app.get("/login", async (request) => {
  sessionOf(request).set("user", USER);
  sessionOf(request).set("n", 0);
  return "ok";
});
app.get("/read", async (request) => String(sessionOf(request).get("user") ?? ""));
app.get("/write", async (request) => {
  const n = nextCounter();
  sessionOf(request).set("n", n);
  return String(n);
});
app.get("/__store", async () => Object.fromEntries(storeMap));
await app.listen({ port: PORT, host: "127.0.0.1" });
announce(app.server);
onShutdown(() => app.close());
