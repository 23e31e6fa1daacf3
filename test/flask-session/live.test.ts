/**
 * The live exchange: a real Flask 3.1.3 + Flask-Session 0.8.0 app
 * (scripts/flask/flask_session_peer.py) and sessionkit share server-side
 * sessions through the machine's Redis, in both directions, with the same
 * cookie. Nothing is mocked: the Flask app runs in its own process.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { resolve } from "node:path";
import { RESP_TYPES } from "redis";
import { createSessions } from "../../src/index.js";
import { FlaskSessionRedisStore } from "../../src/stores/flask-session.js";
import { serviceUnavailable } from "../../src/testing/index.js";
import { flaskVenv } from "../helpers/flask-venv.js";
import { connectRedis, prefixesFor } from "./fixture.js";

const PEER = resolve(import.meta.dirname, "../../scripts/flask/flask_session_peer.py");
const { client, skip: redisSkip, base } = await connectRedis("live");
const venv = redisSkip ? undefined : await flaskVenv();
const skip = redisSkip ?? venv?.skip;

interface PeerState {
  sid: string | null;
  data: Record<string, unknown>;
}

/** Start the Flask peer on a free port; resolves its base URL once it printed it. */
async function startPeer(python: string, prefix: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(python, [PEER, "--redis-port", "6379", "--prefix", prefix], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2_000);
  });
  const lines = createInterface({ input: child.stdout! });
  const first = new Promise<string>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`the Flask peer did not start in 60 s: ${stderr}`)), 60_000);
    lines.once("line", (line) => {
      clearTimeout(timer);
      resolvePort(line);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the Flask peer exited (${code}): ${stderr}`));
    });
  });
  try {
    const { port } = JSON.parse(await first) as { port: number };
    return { url: `http://127.0.0.1:${port}`, child };
  } catch (error) {
    // A peer that never said its port is killed here: no one else holds it, and it would keep the file alive.
    child.kill("SIGKILL");
    throw error;
  }
}

if (skip) {
  serviceUnavailable("flask-session live exchange", skip);
} else {
  const { keyPrefix, metaPrefix } = prefixesFor(base);
  let peer: { url: string; child: ChildProcess };
  before(async () => {
    peer = await startPeer(venv!.python!, keyPrefix);
  });
  after(() => {
    peer?.child.kill("SIGTERM");
  });

  const store = new FlaskSessionRedisStore({ client, keyPrefix, metaPrefix });
  // Flask-Session's defaults: cookie "session", SESSION_PERMANENT = True, lifetime = PERMANENT_SESSION_LIFETIME (1 h here).
  const sessions = createSessions({ secret: "x".repeat(40), store, permanent: true, lifetime: "1h" });

  /** One request to the Flask peer with a cookie; returns its JSON and the session cookie it set, if any. */
  async function flask(method: "GET" | "POST", path: string, cookie?: string, body?: unknown): Promise<{ state: PeerState; setCookie?: string }> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (cookie) headers.cookie = cookie;
    const response = await fetch(peer.url + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(response.status, 200, `${method} ${path}`);
    const set = response.headers.getSetCookie().find((c) => c.startsWith("session="));
    const state = (await response.json()) as PeerState;
    return set ? { state, setCookie: set.split(";")[0]! } : { state };
  }

  const sessionkitCookie = (setCookie: string[]): string => {
    const c = setCookie.find((s) => s.startsWith("session="));
    assert.ok(c, `sessionkit set no session cookie: ${setCookie.length} header(s)`);
    return c.split(";")[0]!;
  };

  describe("live: Flask-Session 0.8.0 ⇄ sessionkit through one Redis", () => {
    it("Flask-Session writes, sessionkit reads and changes it, Flask-Session sees the change", async () => {
      const first = await flask("POST", "/set", undefined, { user: "alice", n: 1, cart: ["book"] });
      assert.ok(first.setCookie, "Flask-Session set its cookie");
      const cookie = first.setCookie;
      assert.equal(cookie, `session=${first.state.sid}`, "the cookie is the raw sid");

      const session = await sessions.load(cookie);
      assert.equal(session.isNew, false, "sessionkit found Flask-Session's record");
      assert.equal(session.get("user"), "alice");
      assert.equal(session.get("n"), 1);
      assert.deepEqual(session.get("cart"), ["book"]);
      session.set("n", 2);
      (session.get("cart") as string[]).push("pen"); // an in-place change counts
      session.set("from", "sessionkit ✓");
      // Any cookie sessionkit sends here must carry the same id (core currently sends none: see the lead's report).
      for (const c of (await sessions.commit(session, { status: 200 })).setCookie) assert.equal(c.split(";")[0], cookie, "same id");

      const seen = await flask("GET", "/get", cookie);
      assert.equal(seen.state.sid, first.state.sid);
      assert.deepEqual(seen.state.data, { _permanent: true, user: "alice", n: 2, cart: ["book", "pen"], from: "sessionkit ✓" });
    });

    it("sessionkit writes, Flask-Session reads and changes it, sessionkit sees the change; the record is byte-for-byte msgspec's", async () => {
      const s = await sessions.load(undefined);
      s.set("user", "bob");
      s.set("cart", ["a"]);
      s.set("score", -1.5);
      const cookie = sessionkitCookie((await sessions.commit(s, { status: 200 })).setCookie);
      const sid = cookie.slice("session=".length);

      const seen = await flask("GET", "/get", cookie);
      assert.equal(seen.state.sid, sid, "Flask-Session adopted nothing: it found the record");
      assert.deepEqual(seen.state.data, { user: "bob", cart: ["a"], score: { float: "-1.5" }, _permanent: true });
      const raw = await client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer }).get(keyPrefix + sid);
      const { state } = await flask("GET", "/raw", cookie);
      assert.equal((raw as Buffer).toString("hex"), (state as unknown as { msgspec_hex: string }).msgspec_hex, "same bytes as msgspec would write");

      await flask("POST", "/set", cookie, { cart: ["a", "b"], flask: true });
      await flask("POST", "/pop?key=score", cookie);
      const back = await sessions.load(cookie);
      assert.equal(back.isNew, false);
      assert.deepEqual({ ...back.toJSON() }, { user: "bob", cart: ["a", "b"], flask: true });
    });

    it("Python-only types cross as msgspec carries them, and survive a sessionkit write untouched", async () => {
      const { setCookie } = await flask("POST", "/set-typed");
      const cookie = setCookie!;
      const s = await sessions.load(cookie);
      assert.deepEqual(s.get("tuple"), ["warning", "Saved"], "a tuple is a list after msgspec");
      assert.deepEqual(s.get("when"), new Date(Date.UTC(2024, 4, 6, 7, 8, 9)));
      assert.deepEqual(Buffer.from(s.get("blob") as Uint8Array), Buffer.from([0, 0xff, 0x73, 0x6b]));
      assert.equal(s.get("pi"), 3.25);
      assert.equal(s.get("big"), 2n ** 60n, "ints past 2^53 are BigInt, as the codec reads them");
      s.set("seen", true); // touches no typed key
      await sessions.commit(s, { status: 200 });
      const { state } = await flask("GET", "/get", cookie);
      assert.deepEqual(state.data.when, { datetime: "2024-05-06T07:08:09+00:00" });
      assert.deepEqual(state.data.blob, { bytes: Buffer.from([0, 0xff, 0x73, 0x6b]).toString("base64") });
      assert.deepEqual(state.data.ratio, { float: "1.0" }, "untouched entries keep their bytes: 1.0 stays a float");
      assert.equal(state.data.big, 2 ** 60);
      assert.equal(state.data.seen, true);
    });

    it("a logout on either side ends the session on the other", async () => {
      const { setCookie } = await flask("POST", "/set", undefined, { user: "carol" });
      const cookie = setCookie!;
      const s = await sessions.load(cookie);
      await s.destroy();
      await sessions.commit(s, { status: 200 });
      const after = await flask("GET", "/get", cookie);
      assert.notEqual(after.state.sid, cookie.slice("session=".length), "Flask-Session issues a new sid: the record is gone");
      assert.deepEqual(after.state.data, { _permanent: true });

      const mine = await sessions.load(undefined);
      mine.set("user", "dan");
      const kitCookie = sessionkitCookie((await sessions.commit(mine, { status: 200 })).setCookie);
      const regenerated = await flask("POST", "/regenerate", kitCookie);
      assert.ok(regenerated.setCookie && regenerated.setCookie !== kitCookie, "Flask-Session moved the session to a new sid");
      const old = await sessions.load(kitCookie);
      assert.equal(old.isNew, true, "the old sid is dead for sessionkit too");
      const moved = await sessions.load(regenerated.setCookie);
      assert.equal(moved.get("user"), "dan");
    });

    it("an unknown sid is adopted by neither side", async () => {
      const forged = `session=${Buffer.alloc(32, 7).toString("base64url")}`;
      const s = await sessions.load(forged);
      assert.equal(s.isNew, true);
      s.set("x", 1);
      const issued = sessionkitCookie((await sessions.commit(s, { status: 200 })).setCookie);
      assert.notEqual(issued, forged);
      assert.equal(await client.exists(keyPrefix + forged.slice("session=".length)), 0);
    });
  });
}
