/**
 * One bad request must never end the process (issue #14, item 3). node:http
 * and Express hold the response until the session is committed and replay
 * the app's `write`/`end` afterwards; a call node refuses (a non-string
 * chunk, which `res.end(req.query.msg)` hands over when the query repeats a
 * key) used to throw during the replay, where nobody could catch it: an
 * unhandled rejection, and the process exited. Now the call is refused at
 * the app's own call, as node would, so the framework's error path answers
 * 500 and the server keeps serving. (The test runner itself fails a file on
 * any unhandled rejection or uncaught exception: test/core/strict-process.test.ts.)
 *
 * Also: a Web handler that throws after destroy() still sends the deletion
 * cookie (issue #14, item 6).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { createSessions, type SessionManager } from "../../src/index.js";
import { sessionMiddleware } from "../../src/adapters/express.js";
import { withSessions as withNodeSessions } from "../../src/adapters/node.js";
import { withSessions as withWebSessions } from "../../src/adapters/web.js";
import { MemoryStore } from "../../src/stores/memory.js";
import { SECRET } from "../helpers/security-server.js";

const MODES = {
  cookie: () => createSessions({ secret: SECRET }),
  store: () => createSessions({ secret: SECRET, store: new MemoryStore() }),
  revocable: () => createSessions({ secret: SECRET, revocation: { store: new MemoryStore() } }),
} satisfies Record<string, () => SessionManager>;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Silence the adapters' own error log for the duration of `run`, keeping what was logged. */
async function quietly<T>(run: () => Promise<T>): Promise<{ result: T; logged: string[] }> {
  const logged: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void logged.push(args.map(String).join(" "));
  try {
    return { result: await run(), logged };
  } finally {
    console.error = original;
  }
}

for (const [mode, make] of Object.entries(MODES)) {
  describe(`R79 a response call node refuses takes the framework's error path (${mode})`, () => {
    it(`R79 node: res.end(<an array from a repeated query key>) answers 500, is logged, and the server keeps serving (${mode})`, async () => {
      const sessions = make();
      const server = createServer(
        withNodeSessions(sessions, (req, res) => {
          const msg = new URL(req.url!, "http://x").searchParams.getAll("msg");
          req.session.set("seen", true);
          res.end(msg.length > 1 ? (msg as unknown as string) : (msg[0] ?? "ok"));
        }),
      );
      const base = await listen(server);
      try {
        const { result: bad, logged } = await quietly(() => fetch(`${base}/?msg=a&msg=b`));
        assert.equal(bad.status, 500);
        assert.ok(logged.some((line) => line.includes("ERR_INVALID_ARG_TYPE") || line.includes("chunk")), "the error was logged");
        const good = await fetch(`${base}/?msg=fine`);
        assert.equal(good.status, 200);
        assert.equal(await good.text(), "fine");
      } finally {
        await close(server);
      }
    });

    it(`R79 Express: res.end(req.query.msg) with a repeated key goes to Express's error handler, and the server keeps serving (${mode})`, async () => {
      const sessions = make();
      const app = express();
      app.use(sessionMiddleware(sessions));
      app.get("/", (req, res) => {
        req.session.set("seen", true);
        res.end(req.query.msg as string);
      });
      const handled: string[] = [];
      app.use((error: Error & { code?: string }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        handled.push(error.code ?? error.name);
        res.status(500).send("handled");
      });
      const server = createServer(app);
      const base = await listen(server);
      try {
        const bad = await fetch(`${base}/?msg=a&msg=b`);
        assert.equal(bad.status, 500);
        assert.equal(await bad.text(), "handled");
        assert.deepEqual(handled, ["ERR_INVALID_ARG_TYPE"]);
        const good = await fetch(`${base}/?msg=fine`);
        assert.equal(good.status, 200);
        assert.equal(await good.text(), "fine");
      } finally {
        await close(server);
      }
    });
  });
}

describe("R19 a Web handler that throws after destroy() still logs the visitor out", () => {
  for (const mode of ["cookie", "store"] as const) {
    it(`R19 the 500 carries the deletion cookie (${mode})`, async () => {
      const sessions = MODES[mode]();
      const fetchHandler = withWebSessions(sessions, async (request, session) => {
        if (new URL(request.url).pathname === "/login") {
          await session.login("alice");
          session.set("user", "alice");
          return new Response("in");
        }
        await session.destroy();
        throw new Error("the app failed after logging out");
      });
      const login = await fetchHandler(new Request("http://x/login"));
      const cookie = login.headers.getSetCookie()[0]!.split(";")[0]!;
      const { result: failed } = await quietly(() => fetchHandler(new Request("http://x/logout", { headers: { cookie } })));
      assert.equal(failed.status, 500);
      const deletion = failed.headers.getSetCookie();
      assert.equal(deletion.length, 1);
      assert.match(deletion[0]!, /^session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0/);
      assert.equal((await sessions.load(cookie)).get("user"), mode === "store" ? undefined : "alice", "server-side: the record is gone too");
    });
  }
});
