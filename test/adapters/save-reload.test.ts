/**
 * session.save(), reload() and idHash through the express and web adapters,
 * on a store (the write lands mid-request, the final response carries the
 * cookie) and in cookie mode (save() encodes now, so its errors reach the
 * handler; the cookie goes out with the response headers).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { describe, it } from "node:test";
import express from "express";
import { CookieTooLargeError, createSessions, hashSessionId, type Session, type SessionManager, type StoreRecord } from "sessionkit";
import { sessionMiddleware } from "sessionkit/express";
import { MemoryStore } from "sessionkit/stores/memory";
import { withSessions } from "sessionkit/web";
import { cookieFrom, ctx, idFrom } from "sessionkit/testing";
import { listen } from "./harness.js";

const secret = randomBytes(32).toString("base64url");
type Data = Record<string, unknown>;

/** What the handler saw between its save() and its response. */
interface Seen {
  idHash?: string | undefined;
  stored?: StoreRecord | undefined;
  saveError?: unknown;
}

/** The route both adapters mount: a long job that saves midway; "/big" tries a cookie too large; "/reload" re-reads. */
async function route(path: string, session: Session<Data>, store: MemoryStore | undefined, seen: Seen): Promise<string> {
  if (path === "/job") {
    session.set("job", "running");
    await session.save();
    seen.idHash = session.idHash;
    if (store && seen.idHash) seen.stored = await store.load(seen.idHash, ctx());
    session.set("job", "done");
    return "ok";
  }
  if (path === "/big") {
    session.set("blob", randomBytes(4000).toString("base64")); // random: zlib cannot shrink it
    try {
      await session.save();
    } catch (error) {
      seen.saveError = error;
      session.delete("blob");
    }
    session.set("small", 1);
    return "ok";
  }
  session.set("draft", "unsaved");
  await session.reload();
  return String(session.get("job"));
}

type Start = (sessions: SessionManager<Data>, store: MemoryStore | undefined, seen: Seen) => Promise<{ fetch: (path: string, cookie?: string) => Promise<Response>; close: () => Promise<void> }>;

const ADAPTERS: Record<string, Start> = {
  express: async (sessions, store, seen) => {
    const app = express();
    app.use(sessionMiddleware(sessions));
    app.get(/.*/, async (req, res) => {
      res.type("text").send(await route(req.path, req.session, store, seen));
    });
    const server = await listen(createServer(app));
    return {
      fetch: (path, cookie) => fetch(server.url + path, { headers: cookie ? { cookie } : {} }),
      close: server.close,
    };
  },
  web: async (sessions, store, seen) => {
    const handler = withSessions(sessions, async (request, session) => new Response(await route(new URL(request.url).pathname, session, store, seen)));
    return {
      fetch: (path, cookie) => handler(new Request(`http://localhost${path}`, { headers: cookie ? { cookie } : {} })),
      close: async () => {},
    };
  },
};

for (const [name, start] of Object.entries(ADAPTERS)) {
  describe(`save/reload/idHash through sessionkit/${name}`, () => {
    it("store: the save lands mid-request under idHash; the response's cookie carries that id and the later change", async () => {
      const store = new MemoryStore();
      const sessions = createSessions<Data>({ secret, store });
      const seen: Seen = {};
      const app = await start(sessions, store, seen);
      try {
        const response = await app.fetch("/job");
        assert.equal(response.status, 200);
        const setCookie = response.headers.getSetCookie();
        assert.equal(setCookie.length, 1);
        const cookie = cookieFrom(setCookie);
        assert.equal(hashSessionId(idFrom(cookie)), seen.idHash);
        assert.equal(seen.stored?.data.job, JSON.stringify("running"), "the record was in the store before the response");
        const reload = await app.fetch("/reload", cookie);
        assert.equal(await reload.text(), "done", "reload() reads the store; the unsaved draft is dropped");
        assert.deepEqual(reload.headers.getSetCookie(), []);
        assert.equal((await sessions.load(cookie)).has("draft"), false);
      } finally {
        await app.close();
      }
    });

    it("cookie mode: save() encodes now (a cookie too large throws at the call), and the response sends the final cookie", async () => {
      const sessions = createSessions<Data>({ secret });
      const seen: Seen = {};
      const app = await start(sessions, undefined, seen);
      try {
        const job = await app.fetch("/job");
        assert.equal(seen.idHash, undefined, "cookie sessions have no id");
        const cookie = cookieFrom(job.headers.getSetCookie());
        assert.equal((await sessions.load(cookie)).get("job"), "done");
        const reload = await app.fetch("/reload", cookie);
        assert.equal(await reload.text(), "done", "reload() goes back to the request's cookie");
        const big = await app.fetch("/big", cookie);
        assert.ok(seen.saveError instanceof CookieTooLargeError);
        const after = await sessions.load(cookieFrom(big.headers.getSetCookie()));
        assert.deepEqual([after.get("job"), after.get("small"), after.has("blob")], ["done", 1, false]);
      } finally {
        await app.close();
      }
    });
  });
}
