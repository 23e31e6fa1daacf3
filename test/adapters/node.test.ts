/**
 * sessionkit/node runs the shared adapter suite, plus what only a raw
 * node:http handler can do: writeHead with header arrays, flushHeaders, and a
 * change after the head has left.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer, type ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import { createSessions, HeadersSentError } from "sessionkit";
import { withSessions } from "sessionkit/node";
import { MemoryStore } from "sessionkit/stores/memory";
import { runRoute, streamChunks, testAdapter, type RouteTable } from "../../src/testing/adapter-suite.js";
import { listen } from "./harness.js";

testAdapter("node", async (sessions, routes: RouteTable, options) =>
  listen(
    createServer(
      withSessions(
        sessions,
        async (req, res) => {
          const url = new URL(req.url ?? "/", "http://localhost");
          const result = await runRoute(routes, req.session, { method: req.method ?? "GET", path: url.pathname, query: url.searchParams });
          res.statusCode = result.status ?? 200;
          for (const [name, value] of result.headers ?? []) res.appendHeader(name, value);
          if (result.stream) await pipe(Readable.from(streamChunks(result.stream)), res);
          else res.end(result.body ?? "");
        },
        options,
      ),
    ),
  ),
);

function pipe(source: Readable, res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    source.once("error", reject);
    res.once("finish", resolve);
    source.pipe(res);
  });
}

const secret = randomBytes(32).toString("base64url");

describe("sessionkit/node specifics", () => {
  it("writeHead with a header array keeps every Set-Cookie line (on-headers CVE-2025-7339)", async () => {
    const server = await listen(
      createServer(
        withSessions(createSessions({ secret }), (req, res) => {
          req.session.set("a", 1);
          res.writeHead(201, ["Set-Cookie", "x=1", "Set-Cookie", "y=2", "Vary", "Origin"]).end("made");
        }),
      ),
    );
    try {
      const r = await fetch(server.url);
      assert.equal(r.status, 201);
      assert.equal(await r.text(), "made");
      const lines = r.headers.getSetCookie();
      assert.deepEqual(lines.slice(0, 2), ["x=1", "y=2"]);
      assert.match(lines[2]!, /^session=[^;]+; HttpOnly; Path=\/; SameSite=Lax$/);
      assert.equal(r.headers.get("vary"), "Origin, Cookie");
    } finally {
      await server.close();
    }
  });

  it("flushHeaders waits for the commit, and a change after it throws HeadersSentError at the call (R23)", async () => {
    const sessions = createSessions({ secret });
    const thrown: unknown[] = [];
    const server = await listen(
      createServer(
        withSessions(sessions, async (req, res) => {
          req.session.set("a", 1);
          res.flushHeaders();
          await new Promise((resolve) => setTimeout(resolve, 20));
          try {
            req.session.set("b", 2);
          } catch (error) {
            thrown.push(error);
          }
          assert.equal(req.session.get("a"), 1, "reads stay allowed");
          res.end("late");
        }),
      ),
    );
    try {
      const r = await fetch(server.url);
      const line = r.headers.getSetCookie()[0]!;
      assert.match(line, /^session=/);
      assert.equal(await r.text(), "late");
      assert.equal(thrown.length, 1);
      assert.ok(thrown[0] instanceof HeadersSentError);
      assert.equal((thrown[0] as HeadersSentError).code, "HEADERS_SENT");
      const saved = await sessions.load(line.split(";")[0]);
      assert.deepEqual({ ...saved.toJSON() }, { a: 1 });
    } finally {
      await server.close();
    }
  });

  it("two managers on one response (one wrapper inside the other) both commit, in either mode, streamed or not", async () => {
    for (const outerStore of [false, true]) {
      for (const streamed of [false, true]) {
        const outer = createSessions({ secret, cookie: { name: "outer" }, ...(outerStore ? { store: new MemoryStore() } : {}) });
        const inner = createSessions({ secret, cookie: { name: "inner" } });
        const server = await listen(
          createServer(
            withSessions(outer, (req, res) => {
              const first = req.session;
              return withSessions(inner, (req, res) => {
                first.set("a", 1);
                req.session.set("b", 2);
                res.setHeader("Content-Type", "text/plain");
                if (streamed) {
                  res.write("one,");
                  setTimeout(() => res.end("two"), 5);
                } else res.end("one,two");
              })(req, res);
            }),
          ),
        );
        try {
          const r = await fetch(server.url);
          assert.equal(r.status, 200);
          assert.equal(await r.text(), "one,two");
          const lines = r.headers.getSetCookie();
          assert.deepEqual(lines.map((l) => l.split("=")[0]).sort(), ["inner", "outer"], `store outside: ${outerStore}, streamed: ${streamed}`);
          const cookie = lines.map((l) => l.split(";")[0]).join("; ");
          assert.equal((await outer.load(cookie)).get("a"), 1);
          assert.equal((await inner.load(cookie)).get("b"), 2);
        } finally {
          await server.close();
        }
      }
    }
  });

  it("a res.write/res.end the app installs after the hold stays in effect after the commit, in either mode, under one hold or two", async () => {
    for (const store of [false, true]) {
      for (const nested of [false, true]) {
        const label = `store: ${store}, two holds: ${nested}`;
        const sessions = createSessions({ secret, ...(store ? { store: new MemoryStore() } : {}) });
        const outer = createSessions({ secret, cookie: { name: "outer" } });
        const seen: { calls: number; writeKept: boolean; endKept: boolean }[] = [];
        const app = withSessions(sessions, async (req, res) => {
          // The app's own wrappers, installed over the hold's: they count and upper-case.
          const write = res.write;
          const end = res.end;
          const state = { calls: 0, writeKept: false, endKept: false };
          seen.push(state);
          const upper = (chunk: unknown): unknown => (typeof chunk === "string" ? chunk.toUpperCase() : chunk);
          const appWrite = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
            state.calls++;
            return (write as (...args: unknown[]) => boolean).call(this, upper(chunk), ...rest);
          } as ServerResponse["write"];
          const appEnd = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
            state.calls++;
            return (end as (...args: unknown[]) => ServerResponse).call(this, upper(chunk), ...rest);
          } as ServerResponse["end"];
          res.write = appWrite;
          res.end = appEnd;
          req.session.set("a", 1);
          res.setHeader("Content-Type", "text/plain");
          res.write("one,");
          await new Promise((resolve) => setTimeout(resolve, 10));
          res.write("two,");
          state.writeKept = res.write === appWrite;
          res.end("three");
          state.endKept = res.end === appEnd;
        });
        const listener = nested
          ? withSessions(outer, (req, res) => {
              req.session.set("o", 1);
              return app(req, res);
            })
          : app;
        const server = await listen(createServer(listener));
        try {
          const r = await fetch(server.url);
          assert.equal(r.status, 200, label);
          assert.equal(await r.text(), "ONE,TWO,THREE", label);
          const lines = r.headers.getSetCookie();
          assert.deepEqual(lines.map((l) => l.split("=")[0]).sort(), nested ? ["outer", "session"] : ["session"], label);
          const cookie = lines.map((l) => l.split(";")[0]).join("; ");
          assert.equal((await sessions.load(cookie)).get("a"), 1, label);
          if (nested) assert.equal((await outer.load(cookie)).get("o"), 1, label);
          assert.deepEqual(seen, [{ calls: 3, writeKept: true, endKept: true }], label);
        } finally {
          await server.close();
        }
      }
    }
  });
});
