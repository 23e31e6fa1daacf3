/**
 * Live exchange with a real Flask app over HTTP (scripts/flask/live_app.py):
 * Flask writes a session cookie that we read, and reads the cookies we write,
 * including after a key rotation.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createServer, connect } from "node:net";
import { after, before, describe, test } from "node:test";
import { createCookieCodec, Markup, tuple, UUID } from "../../src/codec/index.js";
import { flaskAvailable, requireService, revive } from "./helpers.js";

const SECRET = "live-test-current-key-0123456789abcdef";
const FALLBACK = "live-test-older-key-0123456789abcdef";
const MAX_AGE = 31 * 24 * 3600;

let flask: ChildProcess | undefined;
let base = "";
const available = flaskAvailable();

function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

before(async () => {
  if (!available) return;
  const port = await sparePort();
  const script = new URL("../../scripts/flask/live_app.py", import.meta.url).pathname;
  flask = spawn("python3", ["-W", "ignore", script, String(port), SECRET, FALLBACK], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  flask.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  // Bounded by time, not tries (each try may itself be slow on a loaded machine); Python and Flask can take many seconds there.
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (await canConnect(port)) {
      base = `http://127.0.0.1:${port}`;
      return;
    }
    if (flask.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the Flask app did not start listening within 60 s: ${stderr.slice(-500)}`);
});

after(() => {
  flask?.kill("SIGTERM");
});

function sessionCookie(res: Response): string {
  const header = res.headers.getSetCookie().find((c) => c.startsWith("session="));
  assert.ok(header, "Flask sent a session cookie");
  return header.slice("session=".length, header.indexOf(";"));
}

async function show(cookie: string): Promise<unknown> {
  const res = await fetch(`${base}/show`, { headers: { cookie: `session=${cookie}` }, signal: AbortSignal.timeout(10_000) });
  assert.equal(res.status, 200);
  return res.json();
}

describe("live Flask over HTTP", () => {
  test("we read the cookie Flask writes, every tag included", async (t) => {
    if (!requireService(t, available, "python3 with Flask")) return;
    const res = await fetch(`${base}/login`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(res.status, 200);
    const cookie = sessionCookie(res);
    const codec = createCookieCodec({ format: "flask", secrets: [SECRET, FALLBACK] });
    const opened = codec.open(cookie, { maxAgeSeconds: MAX_AGE });
    assert.equal(opened.secretIndex, 0);
    assert.ok(Math.abs(opened.signedAtSeconds - Date.now() / 1000) < 30);
    const d = opened.data;
    assert.equal(d.user, "张伟 😀");
    assert.deepStrictEqual(d.flash, tuple("success", new Markup("<b>Saved</b>")));
    assert.deepStrictEqual(d.blob, new Uint8Array([0, 255]));
    assert.equal(String(d.id), "12345678-1234-5678-1234-567812345678");
    assert.equal((d.at as Date).toISOString(), "2024-01-02T03:04:05.000Z");
    assert.equal(d.big, 2n ** 70n);
    assert.equal(d.pi, 3.14159);
    const nested = d.nested as Record<string, Record<string, unknown>>;
    assert.equal(Object.getPrototypeOf(nested.__proto__), null);
    assert.equal(nested.__proto__!.admin, true);
    assert.deepStrictEqual(await show(cookie), await show(codec.encode(d)), "Flask reads our re-encoding as its own");
  });

  test("Flask reads the cookies we write, compressed or not", async (t) => {
    if (!requireService(t, available, "python3 with Flask")) return;
    const codec = createCookieCodec({ format: "flask", secrets: [SECRET] });
    const data: Record<string, unknown> = {
      user: "tom",
      cart: tuple(1, 2, tuple(3)),
      at: new Date(Date.UTC(2030, 5, 1, 12, 0, 0)),
      id: new UUID("0f0e0d0c-0b0a-0908-0706-050403020100"),
      big: -(2n ** 64n),
      x: { " t": "not a tuple" },
    };
    const small = codec.encode(data);
    const large = codec.encode({ ...data, text: "lorem ipsum ".repeat(60) });
    const tiny = codec.encode({ user: "t" });
    assert.ok(!tiny.startsWith(".") && large.startsWith("."), "one plain, one compressed");
    assert.deepStrictEqual(await show(tiny), { $dict: { user: "t" } });
    for (const cookie of [small, large]) {
      const described = (await show(cookie)) as { $dict: Record<string, unknown> };
      const seen = revive(described) as Record<string, unknown>;
      assert.deepStrictEqual(seen.cart, data.cart);
      assert.equal((seen.at as Date).getTime(), (data.at as Date).getTime());
      assert.equal(String(seen.id), String(data.id));
      assert.equal(seen.big, data.big);
      assert.deepStrictEqual({ ...(seen.x as object) }, { " t": "not a tuple" });
    }
  });

  test("after a rotation, Flask reads our old-key cookie and re-signs it with the current key", async (t) => {
    if (!requireService(t, available, "python3 with Flask")) return;
    const oldCodec = createCookieCodec({ format: "flask", secrets: [FALLBACK] });
    const res = await fetch(`${base}/touch`, {
      headers: { cookie: `session=${oldCodec.encode({ user: "rotated" })}` },
      signal: AbortSignal.timeout(10_000),
    });
    const renewed = sessionCookie(res);
    const codec = createCookieCodec({ format: "flask", secrets: [SECRET, FALLBACK] });
    const opened = codec.open(renewed, { maxAgeSeconds: MAX_AGE });
    assert.equal(opened.secretIndex, 0, "Flask signs with SECRET_KEY");
    assert.equal(opened.data.user, "rotated");
    assert.equal(opened.data.touched, true);
    // A cookie signed with a key Flask does not know is an empty session there.
    const stranger = createCookieCodec({ format: "flask", secrets: ["not-a-key-flask-knows-0123456789"] });
    assert.deepStrictEqual(await show(stranger.encode({ user: "forged" })), { $dict: {} });
  });
});
