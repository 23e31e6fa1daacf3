/**
 * What only server-side sessions can do, on the tutorial with SQLite: an old
 * cookie loses the login once the session is regenerated, "log out
 * everywhere" ends the user's other sessions, and a store that fails is a
 * plain 503 page.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { readConfig } from "../../examples/tutorial/config.js";
import { startTutorial, type RunningTutorial } from "../../examples/tutorial/server.js";
import { looksLikeStackTrace, Visitor } from "./client.js";

const SECRET = "tutorial-server-side-test-secret-0123456789";
const dir = mkdtempSync(join(tmpdir(), "sk-tutorial-server-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("tutorial on SQLite, regenerate grace 0", () => {
  let app: RunningTutorial;
  before(async () => {
    const env = { SECRET_KEY: SECRET, SESSION_STORE: `sqlite:${join(dir, "server.db")}`, SESSION_REGENERATE_GRACE_SECONDS: "0" };
    app = await startTutorial({ ...readConfig(env), port: 0 });
  });
  after(async () => app?.close());

  test("after a new login the previous cookie no longer carries the old login", async () => {
    const v = new Visitor(app.url);
    await v.submit("/login", { username: "alice", password: "pw" });
    const aliceCookie = v.cookie;
    await v.submit("/login", { username: "bob", password: "pw" });
    assert.notEqual(v.cookie, aliceCookie);
    assert.match((await v.get("/")).body, /Logged in as <strong>bob<\/strong>/);

    const replay = new Visitor(app.url);
    replay.cookie = aliceCookie;
    const home = await replay.get("/");
    assert.match(home.body, /You are not logged in/, "the regenerated id was destroyed at once (grace 0)");
    assert.equal((await replay.get("/profile")).status, 401);
  });

  test("a cookie from before the login loses its data: the login gives a new id and carries no pre-login key (R11)", async () => {
    const v = new Visitor(app.url);
    await v.submit("/set");
    const anonymous = v.cookie;
    await v.submit("/login", { username: "carol", password: "pw" });
    assert.notEqual(v.cookie, anonymous, "a new id");
    assert.match((await v.get("/")).body, /Logged in as <strong>carol<\/strong>/);
    const got = await v.get("/get");
    assert.match(got.body, /<dd class="value-user"><em>not set<\/em>/, "login() drops the pre-login demo data");
    const replay = new Visitor(app.url);
    replay.cookie = anonymous;
    assert.match((await replay.get("/get")).body, /<dd class="value-user"><em>not set<\/em>/);
  });

  test("log out everywhere ends the user's other sessions and leaves other users alone", async () => {
    const laptop = new Visitor(app.url);
    const phone = new Visitor(app.url);
    const other = new Visitor(app.url);
    await laptop.submit("/login", { username: "dave", password: "pw" });
    await phone.submit("/login", { username: "dave", password: "pw" });
    await other.submit("/login", { username: "erin", password: "pw" });
    const profile = await laptop.get("/profile");
    assert.match(profile.body, /<dd>2 active<\/dd>/);

    const out = await laptop.submit("/logout-everywhere", {}, "/profile");
    assert.equal(out.status, 303);
    assert.equal(out.headers.get("location"), "/logged-out?ended=1");
    assert.equal(laptop.cookie, undefined, "this session ended too");
    assert.match((await laptop.get(out.headers.get("location")!)).body, /Logged out everywhere \(1 other session ended\)/);
    assert.match((await laptop.get("/")).body, /You are not logged in/);
    assert.match((await phone.get("/")).body, /You are not logged in/);
    assert.match((await other.get("/")).body, /Logged in as <strong>erin<\/strong>/);
  });

  test("log out everywhere without a login is the 401 page", async () => {
    // A visitor without a session, posting from this site (an old page): the CSRF check lets it through by its Origin.
    const reply = await new Visitor(app.url).send("/logout-everywhere", { method: "POST", body: "", headers: { "content-type": "application/x-www-form-urlencoded", origin: app.url } });
    assert.equal(reply.status, 401);
    assert.match(reply.body, /Please log in first/);
  });
});

describe("tutorial on a SQLite store that fails", () => {
  test("a visitor with a session gets a plain 503 page, not a stack trace", async () => {
    const app = await startTutorial({ ...readConfig({ SECRET_KEY: SECRET, SESSION_STORE: `sqlite:${join(dir, "closing.db")}` }), port: 0 });
    try {
      const v = new Visitor(app.url);
      await v.submit("/login", { username: "frank", password: "pw" });
      assert.ok(v.cookie);
      // Close the database under the running app: every store call now fails, as with a lost disk.
      await app.closeStore();
      const reply = await v.get("/");
      assert.equal(reply.status, 503);
      assert.equal(reply.headers.get("retry-after"), "1");
      assert.match(reply.body, /The sqlite session store cannot be used right now/, "it answered, with an error: not a timeout");
      assert.ok(!looksLikeStackTrace(reply.body));
      assert.ok(!reply.body.includes(v.value!), "the session id is not on the error page");
    } finally {
      await app.close();
    }
  });
});
