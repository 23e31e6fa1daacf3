/**
 * Every route of the tutorial over real HTTP, in cookie mode and on SQLite:
 * the same visitor story must hold whatever stores the session. Forms are
 * submitted as a browser does (`Visitor.submit`: the page's CSRF token and
 * this site's Origin); what happens without them is csrf.test.ts.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { readConfig } from "../../examples/tutorial/config.js";
import { startTutorial, type RunningTutorial } from "../../examples/tutorial/server.js";
import { csrfTokenOf, form, looksLikeStackTrace, Visitor } from "./client.js";

const SECRET = "tutorial-routes-test-secret-0123456789abcdef";
const dir = mkdtempSync(join(tmpdir(), "sk-tutorial-routes-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const modes = [
  { name: "cookie mode (signed)", env: { SESSION_STORE: "cookie", SESSION_FORMAT: "signed" }, serverSide: false },
  { name: "cookie mode (flask)", env: { SESSION_STORE: "cookie", SESSION_FORMAT: "flask" }, serverSide: false },
  { name: "sqlite", env: { SESSION_STORE: `sqlite:${join(dir, "routes.db")}` }, serverSide: true },
];

const DAY_MS = 86_400_000;

/** The Expires attribute of a Set-Cookie line, in ms, or undefined. */
function expiresOf(setCookie: string): number | undefined {
  const match = /;\s*Expires=([^;]+)/i.exec(setCookie);
  return match ? Date.parse(match[1]!) : undefined;
}

for (const mode of modes) {
  describe(`tutorial routes, ${mode.name}`, () => {
    let app: RunningTutorial;
    before(async () => {
      app = await startTutorial({ ...readConfig({ SECRET_KEY: SECRET, ...mode.env }), port: 0 });
    });
    after(async () => app?.close());

    test("/ without a session says not logged in, links to the login, and sets no cookie", async () => {
      const v = new Visitor(app.url);
      const home = await v.get("/");
      assert.equal(home.status, 200);
      assert.match(home.body, /You are not logged in/);
      assert.match(home.body, /href="\/login"/);
      assert.deepEqual(home.setCookies, []);
      assert.match(home.headers.get("vary") ?? "", /Cookie/i);
      assert.match(home.headers.get("content-type") ?? "", /^text\/html/);
    });

    test("GET /login shows the form with username, password, remember me and a CSRF token, and says the password check is a demo", async () => {
      const page = await new Visitor(app.url).get("/login");
      assert.equal(page.status, 200);
      assert.match(page.body, /<form method="post" action="\/login">/);
      assert.match(csrfTokenOf(page.body) ?? "", /^[A-Za-z0-9_-]{86}$/);
      assert.equal(page.setCookies.length, 1, "the token's secret starts a session");
      assert.match(page.body, /name="username"/);
      assert.match(page.body, /name="password" type="password"/);
      assert.match(page.body, /name="remember" type="checkbox"/);
      assert.match(page.body, /any non-empty password is accepted/);
    });

    test("POST /login regenerates, stores the user, flashes once, and / then says Logged in as NAME", async () => {
      const v = new Visitor(app.url);
      await v.submit("/set"); // a pre-login session, so there is a cookie to replace
      const before = v.value;
      assert.ok(before, "/set sends a session cookie");
      const login = await v.submit("/login", { username: "alice", password: "pw" });
      assert.equal(login.status, 303);
      assert.equal(login.headers.get("location"), "/");
      assert.equal(login.setCookies.length, 1);
      assert.notEqual(v.value, before, "the login cookie differs from the one before the login");
      assert.equal(expiresOf(login.setCookies[0]!), undefined, "without remember me the cookie ends with the browser");
      assert.match(login.setCookies[0]!, /HttpOnly/);
      assert.match(login.setCookies[0]!, /SameSite=Lax/);

      const home = await v.get("/");
      assert.match(home.body, /class="flash[^"]*"[^>]*>Logged in</);
      assert.match(home.body, /Logged in as <strong>alice<\/strong>/);
      assert.match(home.body, /<form method="post" action="\/logout" class="inline"><input type="hidden" name="csrf_token"/);
      assert.doesNotMatch(home.body, /href="\/logout"/, "logging out is a form, never a link");
      const again = await v.get("/");
      assert.doesNotMatch(again.body, /class="flash/, "a flash shows on one page only");
      assert.match(again.body, /Logged in as <strong>alice<\/strong>/);
    });

    test("remember me makes the session permanent: Expires is the 31-day lifetime and the profile says so", async () => {
      const v = new Visitor(app.url);
      const login = await v.submit("/login", { username: "rita", password: "pw", remember: "1" });
      assert.equal(login.status, 303);
      const expires = expiresOf(login.setCookies[0]!);
      assert.ok(expires !== undefined, "a permanent session's cookie has Expires");
      assert.ok(Math.abs(expires - (Date.now() + 31 * DAY_MS)) < 60_000, "Expires is about 31 days ahead");
      const profile = await v.get("/profile");
      assert.equal(profile.status, 200);
      assert.match(profile.body, /permanent: the cookie survives closing the browser/);
    });

    test("/profile: 401 with a please-log-in page without a login, the profile with one", async () => {
      const v = new Visitor(app.url);
      const refused = await v.get("/profile");
      assert.equal(refused.status, 401);
      assert.match(refused.body, /Please log in first/);
      await v.submit("/login", { username: "bob@example.com", password: "pw" });
      const profile = await v.get("/profile");
      assert.equal(profile.status, 200);
      assert.match(profile.body, /<dd class="username">bob@example.com<\/dd>/);
      assert.match(profile.body, /ends when the browser closes/);
      assert.equal(/Log out everywhere/.test(profile.body), mode.serverSide, "log out everywhere is offered only with a store");
    });

    test("GET /logout only asks; POST /logout destroys the session, says Logged out, and the profile is refused again", async () => {
      const v = new Visitor(app.url);
      await v.submit("/login", { username: "carol", password: "pw" });
      const asked = await v.get("/logout");
      assert.equal(asked.status, 200);
      assert.match(asked.body, /Log out of this session\?/);
      assert.match((await v.get("/")).body, /Logged in as <strong>carol<\/strong>/, "the GET logged nobody out");
      const cookie = v.cookie;
      const out = await v.submit("/logout");
      assert.equal(out.status, 303);
      assert.equal(out.headers.get("location"), "/logged-out");
      assert.equal(out.setCookies.length, 1);
      assert.match(out.setCookies[0]!, /^session=;.*Max-Age=0/, "the cookie is deleted");
      assert.equal(v.cookie, undefined);
      const bye = await v.get("/logged-out");
      assert.match(bye.body, />Logged out</);
      assert.deepEqual(bye.setCookies, [], "the page after the logout starts no session");
      assert.match((await v.get("/")).body, /You are not logged in/);
      assert.equal((await v.get("/profile")).status, 401);
      const replay = new Visitor(app.url);
      replay.cookie = cookie;
      if (mode.serverSide) assert.equal((await replay.get("/profile")).status, 401, "the destroyed record is gone");
    });

    test("/set, /get, /del and /clear store, show, pop and clear user and pwd, each change a POST", async () => {
      const v = new Visitor(app.url);
      const shown = await v.get("/set");
      assert.match(shown.body, /<form method="post" action="\/set"><input type="hidden" name="csrf_token"/);
      assert.match((await v.get("/get")).body, /<dd class="value-user"><em>not set<\/em>/, "GET /set stored nothing");
      const set = await v.submit("/set");
      assert.equal(set.status, 200);
      assert.ok(v.cookie, "the session has a cookie");
      // A cookie holds the data, so it is rewritten; a store keeps the id the form page started.
      assert.equal(set.setCookies.length, mode.serverSide ? 0 : 1);
      let got = await v.get("/get");
      assert.match(got.body, /<dd class="value-user"><code>&quot;Tom&quot;<\/code>/);
      assert.match(got.body, /<dd class="value-pwd"><code>&quot;password&quot;<\/code>/);
      await v.get("/del");
      await v.get("/clear");
      assert.match((await v.get("/get")).body, /<dd class="value-user"><code>&quot;Tom&quot;<\/code>/, "GET /del and /clear removed nothing");
      const del = await v.submit("/del");
      assert.match(del.body, /Removed user/);
      got = await v.get("/get");
      assert.match(got.body, /<dd class="value-user"><em>not set<\/em>/);
      assert.match(got.body, /<dd class="value-pwd"><code>&quot;password&quot;<\/code>/);
      const clear = await v.submit("/clear");
      assert.equal(clear.setCookies.length, 1);
      assert.match(clear.setCookies[0]!, /^session=;/, "clearing everything deletes the cookie");
      assert.equal(v.cookie, undefined);
      got = await v.get("/get");
      assert.match(got.body, /<dd class="value-pwd"><em>not set<\/em>/);
    });

    test("/inspect shows the decoded session and the cookie's parts, never the cookie, the id or the CSRF secret", async () => {
      const v = new Visitor(app.url);
      const empty = await v.get("/inspect");
      assert.match(empty.body, /No <code>session<\/code> cookie yet/);
      await v.submit("/login", { username: "dora", password: "pw", remember: "1" });
      await v.get("/"); // the first page after the login makes the CSRF secret (the log out button)
      const value = v.value!; // what the browser sends; the page's own response may replace it
      const page = await v.get("/inspect");
      assert.equal(page.status, 200);
      assert.match(page.body, /<dd class="accepted">yes/);
      assert.match(page.body, /&quot;username&quot;: &quot;dora&quot;/);
      const expires = /<dd class="expires">([^<]+)<\/dd>/.exec(page.body)?.[1];
      assert.ok(expires !== undefined && Math.abs(Date.parse(expires) - (Date.now() + 31 * DAY_MS)) < 60_000, `expires in 31 days, got ${expires}`);
      // No run of 13 characters of the cookie's value is on the page (the payload's first 12 and the timestamp may be).
      for (let i = 0; i + 13 <= value.length; i++) assert.ok(!page.body.includes(value.slice(i, i + 13)), `the page shows part of the cookie at ${i}`);
      if (mode.serverSide) {
        const { hashSessionId } = await import("sessionkit");
        assert.ok(page.body.includes(`<code class="id-hash">${hashSessionId(value).slice(0, 8)}</code>`), "the id's hash prefix, as in the logs");
        assert.match(page.body, /the data lives on the server/);
      } else {
        assert.match(page.body, /\(signature, \d+ characters, hidden\)/);
        const signedAt = /<dd class="signed-at">([^<]+)<\/dd>/.exec(page.body)?.[1];
        assert.ok(signedAt !== undefined && Math.abs(Date.parse(signedAt) - Date.now()) < 60_000, `signed just now, got ${signedAt}`);
        // The decoded payload shows what is really in the cookie, Flask's reserved key included, the CSRF secret masked.
        assert.match(page.body, /<pre class="payload">[^<]*&quot;_permanent&quot;: true/);
        assert.match(page.body, /&quot;csrf_token&quot;: &quot;\(the CSRF secret: hidden\)&quot;/);
      }
    });

    test("a forged or tampered cookie is a fresh session, not an error", async () => {
      const v = new Visitor(app.url);
      await v.submit("/login", { username: "eve", password: "pw" });
      const value = v.value!;
      const last = value.at(-1) === "A" ? "B" : "A";
      v.cookie = `session=${value.slice(0, -1)}${last}`;
      const home = await v.get("/");
      assert.equal(home.status, 200);
      assert.match(home.body, /You are not logged in/);
      const inspect = await v.get("/inspect");
      assert.match(inspect.body, /<dd class="accepted">no/);
    });

    test("bad input gets a clear 400 page, never a stack trace", async () => {
      const cases: [string, Record<string, string | string[]> | string, string | undefined, RegExp][] = [
        ["empty username", { username: "", password: "pw" }, undefined, /Enter a username/],
        ["blank username", { username: "   ", password: "pw" }, undefined, /Enter a username/],
        ["10 KB username", { username: "a".repeat(10_240), password: "pw" }, undefined, /too long: at most 100 characters/],
        ["empty password", { username: "al", password: "" }, undefined, /Enter a password/],
        ["username sent twice", { username: ["al", "bo"], password: "pw" }, undefined, /sent more than once/],
        ["JSON body", JSON.stringify({ username: "al", password: "pw" }), "application/json", /application\/x-www-form-urlencoded/],
        ["plain text body", "username=al&password=pw", "text/plain", /application\/x-www-form-urlencoded/],
        ["control characters", { username: "al\u0000ice", password: "pw" }, undefined, /control characters/],
      ];
      for (const [name, body, type, message] of cases) {
        const v = new Visitor(app.url);
        const token = csrfTokenOf((await v.get("/login")).body)!;
        // A form carries its token as a field; another body type, in the header (as a script would).
        const reply =
          typeof body === "string"
            ? await v.send("/login", { method: "POST", body, headers: { "content-type": type!, "x-csrf-token": token } })
            : await v.post("/login", form({ ...body, csrf_token: token }));
        assert.equal(reply.status, 400, name);
        assert.match(reply.body, message, name);
        assert.match(reply.body, /<p class="problem" role="alert">/, name);
        assert.ok(!looksLikeStackTrace(reply.body), `${name}: no stack trace`);
        assert.deepEqual(reply.setCookies, [], `${name}: the session is left as it was`);
      }
      const huge = await new Visitor(app.url).post("/login", form({ username: "a".repeat(40_000), password: "pw" }));
      assert.equal(huge.status, 413);
      assert.match(huge.body, /The form is too large/);
      assert.ok(!looksLikeStackTrace(huge.body));
    });

    test("a username is shown escaped, never as HTML", async () => {
      const v = new Visitor(app.url);
      await v.submit("/login", { username: `<script>alert("x")</script>`, password: "pw" });
      const home = await v.get("/");
      assert.match(home.body, /Logged in as <strong>&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;<\/strong>/);
      assert.ok(!home.body.includes("<script>"));
    });

    test("an unknown path is a plain 404 page", async () => {
      const reply = await new Visitor(app.url).get("/nope");
      assert.equal(reply.status, 404);
      assert.match(reply.body, /There is no page here/);
    });

    test("the stylesheet is served", async () => {
      const reply = await new Visitor(app.url).get("/style.css");
      assert.equal(reply.status, 200);
      assert.match(reply.headers.get("content-type") ?? "", /text\/css/);
      assert.match(reply.body, /font:/);
    });
  });
}
