/**
 * sessionkit/fastify runs the shared adapter suite on Fastify 5, and shows
 * that the plugin is not encapsulated (a route in a child context sees it).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import Fastify from "fastify";
import { createSessions } from "sessionkit";
import { fastifySessions } from "sessionkit/fastify";
import { runRoute, streamChunks, testAdapter } from "../../src/testing/adapter-suite.js";

testAdapter("fastify", async (sessions, routes, options) => {
  const app = Fastify({ logger: false });
  await app.register(fastifySessions, { sessions, ...options });
  app.get("/*", async (request, reply) => {
    const url = new URL(request.url, "http://localhost");
    const result = await runRoute(routes, request.session, { method: request.method, path: url.pathname, query: url.searchParams });
    reply.code(result.status ?? 200);
    for (const [name, value] of result.headers ?? []) reply.header(name, value);
    reply.type("text/plain; charset=utf-8");
    return result.stream ? Readable.from(streamChunks(result.stream)) : (result.body ?? "");
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, close: () => app.close() };
});

describe("sessionkit/fastify specifics", () => {
  it("routes registered in a child context see request.session (the plugin is not encapsulated)", async () => {
    const app = Fastify({ logger: false, forceCloseConnections: true });
    await app.register(fastifySessions, { sessions: createSessions({ secret: randomBytes(32).toString("base64url") }) });
    await app.register(async (child) => {
      child.get("/child", async (request) => {
        request.session.set("where", "child");
        return "ok";
      });
    });
    try {
      const r = await app.inject({ method: "GET", url: "/child" });
      assert.equal(r.statusCode, 200);
      const setCookie = r.headers["set-cookie"];
      assert.match(String(Array.isArray(setCookie) ? setCookie[0] : setCookie), /^session=[^;]+; HttpOnly; Path=\/; SameSite=Lax$/);
      assert.equal(r.headers.vary, "Cookie");
    } finally {
      await app.close();
    }
  });
});
