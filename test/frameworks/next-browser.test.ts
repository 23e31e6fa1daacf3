/**
 * examples/next with `format: "flask"` and a Flask app's SECRET_KEY shares
 * the login with real Flask 3 (scripts/flask/tutorial_peer.py), both ways;
 * and the login form runs once in real Chromium, so the Server Action goes
 * the way a browser with JavaScript sends it (a fetch, a redirect rendered
 * in the same response), not only as a plain form post.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { serviceUnavailable } from "sessionkit/testing";
import { chromiumUnavailable, launchChromium, type LaunchedBrowser } from "../helpers/browser.js";
import { prepareExample, startExample } from "../helpers/examples.js";
import { flaskUnavailable, startFlaskPeer, type ServedProcess } from "../helpers/flask-app.js";
import { Visitor } from "../tutorial/client.js";
import { submitForm } from "./forms.js";

const SECRET = "next-and-flask-share-this-secret-key";
const unavailable = flaskUnavailable() ?? chromiumUnavailable();

/** What the Flask peer reads from a cookie. */
async function flaskWhoami(flask: ServedProcess, cookie: string | undefined): Promise<{ username: string | null; keys: string[] }> {
  const res = await fetch(`${flask.url}/whoami`, { headers: cookie ? { cookie } : {}, signal: AbortSignal.timeout(10_000) });
  assert.equal(res.status, 200);
  return (await res.json()) as { username: string | null; keys: string[] };
}

if (unavailable) {
  serviceUnavailable("Next.js ↔ Flask and Chromium", unavailable);
} else {
  describe("Next.js (flask format) ↔ real Flask, and the login in Chromium", () => {
    let flask: ServedProcess;
    let next: ServedProcess;
    let chrome: LaunchedBrowser;
    before(async () => {
      prepareExample("next");
      [flask, next, chrome] = await Promise.all([
        startFlaskPeer(SECRET),
        startExample("next", { SECRET_KEY: SECRET, SESSION_FORMAT: "flask" }),
        launchChromium(),
      ]);
    });
    after(async () => {
      await chrome?.close();
      await next?.stop();
      await flask?.stop();
    });

    test("Flask's login cookie is read by the Next.js Server Components", async () => {
      const fromFlask = new Visitor(flask.url);
      assert.equal((await fromFlask.get("/login?username=ada")).status, 302);
      const v = new Visitor(next.url);
      v.cookie = fromFlask.cookie;
      assert.match((await v.get("/")).body, /<p id="status">Logged in as ada<\/p>/);
      assert.match((await v.get("/profile")).body, /Profile of <!-- -->ada/);
    });

    test("the Next.js login Server Action's cookie is read by Flask; Flask sees only its own keys", async () => {
      const v = new Visitor(next.url);
      assert.equal((await submitForm(v, "/login", { username: "grace", password: "pw", remember: "on" })).status, 303);
      assert.deepEqual(await flaskWhoami(flask, v.cookie), { username: "grace", keys: ["_permanent", "username"] });
      const home = await fetch(`${flask.url}/`, { headers: { cookie: v.cookie! } });
      assert.equal(await home.text(), "Logged in as grace");
    });

    test("in Chromium: log in with the form, land on the profile, Flask reads the browser's cookie, log out", async () => {
      const page = await chrome.context.newPage();
      await page.goto(`${next.url}/login`);
      await page.fill('input[name="username"]', "linus");
      await page.fill('input[name="password"]', "pw");
      await page.click("button");
      await page.waitForURL(`${next.url}/profile`);
      assert.equal(await page.textContent("#profile"), "Profile of linus");
      const [cookie] = (await chrome.context.cookies(next.url)).filter((c) => c.name === "session");
      assert.ok(cookie, "the browser kept the session cookie");
      assert.deepEqual([cookie.httpOnly, cookie.sameSite, cookie.path, cookie.expires], [true, "Lax", "/", -1]);
      assert.equal((await flaskWhoami(flask, `session=${cookie.value}`)).username, "linus");

      // A wrong password shows the action's state in place, and keeps the login.
      await page.goto(`${next.url}/login`);
      await page.fill('input[name="username"]', "linus");
      await page.fill('input[name="password"]', "wrong");
      await page.click("button");
      assert.equal(await (await page.waitForSelector('form p[role="alert"]')).textContent(), "Wrong username or password");

      await page.goto(`${next.url}/profile`);
      await page.click("text=Log out");
      await page.waitForURL(`${next.url}/`);
      assert.equal(await page.textContent("#status"), "You are not logged in");
      assert.deepEqual((await chrome.context.cookies(next.url)).filter((c) => c.name === "session"), []);
      await page.close();
    });
  });
}
