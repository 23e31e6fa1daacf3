/**
 * Section B of docs/security-model.md: fixation, regeneration, privilege
 * change — asserted on all six adapters (R79), and through the tutorial (Express).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createSessions, hashSessionId, storeContext } from "../../src/index.js";
import { MemoryStore } from "../../src/stores/memory.js";
import { ADAPTERS, SECRET, cookieOf, cookieValue, send, startApp, type AdapterName } from "../helpers/security-server.js";
import { startTutorial, type RunningTutorial } from "../../examples/tutorial/server.js";
import { readConfig } from "../../examples/tutorial/config.js";

/** An app whose routes log in (regenerating), read, write and report the session. */
async function authApp(adapter: AdapterName, store: MemoryStore, options: { grace: number; now?: () => number; keepData?: boolean }) {
  const sessions = createSessions({ secret: SECRET, store, regenerateGraceSeconds: options.grace, ...(options.now ? { now: options.now } : {}) });
  return startApp(
    sessions,
    async ({ session, url }) => {
      if (url === "/prelogin") session.set("cart", "pre-auth");
      if (url === "/login") {
        await session.regenerate(options.keepData === undefined ? {} : { keepData: options.keepData });
        session.set("user", "alice");
      }
      if (url === "/write") session.set("w", 1);
      return JSON.stringify({ user: session.get("user") ?? null, cart: session.get("cart") ?? null });
    },
    { adapter },
  );
}

for (const adapter of ADAPTERS) {
  describe(`B. fixation and regeneration [${adapter}]`, () => {
    it(`R7 regenerate issues a new id and retires the old record (gone, or a frozen link core never serves); replaying the old cookie is FRESH [${adapter}]`, async () => {
      const store = new MemoryStore();
      const app = await authApp(adapter, store, { grace: 0 });
      try {
        const first = await app.get("/prelogin");
        const oldCookie = cookieOf(first)!;
        const oldId = cookieValue(first)!;
        const login = await app.get("/login", { cookie: oldCookie });
        const newId = cookieValue(login)!;
        assert.notEqual(newId, oldId);
        // The store keeps the old record only as the frozen link a logout with the old id follows (a tombstone).
        const old = await store.load(hashSessionId(oldId), storeContext());
        assert.ok(old === undefined || (old.frozen === true && old.readableUntilMs !== undefined && old.readableUntilMs <= Date.now()), "old record is gone or a tombstone");
        const replay = await app.get("/", { cookie: oldCookie });
        assert.deepEqual(JSON.parse(replay.body), { user: null, cart: null });
        const fresh = await app.get("/", { cookie: `session=${newId}` });
        assert.equal(JSON.parse(fresh.body).user, "alice");
      } finally {
        await app.close();
      }
    });

    it(`R9 within the grace window the old id is readable but read-only; after it, FRESH [${adapter}]`, async () => {
      let nowMs = 1_800_000_000_000;
      const store = new MemoryStore(); // core passes its clock (nowMs) to the store
      const app = await authApp(adapter, store, { grace: 5, now: () => nowMs });
      try {
        const first = await app.get("/write");
        const oldCookie = cookieOf(first)!;
        await app.get("/login", { cookie: oldCookie });
        nowMs += 4_000;
        const read = await app.get("/", { cookie: oldCookie });
        assert.equal(read.status, 200, "readable inside the window");
        const write = await app.get("/write", { cookie: oldCookie });
        assert.equal(write.status, 409, "a write through the old id is refused");
        assert.deepEqual(write.setCookie, []);
        nowMs += 2_000;
        const late = await app.get("/write", { cookie: oldCookie });
        assert.equal(late.status, 200);
        assert.notEqual(cookieOf(late), oldCookie, "after the window the old id is FRESH and a new one is issued");
      } finally {
        await app.close();
      }
    });

    it(`R11 regenerate({ keepData: false }) carries no pre-login key into the logged-in session [${adapter}]`, async () => {
      const store = new MemoryStore();
      const app = await authApp(adapter, store, { grace: 0, keepData: false });
      try {
        const first = await app.get("/prelogin");
        const login = await app.get("/login", { cookie: cookieOf(first)! });
        assert.deepEqual(JSON.parse(login.body), { user: "alice", cart: null });
        const next = await app.get("/", { cookie: cookieOf(login)! });
        assert.deepEqual(JSON.parse(next.body), { user: "alice", cart: null });
      } finally {
        await app.close();
      }
    });
  });
}

describe("B. fixation: the tutorial and the documentation (no adapter choice)", () => {
  describe("R8 the tutorial's login regenerates the id", () => {
    let tutorial: RunningTutorial;
    before(async () => {
      tutorial = await startTutorial({ ...readConfig({ SESSION_STORE: "memory", SECRET_KEY: SECRET }), port: 0 });
    });
    after(() => tutorial.close());

    it("R8 POST /login answers with a different id than the one the visitor had, and the old id is not logged in", async () => {
      // The login form: its CSRF token starts a session, the id the visitor has before logging in.
      const anon = await send(tutorial.port, "/login");
      const before = cookieOf(anon)!;
      assert.ok(before, "the login form set a session");
      const token = /name="csrf_token" value="([A-Za-z0-9_-]+)"/.exec(anon.body)![1]!;
      const body = `username=alice&password=secret-pass&csrf_token=${token}`;
      const login = await send(tutorial.port, "/login", {
        method: "POST",
        cookie: before,
        headers: { "content-type": "application/x-www-form-urlencoded", "content-length": String(body.length) },
        body,
      });
      assert.ok(login.status === 303 || login.status === 302, `login status ${login.status}`);
      const after = cookieOf(login)!;
      assert.ok(after && after !== before, "a new session id after login");
      const profileOld = await send(tutorial.port, "/profile", { cookie: before });
      assert.equal(profileOld.status, 401, "the pre-login id carries no login");
      const profileNew = await send(tutorial.port, "/profile", { cookie: after });
      assert.equal(profileNew.status, 200);
    });
  });

  it("R10 SECURITY.md warns that cookie mode cannot revoke a copied cookie", () => {
    const text = readFileSync(new URL("../../SECURITY.md", import.meta.url), "utf8");
    assert.match(text, /cookie mode cannot revoke/i);
  });
});
