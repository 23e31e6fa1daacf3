/**
 * sessionkit/react-router on the real React Router 7 in framework mode:
 * examples/react-router built with `react-router build` (after typegen and
 * tsc) and served by `react-router-serve`, driven over HTTP as a browser
 * without JavaScript posts its forms: log in with an action, read in
 * loaders, write with an action, log out with destroySession.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ServedProcess } from "../helpers/flask-app.js";
import { prepareExample, startExample } from "../helpers/examples.js";
import { Visitor } from "../tutorial/client.js";

const SECRET = "react-router-example-secret-0123456789abcdef-01";
const ATTRIBUTES = "HttpOnly; Path=/; SameSite=Lax";

before(() => prepareExample("react-router"));

function status(html: string): string | undefined {
  return /<p id="status">([^<]*)<\/p>/.exec(html)?.[1];
}

for (const mode of ["cookie", "memory"] as const) {
  describe(`React Router ${mode === "cookie" ? "signed cookie" : "server-side (MemoryStore)"}`, () => {
    let app: ServedProcess;
    before(async () => {
      app = await startExample("react-router", { SECRET_KEY: SECRET, ...(mode === "memory" ? { SESSION_STORE: "memory" } : {}) });
    });
    after(() => app?.stop());

    const post = (v: Visitor, path: string, fields: Record<string, string> = {}, headers: Record<string, string> = { origin: app.url }) =>
      v.send(path, { method: "POST", body: new URLSearchParams(fields).toString(), headers: { "content-type": "application/x-www-form-urlencoded", ...headers } });

    async function logIn(username: string): Promise<Visitor> {
      const v = new Visitor(app.url);
      const reply = await post(v, "/login", { username, password: "pw" });
      assert.equal(reply.status, 302);
      assert.equal(reply.headers.get("location"), "/profile");
      assert.equal(reply.setCookies.length, 1);
      assert.match(reply.setCookies[0]!, new RegExp(`^session=[\\w.-]{20,}; ${ATTRIBUTES}$`));
      return v;
    }

    test("a stranger: the loader reads an empty session, sets no cookie (not even an empty header), Vary: Cookie", async () => {
      const reply = await new Visitor(app.url).get("/");
      assert.equal(reply.status, 200);
      assert.equal(status(reply.body), "You are not logged in");
      assert.deepEqual(reply.setCookies, []);
      assert.match(reply.headers.get("vary") ?? "", /^Cookie\b/);
    });

    test("the login action logs in; loaders read the session", async () => {
      const v = await logIn("ada");
      assert.equal(status((await v.get("/")).body), "Logged in as ada");
      const profile = await v.get("/profile");
      assert.equal(profile.status, 200);
      assert.match(profile.body, /<h1 id="profile">Profile of <!-- -->ada<\/h1>/);
    });

    test("a wrong password is the action's 401, and logs nobody in", async () => {
      const v = new Visitor(app.url);
      const reply = await post(v, "/login", { username: "ada", password: "no" });
      assert.equal(reply.status, 401);
      assert.match(reply.body, /Wrong username or password/);
      assert.deepEqual(reply.setCookies, []);
      assert.equal((await v.get("/profile")).status, 302);
    });

    test("the profile action writes the session", async () => {
      const v = await logIn("grace");
      for (let i = 0; i < 2; i++) {
        const reply = await post(v, "/profile", { intent: "visit" });
        assert.equal(reply.status, 200);
        if (mode === "memory") assert.deepEqual(reply.setCookies, []);
        else assert.equal(reply.setCookies.length, 1);
      }
      assert.match((await v.get("/profile")).body, /<p id="visits">Visits: <!-- -->2<\/p>/);
    });

    test("csrfProtection answers 403 to a POST that shows no origin; React Router's own check refuses another origin", async () => {
      const v = await logIn("ken");
      const bare = await post(v, "/profile", { intent: "visit" }, {});
      assert.equal(bare.status, 403);
      assert.deepEqual(bare.setCookies, []);
      const cross = await post(v, "/profile", { intent: "visit" }, { origin: "http://evil.example" });
      assert.equal(cross.status, 400);
      assert.deepEqual(cross.setCookies, []);
      assert.match((await v.get("/profile")).body, /Visits: <!-- -->0/);
    });

    test("destroySession logs out: the cookie is deleted; a replayed server-side cookie is no longer a login", async () => {
      const v = await logIn("linus");
      const old = v.cookie;
      const reply = await post(v, "/profile", { intent: "logout" });
      assert.equal(reply.status, 302);
      assert.equal(reply.headers.get("location"), "/");
      assert.deepEqual(reply.setCookies, [`session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; ${ATTRIBUTES}`]);
      assert.equal(status((await v.get("/")).body), "You are not logged in");
      const replay = new Visitor(app.url);
      replay.cookie = old;
      assert.equal(status((await replay.get("/")).body), mode === "memory" ? "You are not logged in" : "Logged in as linus");
    });

    test("a forged or truncated cookie is a fresh session, never a 500", async () => {
      const good = (await logIn("eve")).value!;
      for (const value of [good.slice(0, -2), `${good}x`, "%E0%A4%A", "a".repeat(4000)]) {
        const v = new Visitor(app.url);
        v.cookie = `session=${value}`;
        const home = await v.get("/");
        assert.equal(home.status, 200);
        assert.equal(status(home.body), "You are not logged in");
        assert.equal((await v.get("/profile")).status, 302);
      }
    });
  });
}
