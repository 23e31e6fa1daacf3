/**
 * sessionkit/web runs the shared adapter suite through @hono/node-server's
 * Request/Response bridge (the same objects Bun, Deno and Workers hand over),
 * and shows that an immutable Response gets its headers on a copy.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { describe, it } from "node:test";
import { getRequestListener } from "@hono/node-server";
import { createSessions } from "sessionkit";
import { withSessions } from "sessionkit/web";
import { runRoute, streamChunks, testAdapter } from "../../src/testing/adapter-suite.js";
import { listen, webStream } from "./harness.js";

testAdapter("web", async (sessions, routes, options) => {
  const handler = withSessions(
    sessions,
    async (request, session) => {
      const url = new URL(request.url);
      const result = await runRoute(routes, session, { method: request.method, path: url.pathname, query: url.searchParams });
      const headers = new Headers();
      for (const [name, value] of result.headers ?? []) headers.append(name, value);
      const body = result.stream ? webStream(streamChunks(result.stream)) : (result.body ?? "");
      return new Response(body, { status: result.status ?? 200, headers });
    },
    options,
  );
  // What a runtime does with a handler that throws: a bare 500.
  const fetch = async (request: Request): Promise<Response> => {
    try {
      return await handler(request);
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      return new Response("Internal Server Error", { status: 500 });
    }
  };
  return listen(createServer(getRequestListener(fetch)));
}, { knowsClientAddress: false }); // a Request carries no client address

describe("sessionkit/web specifics", () => {
  it("Response.redirect (immutable headers) is copied and gets the cookie; an https: URL is secure", async () => {
    const handler = withSessions(createSessions({ secret: randomBytes(32).toString("base64url") }), (_request, session) => {
      session.set("user", "ada");
      return Response.redirect("https://example.com/home", 303);
    });
    const r = await handler(new Request("https://example.com/login"));
    assert.equal(r.status, 303);
    assert.equal(r.headers.get("location"), "https://example.com/home");
    assert.match(r.headers.getSetCookie()[0] ?? "", /^session=[^;]+; Secure; HttpOnly; Path=\/; SameSite=Lax$/);
    assert.equal(r.headers.get("vary"), "Cookie");
  });
});
