/**
 * sessionkit/hono runs the shared adapter suite on Hono 4 served by
 * @hono/node-server, and shows that a Response with immutable headers
 * (`Response.redirect`) still gets its Set-Cookie.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { describe, it } from "node:test";
import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";
import { createSessions } from "sessionkit";
import { sessionMiddleware, type SessionVariables } from "sessionkit/hono";
import { runRoute, streamChunks, testAdapter } from "../../src/testing/adapter-suite.js";
import { listen, webStream } from "./harness.js";

testAdapter("hono", async (sessions, routes, options) => {
  const app = new Hono<{ Variables: SessionVariables }>();
  app.use(sessionMiddleware(sessions, options));
  app.get("*", async (c) => {
    const url = new URL(c.req.url);
    const result = await runRoute(routes, c.get("session"), { method: c.req.method, path: url.pathname, query: url.searchParams });
    const headers = new Headers();
    for (const [name, value] of result.headers ?? []) headers.append(name, value);
    const body = result.stream ? webStream(streamChunks(result.stream)) : (result.body ?? "");
    return new Response(body, { status: result.status ?? 200, headers });
  });
  app.onError((_error, c) => c.text("Internal Server Error", 500));
  return listen(createServer(getRequestListener(app.fetch)));
}, { knowsClientAddress: false }); // a Request carries no client address

describe("sessionkit/hono specifics", () => {
  it("a Response.redirect (immutable headers) gets the Set-Cookie, typed c.get works", async () => {
    const app = new Hono<{ Variables: SessionVariables<{ user?: string }> }>();
    app.use(sessionMiddleware(createSessions<{ user?: string }>({ secret: randomBytes(32).toString("base64url") })));
    app.get("/login", (c) => {
      c.get("session").set("user", "ada");
      return Response.redirect("http://localhost/home", 302);
    });
    const r = await app.request("/login");
    assert.equal(r.status, 302);
    assert.equal(r.headers.get("location"), "http://localhost/home");
    assert.match(r.headers.getSetCookie()[0] ?? "", /^session=[^;]+; HttpOnly; Path=\/; SameSite=Lax$/);
    assert.equal(r.headers.get("cache-control"), "private, no-store");
  });
});
