/**
 * sessionkit/next on the real Next.js: examples/next built with `next build`
 * and served by `next start`, driven over HTTP as a browser without
 * JavaScript drives it (Server Action forms posted as multipart). The
 * signed-cookie app and the server-side app (MemoryStore) run the same
 * scenarios: log in with a Server Action, read in Server Components, write in
 * a Route Handler, log out with a Server Action. Middleware (on the Edge
 * runtime) reads the signed-cookie session before the profile renders.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { ServedProcess } from "../helpers/flask-app.js";
import { exampleDir, prepareExample, startExample } from "../helpers/examples.js";
import { Visitor } from "../tutorial/client.js";
import { submitForm } from "./forms.js";

const SECRET = "next-example-secret-0123456789abcdef-0123456789";
const ATTRIBUTES = "Path=/; HttpOnly; SameSite=lax";

before(() => prepareExample("next"));

/** Where a redirect sends the visitor: path and query, so Middleware's (`?from=/profile`) tells apart from the page's own. */
function redirectTarget(reply: { status: number; headers: Headers }, base: string): string {
  assert.equal(reply.status, 307, "a temporary redirect");
  const url = new URL(reply.headers.get("location")!, base);
  return url.pathname + url.search;
}

test("next build made middleware.ts an Edge runtime function for /profile, with sessionkit in its bundle", () => {
  const manifest = JSON.parse(readFileSync(join(exampleDir("next"), ".next/server/middleware-manifest.json"), "utf8"));
  const middleware = manifest.middleware["/"];
  assert.equal(middleware?.name, "middleware", "Edge Middleware is listed in middleware-manifest.json (Node.js Middleware is not)");
  assert.deepEqual(middleware.matchers.map((m: { originalSource: string }) => m.originalSource), ["/profile"]);
  const code = middleware.files.map((file: string) => readFileSync(join(exampleDir("next"), ".next", file), "utf8")).join("\n");
  // (Next's own Edge wrapper names node:buffer and node:async_hooks, which its Edge runtime provides.)
  assert.ok(code.includes("Middleware cannot set the session cookie"), "sessionkit/next is in the Edge bundle");
  // #runtime resolved to the Web Crypto set (src/runtime/web.ts), not node:crypto's.
  assert.match(code, /crypto\.subtle\.importKey\("raw",\w+,\{name:"HMAC"/);
  assert.ok(!code.includes("createHmac"), "no node:crypto HMAC in the Edge bundle");
});

/** The status line the home page shows. */
function status(html: string): string | undefined {
  return /<p id="status">([^<]*)<\/p>/.exec(html)?.[1];
}

async function logIn(app: ServedProcess, username: string, extra: Record<string, string> = {}): Promise<Visitor> {
  const v = new Visitor(app.url);
  const reply = await submitForm(v, "/login", { username, password: "pw", ...extra });
  assert.equal(reply.status, 303, "the login action redirects");
  assert.equal(reply.headers.get("location"), "/profile");
  return v;
}

for (const mode of ["cookie", "memory"] as const) {
  describe(`Next.js ${mode === "cookie" ? "signed cookie" : "server-side (MemoryStore)"}`, () => {
    let app: ServedProcess;
    before(async () => {
      app = await startExample("next", { SECRET_KEY: SECRET, ...(mode === "memory" ? { SESSION_STORE: "memory" } : {}) });
    });
    after(() => app?.stop());

    test("a first visit: the Server Component reads an empty session, sets no cookie, and Next.js keeps caches away", async () => {
      const reply = await new Visitor(app.url).get("/");
      assert.equal(reply.status, 200);
      assert.equal(status(reply.body), "You are not logged in");
      assert.deepEqual(reply.setCookies, []);
      assert.match(reply.headers.get("cache-control") ?? "", /^private, .*no-store/);
    });

    test("the login Server Action logs in: the cookie is set through cookies(), and the profile reads it", async () => {
      const v = new Visitor(app.url);
      const reply = await submitForm(v, "/login", { username: "ada", password: "pw" });
      assert.equal(reply.status, 303);
      assert.equal(reply.setCookies.length, 1);
      // A browser-session cookie (no remember me), with core's attributes as Next.js writes them.
      assert.match(reply.setCookies[0]!, new RegExp(`^session=[\\w.-]{20,}; ${ATTRIBUTES}$`));
      if (mode === "memory") assert.match(v.value!, /^[\w-]{43}$/, "a server-side session id");
      const profile = await v.get("/profile");
      assert.equal(profile.status, 200);
      assert.match(profile.body, /<h1 id="profile">Profile of <!-- -->ada<\/h1>/);
      assert.match(profile.body, /Until the browser closes/);
      assert.equal(status((await v.get("/")).body), "Logged in as ada");
    });

    test("remember me makes the session permanent: Expires 31 days on", async () => {
      const v = new Visitor(app.url);
      const reply = await submitForm(v, "/login", { username: "grace", password: "pw", remember: "on" });
      assert.equal(reply.status, 303);
      const expires = /; Expires=([^;]+);/.exec(reply.setCookies[0]!)?.[1];
      assert.ok(expires, reply.setCookies[0]);
      const days = (Date.parse(expires) - Date.now()) / 86_400_000;
      assert.ok(days > 30.9 && days <= 31, `expires in ${days} days`);
      assert.match((await v.get("/profile")).body, /Remembered/);
    });

    test("a wrong password is answered by the action's state, and changes nothing", async () => {
      const v = new Visitor(app.url);
      const reply = await submitForm(v, "/login", { username: "ada", password: "nope" });
      assert.equal(reply.status, 200);
      assert.match(reply.body, /Wrong username or password/);
      assert.deepEqual(reply.setCookies, []);
    });

    test("a login posted without Origin or Sec-Fetch-Site is refused by csrfProtection, and nobody is logged in", async () => {
      const v = new Visitor(app.url);
      const reply = await submitForm(v, "/login", { username: "mallory", password: "pw" }, { origin: null });
      assert.equal(reply.status, 500, "the CsrfError thrown in the action reaches Next's error path");
      assert.deepEqual(reply.setCookies, []);
      assert.match(app.stderr(), /CsrfError|CSRF check failed/);
    });

    test("a login posted from another origin is refused, and nobody is logged in", async () => {
      const v = new Visitor(app.url);
      const reply = await submitForm(v, "/login", { username: "mallory", password: "pw" }, { origin: "http://evil.example" });
      assert.notEqual(reply.status, 303);
      assert.deepEqual(reply.setCookies, []);
    });

    test("the Route Handler writes with updateSession and reads with getSession; the profile sees its count", async () => {
      const v = await logIn(app, "linus");
      const origin = { origin: app.url };
      for (const expected of [1, 2]) {
        const reply = await v.send("/api/visits", { method: "POST", headers: origin });
        assert.equal(reply.status, 200);
        assert.deepEqual(JSON.parse(reply.body), { visits: expected });
        if (mode === "cookie") assert.match(reply.setCookies[0]!, new RegExp(`^session=[\\w.-]+; ${ATTRIBUTES}$`));
        else assert.deepEqual(reply.setCookies, [], "a store write keeps the session's id: no new cookie");
      }
      const read = await v.get("/api/visits");
      assert.deepEqual(JSON.parse(read.body), { username: "linus", visits: 2 });
      assert.equal(read.headers.get("cache-control"), "private, no-store");
      assert.deepEqual(read.setCookies, []);
      assert.match((await v.get("/profile")).body, /Visits counted by the Route Handler: <!-- -->2/);
    });

    test("the Route Handler's csrfProtection answers 403 to a POST that shows no origin, and saves nothing", async () => {
      const v = await logIn(app, "ken");
      const reply = await v.post("/api/visits", "");
      assert.equal(reply.status, 403);
      assert.match(reply.body, /CSRF check failed/);
      assert.deepEqual(reply.setCookies, []);
      assert.deepEqual(JSON.parse((await v.get("/api/visits")).body), { username: "ken", visits: 0 });
    });

    test("the logout Server Action deletes the cookie; the old cookie no longer logs in (server-side) or still decodes (cookie)", async () => {
      const v = await logIn(app, "barbara");
      const before = v.cookie!;
      const reply = await submitForm(v, "/profile", {});
      assert.equal(reply.status, 303);
      assert.equal(reply.headers.get("location"), "/");
      assert.deepEqual(reply.setCookies, [`session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; SameSite=lax`]);
      assert.equal(v.cookie, undefined);
      assert.equal(status((await v.get("/")).body), "You are not logged in");
      const replay = new Visitor(app.url);
      replay.cookie = before;
      // A store forgets the session at logout; a signed cookie cannot be recalled (docs say so: use a store or revocation).
      assert.equal(status((await replay.get("/")).body), mode === "memory" ? "You are not logged in" : "Logged in as barbara");
    });

    test("a forged, truncated or foreign cookie is a fresh session everywhere, never a 500", async () => {
      const good = (await logIn(app, "eve")).value!;
      for (const value of [good.slice(0, -2), `${good}x`, "garbage", "%E0%A4%A", "a".repeat(4000)]) {
        const v = new Visitor(app.url);
        v.cookie = `session=${value}`;
        assert.equal(status((await v.get("/")).body), "You are not logged in", value.slice(0, 20));
        // Middleware (cookie mode) or the page itself (server-side) sends a stranger to /login.
        assert.equal(redirectTarget(await v.get("/profile"), app.url), mode === "cookie" ? "/login?from=/profile" : "/login");
        const post = await v.send("/api/visits", { method: "POST", headers: { origin: app.url } });
        assert.equal(post.status, 200);
        assert.deepEqual(JSON.parse(post.body), { visits: 1 });
      }
    });

    test(mode === "cookie"
      ? "Middleware reads the session on the Edge runtime: a stranger is sent to /login before the profile renders, a logged-in visitor goes through"
      : "Middleware leaves a server-side session to the profile page, which sends a stranger to /login itself", async () => {
      const stranger = await new Visitor(app.url).get("/profile");
      assert.equal(redirectTarget(stranger, app.url), mode === "cookie" ? "/login?from=/profile" : "/login");
      assert.deepEqual(stranger.setCookies, [], "Middleware sets no cookie");
      const v = await logIn(app, "margaret");
      const profile = await v.get("/profile");
      assert.equal(profile.status, 200);
      assert.match(profile.body, /<h1 id="profile">Profile of <!-- -->margaret<\/h1>/);
      assert.deepEqual(profile.setCookies, []);
      // Logged out, the same visitor is stopped again.
      assert.equal((await submitForm(v, "/profile", {})).status, 303);
      assert.equal(redirectTarget(await v.get("/profile"), app.url), mode === "cookie" ? "/login?from=/profile" : "/login");
    });

    test("a Server Component that changes the session fails with ReadOnlySessionError, naming the call and where to make it", async () => {
      const reply = await new Visitor(app.url).get("/read-only");
      assert.equal(reply.status, 500);
      assert.match(app.stderr(), /session\.set\(\) changes a session that can only be read here; Next\.js sets cookies only in Server Actions and Route Handlers/);
    });
  });
}
