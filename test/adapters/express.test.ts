/**
 * sessionkit/express runs the shared adapter suite on Express 5, plus the
 * Express-only paths: res.redirect, and a late change reaching next(error).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import express, { type NextFunction, type Request, type Response } from "express";
import { createSessions, HeadersSentError } from "sessionkit";
import { sessionMiddleware } from "sessionkit/express";
import { runRoute, streamChunks, testAdapter } from "../../src/testing/adapter-suite.js";
import { listen } from "./harness.js";

testAdapter("express", async (sessions, routes, options) => {
  const app = express();
  app.use(sessionMiddleware(sessions, options));
  app.get(/.*/, async (req, res) => {
    const url = new URL(req.originalUrl, "http://localhost");
    const result = await runRoute(routes, req.session, { method: req.method, path: url.pathname, query: url.searchParams });
    res.status(result.status ?? 200);
    for (const [name, value] of result.headers ?? []) res.append(name, value);
    if (result.stream) Readable.from(streamChunks(result.stream)).pipe(res);
    else res.send(result.body ?? "");
  });
  // Quiet error handler: the suite provokes errors on purpose.
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    res.status(500).type("text/plain").send("Internal Server Error");
  });
  return listen(createServer(app));
});

const secret = randomBytes(32).toString("base64url");

describe("sessionkit/express specifics", () => {
  it("res.redirect carries the Set-Cookie, and the cookie logs the visitor in", async () => {
    const app = express();
    app.use(sessionMiddleware(createSessions({ secret })));
    app.get("/login", (req, res) => {
      req.session.set("user", "ada");
      res.redirect("/home");
    });
    app.get("/home", (req, res) => {
      res.send(`hello ${String(req.session.get("user"))}`);
    });
    const server = await listen(createServer(app));
    try {
      const r = await fetch(`${server.url}/login`, { redirect: "manual" });
      await r.text();
      assert.equal(r.status, 302);
      assert.equal(r.headers.get("location"), "/home");
      const line = r.headers.getSetCookie()[0] ?? "";
      assert.match(line, /^session=[^;]+; HttpOnly; Path=\/; SameSite=Lax$/);
      const home = await fetch(`${server.url}/home`, { headers: { cookie: line.split(";")[0]! } });
      assert.equal(await home.text(), "hello ada");
    } finally {
      await server.close();
    }
  });

  it("a change made after the head left throws HeadersSentError, which reaches next(error) (R23)", async () => {
    const errors: unknown[] = [];
    const app = express();
    app.use(sessionMiddleware(createSessions({ secret })));
    app.get("/", async (req, res) => {
      req.session.set("a", 1);
      res.write("part");
      await new Promise((resolve) => setTimeout(resolve, 20));
      req.session.set("b", 2);
      res.end();
    });
    app.use((error: unknown, _req: Request, _res: Response, next: NextFunction) => {
      errors.push(error);
      next(error);
    });
    const server = await listen(createServer(app));
    try {
      const r = await fetch(server.url);
      // Express's final handler cuts a response whose head has left: the body may end early.
      assert.equal(await r.text().catch(() => "part"), "part");
      await new Promise((resolve) => setTimeout(resolve, 30));
      assert.equal(errors.length, 1);
      assert.ok(errors[0] instanceof HeadersSentError);
    } finally {
      await server.close();
    }
  });
});
