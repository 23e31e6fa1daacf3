/**
 * sessionkit/h3 on the real h3: examples/h3 served by h3 2's own `serve()`
 * and by h3 1 (Nuxt's) through its node listener, each with a signed cookie
 * and server-side (MemoryStore), driven over HTTP: log in, read, write, log
 * out, and the error paths (an HTTPError, a failing handler after a logout).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ServedProcess } from "../helpers/flask-app.js";
import { prepareExample, startExample } from "../helpers/examples.js";
import { Visitor } from "../tutorial/client.js";

const SECRET = "h3-example-secret-0123456789abcdef-0123456789";
const ATTRIBUTES = "HttpOnly; Path=/; SameSite=Lax";
const DELETION = "session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=/; SameSite=Lax";

before(() => prepareExample("h3"));

for (const major of ["2", "1"] as const) {
  for (const mode of ["cookie", "memory"] as const) {
    describe(`h3 ${major}, ${mode === "cookie" ? "signed cookie" : "server-side (MemoryStore)"}`, () => {
      let app: ServedProcess;
      before(async () => {
        app = await startExample("h3", { SECRET_KEY: SECRET, H3_MAJOR: major, ...(mode === "memory" ? { SESSION_STORE: "memory" } : {}) });
      });
      after(() => app?.stop());

      const form = (fields: Record<string, string>): [string, string] => [new URLSearchParams(fields).toString(), "application/x-www-form-urlencoded"];
      async function logIn(username: string): Promise<Visitor> {
        const v = new Visitor(app.url);
        const reply = await v.send("/login", { method: "POST", body: form({ username, password: "pw" })[0], headers: { "content-type": form({})[1], origin: app.url } });
        assert.equal(reply.status, 303);
        assert.equal(reply.headers.get("location"), "/profile");
        assert.equal(reply.setCookies.length, 1);
        assert.match(reply.setCookies[0]!, new RegExp(`^session=[\\w.-]{20,}; ${ATTRIBUTES}$`));
        assert.equal(reply.headers.get("cache-control"), "private, no-store");
        return v;
      }

      test("a stranger reads an empty session: no cookie, and Vary: Cookie", async () => {
        const reply = await new Visitor(app.url).get("/");
        assert.equal(reply.status, 200);
        assert.equal(reply.body, "You are not logged in");
        assert.deepEqual(reply.setCookies, []);
        assert.equal(reply.headers.get("vary"), "Cookie");
      });

      test("log in (a redirect h3 sends), then the session is read on the next requests", async () => {
        const v = await logIn("ada");
        assert.equal((await v.get("/")).body, "Logged in as ada");
        const profile = await v.get("/profile");
        assert.equal(profile.status, 200);
        assert.deepEqual(JSON.parse(profile.body), { username: "ada", visits: 0 });
      });

      test("a thrown HTTPError keeps its status, and a wrong password logs nobody in", async () => {
        const v = new Visitor(app.url);
        const reply = await v.send("/login", { method: "POST", body: form({ username: "ada", password: "no" })[0], headers: { "content-type": form({})[1], origin: app.url } });
        assert.equal(reply.status, 401);
        assert.deepEqual(reply.setCookies, []);
        assert.equal((await v.get("/profile")).status, 401);
      });

      test("writes are saved: the visit counter goes up", async () => {
        const v = await logIn("grace");
        for (const expected of [1, 2, 3]) {
          const reply = await v.send("/visits", { method: "POST", headers: { origin: app.url } });
          assert.equal(reply.status, 200);
          assert.deepEqual(JSON.parse(reply.body), { visits: expected });
          if (mode === "memory") assert.deepEqual(reply.setCookies, [], "the store is written; the id stays");
        }
        assert.deepEqual(JSON.parse((await v.get("/profile")).body), { username: "grace", visits: 3 });
      });

      test("csrfProtection: a POST that shows no origin is a 403 and saves nothing", async () => {
        const v = await logIn("ken");
        const reply = await v.send("/visits", { method: "POST" });
        assert.equal(reply.status, 403);
        assert.deepEqual(reply.setCookies, []);
        const cross = await v.send("/visits", { method: "POST", headers: { origin: "http://evil.example" } });
        assert.equal(cross.status, 403);
        assert.deepEqual(JSON.parse((await v.get("/profile")).body), { username: "ken", visits: 0 });
      });

      test("log out: the cookie is deleted, and a server-side session is gone for a replayed cookie", async () => {
        const v = await logIn("linus");
        const old = v.cookie;
        const reply = await v.send("/logout", { method: "POST", headers: { origin: app.url } });
        assert.equal(reply.status, 303);
        assert.deepEqual(reply.setCookies, [DELETION]);
        assert.equal((await v.get("/")).body, "You are not logged in");
        const replay = new Visitor(app.url);
        replay.cookie = old;
        assert.equal((await replay.get("/")).body, mode === "memory" ? "You are not logged in" : "Logged in as linus");
      });

      test("a handler that fails after logging out answers 500 and still deletes the cookie", async () => {
        const v = await logIn("barbara");
        const reply = await v.send("/logout-then-fail", { method: "POST", headers: { origin: app.url } });
        assert.equal(reply.status, 500);
        assert.deepEqual(reply.setCookies, [DELETION]);
      });

      test("a forged or truncated cookie is a fresh session, never a 500", async () => {
        const good = (await logIn("eve")).value!;
        for (const value of [good.slice(0, -2), `${good}x`, "%E0%A4%A", "a".repeat(4000)]) {
          const v = new Visitor(app.url);
          v.cookie = `session=${value}`;
          assert.equal((await v.get("/")).body, "You are not logged in");
          assert.equal((await v.send("/visits", { method: "POST", headers: { origin: app.url } })).status, 200);
        }
      });
    });
  }
}
