/**
 * Hostile cookies against the running tutorial, sent as raw bytes (so that
 * nothing on the client side tidies them): fast-check generates forged
 * Flask-style cookies (any payload, any timestamp up to 2^53 seconds, past
 * the last date JavaScript can show), cookies signed with the app's own
 * secret at an absurd time (far past, far future), printable junk up to
 * 15 KB, bytes that are not UTF-8, and well-formed unknown ids. Every one
 * gets the fresh-session page: `/` says nobody is logged in, `/inspect`
 * says the cookie was refused without echoing it, never a 500 nor a stack
 * trace. A 100 KB Cookie header is over Node's header limit and gets
 * Node's own 431 before the app runs: a clear 4xx.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { cookieSalt } from "sessionkit";
import { base64Encode, createCookieCodec, intToBytes } from "sessionkit/codec";
import { readConfig } from "../../examples/tutorial/config.js";
import { startTutorial, type RunningTutorial } from "../../examples/tutorial/server.js";
import { looksLikeStackTrace } from "./client.js";

const SECRET = "tutorial-hostile-cookies-secret-0123456789ab";
const RUNS = Number(process.env.HOSTILE_RUNS ?? 40);

const modes = [
  { name: "cookie (signed)", env: { SESSION_STORE: "cookie", SESSION_FORMAT: "signed" }, format: "signed" as const },
  { name: "cookie (flask)", env: { SESSION_STORE: "cookie", SESSION_FORMAT: "flask" }, format: "flask" as const },
  { name: "cookie (encrypted)", env: { SESSION_STORE: "cookie", SESSION_FORMAT: "encrypted" }, format: "encrypted" as const },
  { name: "store (memory)", env: { SESSION_STORE: "memory" }, format: undefined },
];

/** One GET with `cookie` as the raw bytes of the Cookie header; the whole response as latin1 text. */
function rawGet(port: number, path: string, cookie: Buffer): Promise<{ status: number; body: string }> {
  const head = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\nCookie: session=`, "latin1");
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.end(Buffer.concat([head, cookie, Buffer.from("\r\n\r\n")])));
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error(`no answer from ${path} in 10 s`)), 10_000);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", (error) => (clearTimeout(timer), reject(error)));
    socket.on("close", () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("latin1");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf("\r\n\r\n") + 4) });
    });
  });
}

/** A Flask-style cookie that was never signed here: any payload, any timestamp, any signature. */
const forged = fc
  .record({
    data: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
    seconds: fc.oneof(fc.maxSafeNat(), fc.constantFrom(0, 8_640_000_000_001, 2 ** 53 - 1, 253_402_300_800, 4_102_444_800)),
    signature: fc.uint8Array({ minLength: 0, maxLength: 40 }),
    compressed: fc.boolean(),
  })
  .map(({ data, seconds, signature, compressed }) => {
    const payload = Buffer.from(JSON.stringify({ username: "admin", ...data })).toString("base64url");
    return `${compressed ? "." : ""}${payload}.${base64Encode(intToBytes(seconds))}.${base64Encode(signature)}`;
  });

/** Printable junk: no `;` (which would end the value) and no control characters. */
const junk = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).filter((c) => c !== 0x3b).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 3_000 });

/** Every kind of hostile cookie value, as the bytes sent. */
function hostile(format: "signed" | "flask" | "encrypted" | undefined): fc.Arbitrary<Buffer> {
  const kinds: fc.Arbitrary<Buffer>[] = [
    forged.map((v) => Buffer.from(v, "latin1")),
    junk.map((v) => Buffer.from(v, "latin1")),
    fc.integer({ min: 4_000, max: 15_000 }).map((n) => Buffer.from("A".repeat(n))),
    // Bytes that are not UTF-8 (0x80–0xff), mixed with a valid-looking start.
    fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => Buffer.concat([Buffer.from("eyJ1c2VybmFtZSI6ImFkbWluIn0."), Buffer.from(b.map((x) => 0x80 | x))])),
    fc.constant(Buffer.from(randomBytes(32).toString("base64url"))),
  ];
  if (format !== undefined) {
    // Signed with the app's own secret, at a time far in the past or the future: a valid MAC, an absurd age.
    const codec = createCookieCodec({ format, secrets: [SECRET], salt: cookieSalt(format, "session") });
    const limit = format === "encrypted" ? 2 ** 47 : 2 ** 53 - 1;
    const absurd = fc.oneof(fc.integer({ min: 1, max: 1_000_000_000 }), fc.integer({ min: 2_000_000_000, max: limit }));
    kinds.push(absurd.map((seconds) => Buffer.from(codec.encode({ username: "admin" }, { nowSeconds: seconds }))));
  }
  return fc.oneof(...kinds);
}

for (const mode of modes) {
  describe(`hostile cookies against the tutorial, ${mode.name}`, () => {
    let app: RunningTutorial;
    before(async () => {
      app = await startTutorial({ ...readConfig({ SECRET_KEY: SECRET, ...mode.env }), port: 0 });
    });
    after(async () => app?.close());

    test(`generated forged, absurdly timed, junk, non-UTF-8 and oversized cookies get the fresh-session page, never a 500 (${mode.name})`, async () => {
      await fc.assert(
        fc.asyncProperty(hostile(mode.format), async (cookie) => {
          const shown = cookie.toString("latin1");
          const home = await rawGet(app.port, "/", cookie);
          assert.equal(home.status, 200, `/ → ${home.status} for ${shown.slice(0, 80)}`);
          assert.match(home.body, /You are not logged in/);
          const inspect = await rawGet(app.port, "/inspect", cookie);
          assert.equal(inspect.status, 200, `/inspect → ${inspect.status} for ${shown.slice(0, 80)}`);
          assert.match(inspect.body, /<dd class="accepted">no|No <code>session<\/code> cookie yet/);
          assert.ok(!looksLikeStackTrace(inspect.body) && !looksLikeStackTrace(home.body), "no stack trace");
          if (shown.length >= 16) assert.ok(!inspect.body.includes(shown.slice(0, 16)), "the refused cookie is not echoed");
          assert.equal((await rawGet(app.port, "/profile", cookie)).status, 401);
        }),
        { numRuns: RUNS, seed: 31 },
      );
    });

    test(`a 100 KB cookie is refused by Node's header limit with a 431, and the app keeps serving (${mode.name})`, async () => {
      const huge = await rawGet(app.port, "/inspect", Buffer.from("A".repeat(100_000)));
      assert.equal(huge.status, 431);
      assert.equal((await rawGet(app.port, "/", Buffer.from("x"))).status, 200);
    });
  });
}
