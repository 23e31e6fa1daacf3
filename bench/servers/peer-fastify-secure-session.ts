/**
 * @fastify/secure-session (libsodium secretbox cookies) with a 32-byte key,
 * as its README recommends for production (a key, not a passphrase, so no
 * per-start key derivation), httpOnly SameSite cookie on path /.
 */
import Fastify from "fastify";
import fastifySecureSession from "@fastify/secure-session";
import { KEY_BYTES, PORT, USER, announce, nextCounter, onShutdown } from "./shared.js";

/** The session as this file uses it; other servers' plugins augment `request.session` differently. */
interface KeyValue {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}
const sessionOf = (request: { session: unknown }): KeyValue => request.session as KeyValue;

const app = Fastify({ logger: false });
await app.register(fastifySecureSession, {
  key: KEY_BYTES,
  cookieName: "session",
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
await app.listen({ port: PORT, host: "127.0.0.1" });
announce(app.server);
onShutdown(() => app.close());
