/**
 * The tutorial started with SESSION_FORMAT=flask and a Flask app's
 * SECRET_KEY shares the login with that real Flask 3 app
 * (scripts/flask/tutorial_peer.py), both ways, over real HTTP.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { serviceUnavailable } from "sessionkit/testing";
import { readConfig } from "../../examples/tutorial/config.js";
import { startTutorial, type RunningTutorial } from "../../examples/tutorial/server.js";
import { flaskUnavailable, startFlaskPeer, type ServedProcess } from "../helpers/flask-app.js";
import { Visitor } from "./client.js";

const SECRET = "flask-and-tutorial-share-this-secret-key";
const unavailable = flaskUnavailable();

/** What the Flask peer read from a cookie. */
async function flaskWhoami(flask: ServedProcess, cookie: string | undefined): Promise<{ username: string | null; keys: string[] }> {
  const res = await fetch(`${flask.url}/whoami`, { headers: cookie ? { cookie } : {}, signal: AbortSignal.timeout(10_000) });
  assert.equal(res.status, 200);
  return (await res.json()) as { username: string | null; keys: string[] };
}

if (unavailable) {
  serviceUnavailable("tutorial ↔ Flask login sharing", unavailable);
} else {
  describe("tutorial ↔ real Flask, same SECRET_KEY, flask format", () => {
    let flask: ServedProcess;
    let tutorial: RunningTutorial;
    let stranger: RunningTutorial;
    before(async () => {
      flask = await startFlaskPeer(SECRET);
      tutorial = await startTutorial({ ...readConfig({ SECRET_KEY: SECRET, SESSION_FORMAT: "flask", SESSION_STORE: "cookie" }), port: 0 });
      // Same format, another secret: must not be fooled by Flask's cookie, nor fool Flask.
      stranger = await startTutorial({
        ...readConfig({ SECRET_KEY: "another-secret-entirely-0123456789abcdef", SESSION_FORMAT: "flask", SESSION_STORE: "cookie" }),
        port: 0,
      });
    });
    after(async () => {
      await tutorial?.close();
      await stranger?.close();
      await flask?.stop();
    });

    test("Flask's login cookie is accepted by the tutorial: / says Logged in as NAME and the profile opens", async () => {
      const fromFlask = new Visitor(flask.url);
      const login = await fromFlask.get("/login?username=ada");
      assert.equal(login.status, 302);
      assert.ok(fromFlask.cookie, "Flask set its session cookie");

      const v = new Visitor(tutorial.url);
      v.cookie = fromFlask.cookie;
      const home = await v.get("/");
      assert.equal(home.status, 200);
      assert.match(home.body, /Logged in as <strong>ada<\/strong>/);
      assert.equal((await v.get("/profile")).status, 200);
      const inspect = await v.get("/inspect");
      assert.match(inspect.body, /<dd class="accepted">yes/);
      assert.match(inspect.body, /&quot;username&quot;: &quot;ada&quot;/);
      // The log out button's CSRF secret went into the shared cookie under Flask-WTF's key, and nothing else of sessionkit's.
      assert.deepEqual((await flaskWhoami(flask, v.cookie)).keys, ["csrf_token", "username"]);
    });

    test("the tutorial's login cookie is accepted by Flask, remember me included", async () => {
      const v = new Visitor(tutorial.url);
      const login = await v.submit("/login", { username: "grace", password: "pw", remember: "1" });
      assert.equal(login.status, 303);
      const seen = await flaskWhoami(flask, v.cookie);
      assert.equal(seen.username, "grace");
      // Flask reads the tutorial's reserved keys as its own: the permanent flag and the flashed message
      // (the login form's CSRF secret did not cross the login).
      assert.deepEqual(seen.keys, ["_flashes", "_permanent", "username"]);
      const home = await fetch(`${flask.url}/`, { headers: { cookie: v.cookie! } });
      assert.equal(await home.text(), "Logged in as grace");
    });

    test("a login goes round: Flask logs in, the tutorial logs out (a form), Flask sees the logout", async () => {
      const v = new Visitor(flask.url);
      await v.get("/login?username=linus");
      const tutorialSide = new Visitor(tutorial.url);
      tutorialSide.cookie = v.cookie;
      assert.equal((await flaskWhoami(flask, tutorialSide.cookie)).username, "linus");
      const out = await tutorialSide.submit("/logout");
      assert.equal(out.status, 303);
      assert.equal(out.setCookies.length, 1);
      assert.match(out.setCookies[0]!, /^session=;.*Max-Age=0/, "the tutorial deleted the shared cookie");
      assert.equal(tutorialSide.cookie, undefined);
      const seen = await flaskWhoami(flask, tutorialSide.cookie);
      assert.equal(seen.username, null);
      assert.deepEqual(seen.keys, []);
    });

    test("with another secret neither side accepts the other's cookie", async () => {
      const fromFlask = new Visitor(flask.url);
      await fromFlask.get("/login?username=mallory");
      const v = new Visitor(stranger.url);
      v.cookie = fromFlask.cookie;
      assert.match((await v.get("/")).body, /You are not logged in/);

      const strangerLogin = new Visitor(stranger.url);
      await strangerLogin.submit("/login", { username: "mallory", password: "pw" });
      assert.equal((await flaskWhoami(flask, strangerLogin.cookie)).username, null);
    });
  });
}
