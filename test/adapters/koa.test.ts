/**
 * sessionkit/koa runs the shared adapter suite on Koa 3, and shows that a
 * 4xx thrown after a change keeps its cookie through Koa's ctx.onerror.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import Koa from "koa";
import { createSessions } from "sessionkit";
import { sessionMiddleware } from "sessionkit/koa";
import { runRoute, streamChunks, testAdapter } from "../../src/testing/adapter-suite.js";
import { listen } from "./harness.js";

/** A Koa app that does not print the errors the suite provokes on purpose. */
function quietKoa(): Koa {
  const app = new Koa();
  app.silent = true;
  return app;
}

testAdapter("koa", async (sessions, routes, options) => {
  const app = quietKoa();
  app.use(sessionMiddleware(sessions, options));
  app.use(async (ctx) => {
    const result = await runRoute(routes, ctx.session, { method: ctx.method, path: ctx.path, query: new URLSearchParams(ctx.querystring) });
    ctx.status = result.status ?? 200;
    for (const [name, value] of result.headers ?? []) ctx.append(name, value);
    ctx.body = result.stream ? Readable.from(streamChunks(result.stream)) : (result.body ?? "");
  });
  return listen(createServer(app.callback()));
});

describe("sessionkit/koa specifics", () => {
  it("a 4xx thrown after a change keeps the session cookie; a 5xx thrown saves nothing", async () => {
    const app = quietKoa();
    app.use(sessionMiddleware(createSessions({ secret: randomBytes(32).toString("base64url") })));
    app.use(async (ctx) => {
      ctx.session.set("tries", 1);
      ctx.throw(ctx.path === "/forbidden" ? 403 : 503, "no");
    });
    const server = await listen(createServer(app.callback()));
    try {
      const forbidden = await fetch(`${server.url}/forbidden`);
      await forbidden.text();
      assert.equal(forbidden.status, 403);
      assert.match(forbidden.headers.getSetCookie()[0] ?? "", /^session=[^;]+; HttpOnly; Path=\/; SameSite=Lax$/);
      assert.equal(forbidden.headers.get("vary"), "Cookie");
      const unavailable = await fetch(`${server.url}/down`);
      await unavailable.text();
      assert.equal(unavailable.status, 503);
      assert.deepEqual(unavailable.headers.getSetCookie(), []);
    } finally {
      await server.close();
    }
  });
});
