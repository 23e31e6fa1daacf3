/**
 * sessionkit/express beside the `compression` middleware, over real HTTP.
 * The response hold wraps res.write/end/writeHead; compression wraps them
 * too. Mounted after sessionMiddleware, compression's wrappers sit on top of
 * the hold's, and the hold, when it opens after the commit, must leave them
 * there: a later res.write that skipped gzip would corrupt a body already
 * sent as `Content-Encoding: gzip`. Mounted before, compression's wrappers
 * are the hold's originals. Both orders, cookie mode and store mode (the
 * async commit, with its queue and replay).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer, request, type IncomingHttpHeaders } from "node:http";
import { describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import compression from "compression";
import express, { type NextFunction, type Request, type Response } from "express";
import { createSessions, type SessionManager } from "sessionkit";
import { sessionMiddleware } from "sessionkit/express";
import { MemoryStore } from "sessionkit/stores/memory";
import type { StartedServer } from "../../src/testing/adapter-suite.js";
import { listen } from "./harness.js";

const secret = randomBytes(32).toString("base64url");

/** A body well over any threshold, with no two lines alike, so a misplaced or repeated chunk shows. */
const BIG = Array.from({ length: 2000 }, (_, i) => `line ${i}: the quick brown fox\n`).join("");
const PARTS = ["first part\n", BIG, "third part\n", "fourth part\n"];
const LAST = "the end\n";

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One generated response: `writes` as [chunk size, pause after it], then `end` with a chunk of `endChunk` characters or none. */
interface Plan {
  seed: number;
  writes: Array<[number, boolean]>;
  endChunk?: number;
}

/** `size` characters that differ with `seed` and position, so a lost, repeated or reordered chunk shows. */
function text(seed: number, size: number): string {
  let out = "";
  for (let i = 0; out.length < size; i++) out += `${seed}.${i} `;
  return out.slice(0, size);
}

function expectedBody(plan: Plan): string {
  return plan.writes.map(([size]) => text(plan.seed, size)).join("") + (plan.endChunk === undefined ? "" : text(plan.seed + 1, plan.endChunk));
}

/** A small seeded generator (mulberry32): the plans repeat for a seed, which the failure message names. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function app(sessions: SessionManager<any>, compressionFirst: boolean, errors: unknown[]): express.Express {
  const app = express();
  if (compressionFirst) app.use(compression({ threshold: 0 }));
  app.use(sessionMiddleware(sessions));
  if (!compressionFirst) app.use(compression({ threshold: 0 }));
  app.get("/send", (req, res) => {
    req.session.set("route", "send");
    res.type("text/plain").send(BIG);
  });
  app.get("/stream", async (req, res) => {
    req.session.set("route", "stream");
    res.type("text/plain");
    for (const part of PARTS) {
      res.write(part);
      await pause(5);
    }
    res.end(LAST);
  });
  app.get("/count", async (req, res) => {
    const n = ((req.session.get("n") as number | undefined) ?? 0) + 1;
    req.session.set("n", n);
    await pause(2);
    res.type("text/plain").send(`n=${n}\n${BIG}`);
  });
  // A generated plan (see "generated plans" below): chunk sizes, each followed by a pause or not, then end with or without a chunk.
  app.get("/plan", async (req, res) => {
    const plan = JSON.parse(String(req.query.p)) as Plan;
    req.session.set("plan", plan.seed);
    res.type("text/plain");
    for (const [size, paused] of plan.writes) {
      res.write(text(plan.seed, size));
      if (paused) await pause(1);
    }
    if (plan.endChunk === undefined) res.end();
    else res.end(text(plan.seed + 1, plan.endChunk));
  });
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    errors.push(error);
    if (res.headersSent) return next(error);
    res.status(500).type("text/plain").send("Internal Server Error");
  });
  return app;
}

interface Raw {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** GET with Accept-Encoding: gzip, the body as it came on the wire (fetch would decode it). */
function get(server: StartedServer, path: string, cookie?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { "accept-encoding": "gzip" };
    if (cookie !== undefined) headers.cookie = cookie;
    request(`${server.url}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    })
      .on("error", reject)
      .end();
  });
}

/**
 * A gzip body that inflates to exactly `expected`, with the session's headers
 * beside gzip's: Vary names both, and a response that sets the cookie (one
 * line, of the exact shape) is private, no-store.
 */
function assertGzipped(r: Raw, expected: string, label: string, setsCookie = true): string {
  assert.equal(r.status, 200, label);
  assert.equal(r.headers["content-encoding"], "gzip", label);
  assert.equal(r.headers["content-length"], undefined, label);
  assert.equal(gunzipSync(r.body).toString("utf8"), expected, label);
  const vary = (r.headers.vary ?? "").split(",").map((token) => token.trim().toLowerCase());
  assert.deepEqual(vary.sort(), ["accept-encoding", "cookie"], label);
  const lines = r.headers["set-cookie"] ?? [];
  if (!setsCookie) {
    assert.deepEqual(lines, [], label);
    return "";
  }
  assert.equal(lines.length, 1, label);
  assert.match(lines[0]!, /^session=[^;]+; HttpOnly; Path=\/; SameSite=Lax$/, label);
  assert.equal(r.headers["cache-control"], "private, no-store", label);
  return lines[0]!.split(";")[0]!;
}

const MODES = [
  ["cookie mode", () => createSessions({ secret })],
  ["store mode", () => createSessions({ secret, store: new MemoryStore() })],
] as const;

for (const compressionFirst of [false, true]) {
  const order = compressionFirst ? "compression() before sessionMiddleware" : "sessionMiddleware before compression()";
  describe(`sessionkit/express with ${order}`, () => {
    for (const [mode, make] of MODES) {
      it(`${mode}: res.send, streamed writes and a session write all gunzip to the exact body, with the session's headers`, async () => {
        const sessions = make();
        const errors: unknown[] = [];
        const server = await listen(createServer(app(sessions, compressionFirst, errors)));
        try {
          // Twice each on one server: a second request must not meet a response object's leftovers.
          for (let round = 0; round < 2; round++) {
            const sent = await get(server, "/send");
            const sentCookie = assertGzipped(sent, BIG, `${mode} /send round ${round}`);
            assert.equal((await sessions.load(sentCookie)).get("route"), "send");

            const streamed = await get(server, "/stream");
            const streamedCookie = assertGzipped(streamed, PARTS.join("") + LAST, `${mode} /stream round ${round}`);
            assert.equal((await sessions.load(streamedCookie)).get("route"), "stream");
          }

          const first = await get(server, "/count");
          const cookie = assertGzipped(first, `n=1\n${BIG}`, `${mode} /count`);
          // A store session keeps its id: the second write changes the record, not the cookie.
          const second = await get(server, "/count", cookie);
          const again = assertGzipped(second, `n=2\n${BIG}`, `${mode} /count again`, mode === "cookie mode");
          assert.equal((await sessions.load(again || cookie)).get("n"), 2);
          assert.deepEqual(errors, []);
        } finally {
          await server.close();
        }
      });

      it(`${mode}: generated plans of writes, pauses and ends all gunzip to the exact body, with the session's headers`, async () => {
        const base = Number(process.env.COMPRESSION_SEED ?? Date.now() % 1_000_000);
        const next = random(base);
        const sessions = make();
        const errors: unknown[] = [];
        const server = await listen(createServer(app(sessions, compressionFirst, errors)));
        try {
          for (let n = 0; n < 25; n++) {
            const sizes = [1, 7, 100, 4_096, 16_384, 70_000];
            const pick = () => sizes[Math.floor(next() * sizes.length)]!;
            const plan: Plan = { seed: base + n * 2, writes: Array.from({ length: Math.floor(next() * 5) }, () => [pick(), next() < 0.5] as [number, boolean]) };
            if (next() < 0.7) plan.endChunk = pick();
            const label = `${mode}, seed ${base} (COMPRESSION_SEED=${base}), plan ${n}: ${JSON.stringify(plan)}`;
            const r = await get(server, `/plan?p=${encodeURIComponent(JSON.stringify(plan))}`);
            const cookie = assertGzipped(r, expectedBody(plan), label);
            assert.equal((await sessions.load(cookie)).get("plan"), plan.seed, label);
          }
          assert.deepEqual(errors, []);
        } finally {
          await server.close();
        }
      });
    }
  });
}
