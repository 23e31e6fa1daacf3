/**
 * The tutorial's safe habits, over real HTTP, in every cookie format and on
 * a store: every change is a POST refused without the page's token or from
 * another origin (login included: login CSRF), every GET route (read from
 * the app's own router, so a new one is covered) leaves the visitor's data
 * and login as they were, and a logout leaves no user marker in any cookie.
 * In a real browser: browser.test.ts.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { cookieSalt } from "sessionkit";
import { createCookieCodec } from "sessionkit/codec";
import { readConfig } from "../../examples/tutorial/config.js";
import { startTutorial, type RunningTutorial } from "../../examples/tutorial/server.js";
import { csrfTokenOf, form, Visitor, type Reply } from "./client.js";

const SECRET = "tutorial-csrf-test-secret-0123456789abcdefgh";

const modes = [
  { name: "cookie (signed)", env: { SESSION_STORE: "cookie", SESSION_FORMAT: "signed" }, format: "signed" as const },
  { name: "cookie (flask)", env: { SESSION_STORE: "cookie", SESSION_FORMAT: "flask" }, format: "flask" as const },
  { name: "cookie (encrypted)", env: { SESSION_STORE: "cookie", SESSION_FORMAT: "encrypted" }, format: "encrypted" as const },
  { name: "store (memory)", env: { SESSION_STORE: "memory" }, format: undefined },
];

/** What a visitor's session holds, as the app sees it: who is logged in and the demo's values. */
async function state(v: Visitor): Promise<{ user: string | undefined; get: string }> {
  const home = await v.get("/");
  const user = /Logged in as <strong>([^<]*)<\/strong>/.exec(home.body)?.[1];
  const got = await v.get("/get");
  return { user, get: /<dl>[\s\S]*?<\/dl>/.exec(got.body)![0] };
}

/** Every GET route of an Express app (nested routers included). */
function getRoutes(stack: unknown[]): string[] {
  const out: string[] = [];
  for (const layer of stack as { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: unknown[] } }[]) {
    if (layer.route?.methods.get) out.push(layer.route.path);
    else if (layer.handle?.stack) out.push(...getRoutes(layer.handle.stack));
  }
  return out;
}

function assertRefused(reply: Reply, what: string): void {
  assert.equal(reply.status, 403, `${what}: ${reply.status}`);
  assert.match(reply.body, /<h1>Request refused<\/h1>/, what);
  assert.match(reply.body, /<p class="problem" role="alert">/, what);
}

for (const mode of modes) {
  describe(`tutorial CSRF, ${mode.name}`, () => {
    let app: RunningTutorial;
    before(async () => {
      app = await startTutorial({ ...readConfig({ SECRET_KEY: SECRET, ...mode.env }), port: 0 });
    });
    after(async () => app?.close());

    /** A logged-in visitor with the demo's values set. */
    async function loggedIn(name: string): Promise<Visitor> {
      const v = new Visitor(app.url);
      assert.equal((await v.submit("/login", { username: name, password: "pw" })).status, 303);
      await v.submit("/set");
      return v;
    }

    test("every change is refused without the page's token, with another session's token, or from another origin; nothing changes", async () => {
      const v = await loggedIn("alice");
      const attacker = await loggedIn("mallory");
      const theirs = csrfTokenOf((await attacker.get("/")).body)!;
      const mine = csrfTokenOf((await v.get("/")).body)!;
      const before = await state(v);
      assert.equal(before.user, "alice");
      const posts: [string, Record<string, string>][] = [
        ["/login", { username: "mallory", password: "pw" }],
        ["/set", {}],
        ["/del", {}],
        ["/clear", {}],
        ["/logout", {}],
        ["/logout-everywhere", {}],
      ];
      for (const [path, fields] of posts) {
        const post = (token: string | undefined, origin: string | undefined): Promise<Reply> =>
          v.send(path, {
            method: "POST",
            body: form(token === undefined ? fields : { ...fields, csrf_token: token }),
            headers: { "content-type": "application/x-www-form-urlencoded", ...(origin ? { origin } : {}) },
          });
        assertRefused(await post(undefined, app.url), `${path} without a token`);
        assertRefused(await post(theirs, app.url), `${path} with another session's token`);
        assertRefused(await post(mine.slice(0, 40), app.url), `${path} with a truncated token`);
        assertRefused(await post(mine, "http://evil.test"), `${path} from another site, even with the right token`);
        assertRefused(await post(mine, "null"), `${path} from an opaque origin`);
      }
      assert.deepEqual(await state(v), before, "still alice, with the same values");
    });

    test("login CSRF: another origin's form cannot log a visitor in, with or without a session of the visitor's", async () => {
      const stranger = new Visitor(app.url);
      const attack = (v: Visitor, headers: Record<string, string>, fields: Record<string, string> = {}): Promise<Reply> =>
        v.send("/login", { method: "POST", body: form({ username: "mallory", password: "pw", ...fields }), headers: { "content-type": "application/x-www-form-urlencoded", ...headers } });
      // No session at all: the browser names the other origin, or says cross-site, or says nothing.
      assertRefused(await attack(stranger, { origin: "http://evil.test", "sec-fetch-site": "cross-site" }), "cross-site form");
      assertRefused(await attack(stranger, { "sec-fetch-site": "cross-site" }), "cross-site, no Origin");
      assertRefused(await attack(stranger, { "sec-fetch-site": "same-site" }), "a sibling subdomain");
      assertRefused(await attack(stranger, {}), "neither header");
      assert.equal(stranger.cookie, undefined, "no session was started");
      // A visitor who opened the login form (a session with a secret): the attacker's own token is not theirs.
      const visitor = new Visitor(app.url);
      await visitor.get("/login");
      const attacker = new Visitor(app.url);
      const attackerToken = csrfTokenOf((await attacker.get("/login")).body)!;
      assertRefused(await attack(visitor, { origin: "http://evil.test" }, { csrf_token: attackerToken }), "attacker's token, cross-site");
      assertRefused(await attack(visitor, { origin: app.url }, { csrf_token: attackerToken }), "attacker's token");
      assert.equal((await state(visitor)).user, undefined, "the visitor is not logged in as anyone");
      // The site's own form, from this origin, logs in.
      assert.equal((await visitor.submit("/login", { username: "ada", password: "pw" })).status, 303);
      assert.equal((await state(visitor)).user, "ada");
    });

    test("no GET route changes the visitor's data or login (every GET the router has, with and without a query)", async () => {
      const routes = getRoutes((app.app as unknown as { router: { stack: unknown[] } }).router.stack);
      assert.ok(routes.length >= 10 && routes.includes("/logout") && routes.includes("/clear"), routes.join(" "));
      const v = await loggedIn("carol");
      const before = await state(v);
      for (const path of routes) {
        for (const url of [path, `${path}?csrf_token=x&username=mallory&ended=3`]) {
          const reply = await v.get(url);
          assert.ok(reply.status < 400, `${url}: ${reply.status}`);
          assert.deepEqual(await state(v), before, `GET ${url} changed the session`);
        }
      }
    });

    test("after logout no user marker remains in any cookie the visitor holds", async () => {
      const v = new Visitor(app.url);
      await v.submit("/login", { username: "dave", password: "pw", remember: "1" });
      await v.get("/"); // the CSRF secret of the log out button
      const secretBefore = mode.format === undefined ? undefined : openCookie(v.value!, mode.format).csrf_token;
      const out = await v.submit("/logout");
      assert.equal(out.status, 303);
      assert.equal(v.cookie, undefined, "the logout deletes the cookie");
      // Browsing on starts a new session (the forms' CSRF secret): it carries nothing of dave's.
      await v.get("/logged-out");
      await v.get("/set");
      await v.submit("/set");
      assert.ok(v.cookie, "a new session");
      if (mode.format !== undefined) {
        const data = openCookie(v.value!, mode.format);
        for (const marker of ["username", "_sk_user", "_sk_auth", "_permanent"]) assert.ok(!(marker in data), `${marker} in ${JSON.stringify(Object.keys(data))}`);
        assert.notEqual(data.csrf_token, secretBefore, "a new CSRF secret, not the logged-in one");
        assert.ok(!JSON.stringify(data).includes("dave"));
      }
      assert.equal((await state(v)).user, undefined);
    });
  });
}

/** A cookie-mode value opened with the tutorial's secret: the whole payload, reserved keys included. */
function openCookie(value: string, format: "signed" | "flask" | "encrypted"): Record<string, unknown> {
  const codec = createCookieCodec({ format, secrets: [SECRET], salt: cookieSalt(format, "session") });
  return codec.open(value, { maxAgeSeconds: 31 * 86_400, nowSeconds: Math.floor(Date.now() / 1000) }).data as Record<string, unknown>;
}
