/**
 * The tutorial started with SESSION_STORE=flask-session+redis://… shares its
 * logins with a real Flask-Session 0.8 app (scripts/flask/tutorial_peer.py
 * with --flask-session-redis) on the same Redis, both ways, over real HTTP:
 * both keep Flask-Session's own records under one SESSION_KEY_PREFIX.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { createClient } from "redis";
import { probeService, serviceUnavailable } from "sessionkit/testing";
import { freePort, serveProcess, startTutorialProcess, type ServedProcess } from "../helpers/flask-app.js";
import { flaskVenv } from "../helpers/flask-venv.js";
import { Visitor } from "./client.js";

const SECRET = "flask-session-and-tutorial-share-this-key";
const PEER = new URL("../../scripts/flask/tutorial_peer.py", import.meta.url).pathname;
const prefix = `sk-test:tutorial-fs:${process.pid}:${randomBytes(4).toString("hex")}:session:`;

const client = createClient({ url: "redis://127.0.0.1:6379", socket: { reconnectStrategy: false, connectTimeout: 2_000 } });
client.on("error", () => {});
const redisSkip = await probeService("Redis at 127.0.0.1:6379", async () => {
  await client.connect();
  await client.ping();
});
const venv = redisSkip ? undefined : await flaskVenv();
const skip = redisSkip ?? venv?.skip;

/** What the Flask-Session app read from a cookie. */
async function flaskWhoami(flask: ServedProcess, cookie: string | undefined): Promise<{ username: string | null; keys: string[] }> {
  const res = await fetch(`${flask.url}/whoami`, { headers: cookie ? { cookie } : {}, signal: AbortSignal.timeout(10_000) });
  assert.equal(res.status, 200);
  return (await res.json()) as { username: string | null; keys: string[] };
}

if (skip) {
  serviceUnavailable("tutorial ↔ Flask-Session login sharing", skip);
} else {
  describe("tutorial (npm start) ↔ real Flask-Session 0.8, one Redis, SESSION_STORE=flask-session+redis://", () => {
    let flask: ServedProcess;
    let tutorial: ServedProcess;
    before(async () => {
      const port = await freePort();
      flask = await serveProcess(venv!.python!, ["-W", "ignore", PEER, String(port), SECRET, "--flask-session-redis", "6379", "--prefix", prefix], port);
      // As `npm start` runs it: its own process, configured by the environment alone.
      tutorial = await startTutorialProcess({ SECRET_KEY: SECRET, SESSION_STORE: "flask-session+redis://127.0.0.1:6379", SESSION_STORE_PREFIX: prefix });
    });
    after(async () => {
      await tutorial?.stop();
      await flask?.stop();
      for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) if (keys.length > 0) await client.del(keys);
      for await (const keys of client.scanIterator({ MATCH: `sessionkit:${prefix}*`, COUNT: 1000 })) if (keys.length > 0) await client.del(keys);
      client.destroy();
    });

    test("Flask-Session's login is the tutorial's: / says Logged in as NAME, the profile opens, the record is Flask-Session's", async () => {
      const fromFlask = new Visitor(flask.url);
      assert.equal((await fromFlask.get("/login?username=ada")).status, 302);
      assert.ok(fromFlask.cookie, "Flask-Session set its session cookie");
      const sid = fromFlask.cookie.slice("session=".length);
      assert.equal(await client.exists(prefix + sid), 1, "the record is under SESSION_KEY_PREFIX + the raw id");

      const v = new Visitor(tutorial.url);
      v.cookie = fromFlask.cookie;
      const home = await v.get("/");
      assert.equal(home.status, 200);
      assert.match(home.body, /Logged in as <strong>ada<\/strong>/);
      assert.equal((await v.get("/profile")).status, 200);
      assert.match(home.body, /flask-session \(redis 127\.0\.0\.1:6379\)/, "the footer names the store");
    });

    test("the tutorial's login is Flask-Session's, and its logout too", async () => {
      const v = new Visitor(tutorial.url);
      const login = await v.submit("/login", { username: "grace", password: "pw", remember: "1" });
      assert.equal(login.status, 303);
      assert.ok(v.cookie, "the tutorial set a session cookie");
      const seen = await flaskWhoami(flask, v.cookie);
      assert.equal(seen.username, "grace");
      // The login dropped the pre-login CSRF secret (a new one is made when a page next asks for a token).
      assert.deepEqual(seen.keys, ["_flashes", "_permanent", "username"], "Flask-Session reads the flash and the permanent flag as its own");

      await v.get("/"); // shows the flash, once
      assert.equal((await v.submit("/logout")).status, 303);
      assert.equal((await flaskWhoami(flask, v.cookie)).username, null, "the logout reached Flask-Session's record");
    });

    test("a login goes round: the tutorial logs in, Flask-Session logs out, the tutorial sees it", async () => {
      const v = new Visitor(tutorial.url);
      await v.submit("/login", { username: "linus", password: "pw" });
      const flaskSide = new Visitor(flask.url);
      flaskSide.cookie = v.cookie;
      assert.equal((await flaskSide.get("/logout")).status, 302);
      v.cookie = flaskSide.cookie;
      assert.match((await v.get("/")).body, /You are not logged in/);
    });
  });
}
