/**
 * The runtime conformance run: one app (./app/conformance-app.ts), started
 * on a real runtime, driven over HTTP from Node's test runner. Log in, read,
 * write, log out; read Flask-written cookies (the golden vectors) and have
 * real Flask read the runtime's; rotate keys (a cookie signed with the old
 * key is read and re-signed with the new one); tampered cookies give a fresh
 * session, never a 500. Every Set-Cookie must equal, byte for byte, what the
 * same app answers in this Node process.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { serviceUnavailable } from "../../src/testing/index.js";
import { flaskVenv } from "../helpers/flask-venv.js";
import { NEW_SECRET, NOW_MS, OLD_SECRET, plainFetch } from "./app/conformance-app.js";
import { described, flaskReads, plain } from "./harness.js";

/** A started runtime: its base URL, and how to stop it. */
export interface RunningApp {
  url: string;
  stop(): Promise<void>;
}

interface Vector {
  name: string;
  secret: unknown;
  cookie: string;
  compressed?: boolean;
  loaded?: unknown;
  now?: number;
  flask_session?: string;
}
const vectors = JSON.parse(readFileSync(new URL("../fixtures/flask-vectors.json", import.meta.url), "utf8")) as { encode: Vector[]; reject: Vector[] };
/** Flask-written cookies under the old key whose data is plain JSON: plain and zlib-compressed, unicode, escapes. */
const READABLE = vectors.encode.filter((v) => ["chinese", "emoji", "escapes", "scalars", "compressible", "proto-keys", "nested"].includes(v.name));
/** Cookies Flask refuses (or answers with a 500): each must be a fresh session here. */
const HOSTILE = vectors.reject.filter((v) => v.now === 1_700_000_000 && v.flask_session !== "data");
const DELETION = /^session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=\/(; SameSite=Lax)?$/;
const NOW_SECONDS = NOW_MS / 1000;

interface Reply {
  status: number;
  body: unknown;
  setCookies: string[];
  vary: string | null;
}

/** The cookie value of a Set-Cookie line. */
function valueOf(setCookie: string): string {
  return setCookie.slice("session=".length, setCookie.indexOf(";"));
}

/**
 * Register the conformance run for one runtime. `start` starts the app and
 * resolves where it listens; it is stopped after the run.
 *
 * @example
 * testConformance("Bun, Hono", async () => startBun("hono"));
 */
export function testConformance(name: string, start: () => Promise<RunningApp | { skip: string }>): void {
  describe(`conformance: ${name}`, () => {
    let app: RunningApp | undefined;
    let skip: string | undefined;
    let python: string | undefined;
    const reference = plainFetch();

    before(async () => {
      const started = await start();
      if ("skip" in started) skip = started.skip;
      else app = started;
      const venv = await flaskVenv();
      python = venv.python;
      skip ??= venv.skip;
    });
    after(() => app?.stop());

    /** Send a request to the runtime and the same one to the Node reference; their Set-Cookie lines must match. */
    async function send(path: string, init: { method?: string; cookie?: string; json?: unknown } = {}): Promise<Reply> {
      if (skip !== undefined || app === undefined) assert.fail(`the runtime did not start: ${skip}`);
      const headers: Record<string, string> = {};
      if (init.cookie !== undefined) headers.cookie = `session=${init.cookie}`;
      if (init.json !== undefined) headers["content-type"] = "application/json";
      const request = (base: string) =>
        new Request(new URL(path, base), { method: init.method ?? "GET", headers, body: init.json === undefined ? null : JSON.stringify(init.json) });
      const response = await fetch(request(app.url)).catch((error: unknown) => {
        // A kept-alive connection the server closed (its idle timeout) just as this request reused
        // it: the request never reached the app, so it is sent once more, on a new connection. A
        // server that crashed refuses that one too, and the test fails.
        const code = ((error as { cause?: { code?: unknown } }).cause ?? {}).code;
        if (code === "UND_ERR_SOCKET" || code === "ECONNRESET") return fetch(request(app!.url));
        throw error;
      });
      const text = await response.text();
      const expected = await reference(request("http://127.0.0.1/"));
      assert.deepEqual(response.headers.getSetCookie(), expected.headers.getSetCookie(), `${path}: the runtime's Set-Cookie differs from Node's`);
      return { status: response.status, body: text.startsWith("{") ? JSON.parse(text) : text, setCookies: response.headers.getSetCookie(), vary: response.headers.get("vary") };
    }

    test("a stranger reads an empty session: no cookie, Vary: Cookie", async () => {
      const reply = await send("/read");
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body, {});
      assert.deepEqual(reply.setCookies, []);
      assert.equal(reply.vary, "Cookie");
    });

    test("log in, read, write, log out", async () => {
      const login = await send("/login", { method: "POST", json: { user: "ada" } });
      assert.equal(login.status, 200);
      assert.equal(login.setCookies.length, 1);
      assert.match(login.setCookies[0]!, /^session=[\w.-]+; Expires=[^;]+ GMT; HttpOnly; Path=\/(; SameSite=Lax)?$/);
      let cookie = valueOf(login.setCookies[0]!);
      assert.deepEqual((await send("/read", { cookie })).body, { user: "ada" });

      const written = { cart: [{ sku: "A1", qty: 2 }], note: "déjà vu, 北京, 😀", text: "lorem ipsum ".repeat(40) };
      const write = await send("/write", { method: "POST", cookie, json: written });
      assert.equal(write.setCookies.length, 1);
      cookie = valueOf(write.setCookies[0]!);
      assert.ok(cookie.startsWith("."), "a long repetitive session is zlib-compressed, as Flask does");
      assert.deepEqual((await send("/read", { cookie })).body, { user: "ada", ...written });

      const logout = await send("/logout", { method: "POST", cookie });
      assert.equal(logout.setCookies.length, 1);
      assert.match(logout.setCookies[0]!, DELETION);
    });

    test("reads Flask-written cookies (golden vectors: plain, zlib, unicode, escapes)", async () => {
      for (const vector of READABLE) {
        const reply = await send("/read", { cookie: vector.cookie });
        assert.equal(reply.status, 200, vector.name);
        const expected = plain(vector.loaded) as Record<string, unknown>;
        delete expected._permanent;
        assert.deepEqual(reply.body, expected, vector.name);
      }
    });

    test("real Flask reads the runtime's cookies (plain and compressed)", async () => {
      const cookies: string[] = [];
      const data = [{ user: "ada" }, { note: "déjà vu, 北京, 😀", text: "lorem ipsum ".repeat(40), list: [1, "two", { three: 3 }] }];
      for (const json of data) cookies.push(valueOf((await send("/write", { method: "POST", json })).setCookies[0]!));
      assert.ok(cookies.some((c) => c.startsWith(".")), "one cookie is compressed");
      const verdicts = flaskReads(python!, NEW_SECRET, NOW_SECONDS, cookies);
      assert.deepEqual(verdicts, data.map((d) => ({ verdict: "ok", loaded: described(d) })));
    });

    test("rotates keys: an old-key cookie is read, and re-signed with the new key on its next write", async () => {
      const vector = READABLE.find((v) => v.name === "chinese")!;
      assert.equal(vector.secret, OLD_SECRET);
      const write = await send("/write", { method: "POST", cookie: vector.cookie, json: { n: 1 } });
      assert.equal(write.setCookies.length, 1);
      const cookie = valueOf(write.setCookies[0]!);
      const expected = described(Object.assign(plain(vector.loaded) as object, { n: 1 }));
      assert.deepEqual(flaskReads(python!, NEW_SECRET, NOW_SECONDS, [cookie]), [{ verdict: "ok", loaded: expected }]);
      assert.equal(flaskReads(python!, OLD_SECRET, NOW_SECONDS, [cookie])[0]?.verdict, "BadTimeSignature", "the old key no longer verifies it");
    });

    test("tampered and malformed cookies give a fresh session, never a 500", async () => {
      assert.ok(HOSTILE.length >= 15);
      const written: string[] = [];
      for (const vector of HOSTILE) {
        const read = await send("/read", { cookie: vector.cookie });
        assert.equal(read.status, 200, vector.name);
        assert.deepEqual(read.body, {}, `${vector.name}: no forged data`);
        const write = await send("/write", { method: "POST", cookie: vector.cookie, json: { fresh: true } });
        assert.equal(write.status, 200, vector.name);
        written.push(valueOf(write.setCookies[0]!));
      }
      // Each write started from nothing: Flask finds only the new key in every cookie (one Python run for all).
      const verdicts = flaskReads(python!, NEW_SECRET, NOW_SECONDS, written);
      assert.deepEqual(verdicts, written.map(() => ({ verdict: "ok", loaded: described({ fresh: true }) })));
    });
  });
}

/**
 * The placeholder for a runtime that cannot be found here: fails under CI=true.
 *
 * @example
 * if (!bun) runtimeUnavailable("Bun", "npx bun is not installed");
 */
export function runtimeUnavailable(name: string, reason: string): void {
  serviceUnavailable(`conformance: ${name}`, reason);
}
