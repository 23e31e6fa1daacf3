/**
 * The adapter suite's scenarios for sessions bigger than one cookie
 * (`cookie.maxChunks`): every adapter must send each chunk, and each stale
 * chunk's deletion, as its own Set-Cookie line, and hand core the chunks
 * back on the next request.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, it } from "node:test";
import type { AdapterOptions } from "../adapters/shared.js";
import { createSessions, type SessionManager } from "../core/manager.js";
import type { Session } from "../core/session.js";

// The adapter suite's own types, restated as far as these scenarios use them
// (adapter-suite.ts imports this file: importing back would be a cycle).
type RouteTable = Readonly<Record<string, (session: Session<any>, request: { query: URLSearchParams }) => { body?: string } | Promise<{ body?: string }>>>;
interface StartedServer {
  url: string;
  close(): Promise<void>;
}
type StartServer = (sessions: SessionManager<any>, routes: RouteTable, options: AdapterOptions) => Promise<StartedServer>;

/** Random base64 (incompressible) of `size` characters. */
const blob = (size: number): string => randomBytes(size).toString("base64").slice(0, size);

const ROUTES: RouteTable = {
  "/fill": (s, r) => (s.set("value", blob(Number(r.query.get("size") ?? "0"))), { body: "ok" }),
  "/length": (s) => ({ body: JSON.stringify({ length: String(s.get("value") ?? "").length, isNew: s.isNew }) }),
  "/destroy": async (s) => (await s.destroy(), { body: "destroyed" }),
};

const CHUNK = /^session\.[0-2]=[A-Za-z0-9_.-]+; HttpOnly; Path=\/; SameSite=Lax$/;
const deletion = (name: string): string => `${name}=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=/; SameSite=Lax`;

/** A browser's jar, enough for this scenario: each Set-Cookie line sets or deletes one name. */
function apply(jar: Map<string, string>, lines: readonly string[]): string {
  for (const line of lines) {
    const pair = line.slice(0, line.indexOf(";"));
    const name = pair.slice(0, pair.indexOf("="));
    if (line.includes("; Max-Age=0")) jar.delete(name);
    else jar.set(name, pair.slice(name.length + 1));
  }
  return [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
}

/**
 * Register the chunk scenarios in the current describe block.
 *
 * @example
 * describe("big sessions", () => chunkScenarios(start));
 */
export function chunkScenarios(start: StartServer): void {
  let server: StartedServer | undefined;
  before(async () => {
    server = await start(createSessions({ secret: randomBytes(32).toString("base64url"), cookie: { maxChunks: 3 } }), ROUTES, {});
  });
  after(async () => {
    await server?.close();
  });
  const get = (path: string, cookie: string): Promise<Response> => fetch(server!.url + path, { headers: cookie ? { cookie } : {} });

  it("a session bigger than one cookie goes out as one Set-Cookie line per chunk, comes back whole, and shrinks without a stale chunk", async () => {
    const jar = new Map<string, string>();
    const big = await get("/fill?size=7000", "");
    assert.equal(await big.text(), "ok");
    const lines = big.headers.getSetCookie();
    assert.equal(lines.length, 2, lines.map((l) => l.slice(0, 12)).join());
    for (const [index, line] of lines.entries()) {
      assert.match(line, CHUNK);
      assert.ok(line.startsWith(`session.${index}=`) && line.length <= 4093);
    }
    let cookie = apply(jar, lines);
    assert.deepEqual(JSON.parse(await (await get("/length", cookie)).text()), { length: 7000, isNew: false });

    const small = await get("/fill?size=10", cookie);
    await small.text();
    const shrunk = small.headers.getSetCookie();
    assert.equal(shrunk.length, 3);
    assert.match(shrunk[0]!, /^session=[A-Za-z0-9_.-]+; HttpOnly; Path=\/; SameSite=Lax$/);
    assert.deepEqual(shrunk.slice(1), [deletion("session.0"), deletion("session.1")]);
    cookie = apply(jar, shrunk);
    assert.deepEqual([...jar.keys()], ["session"]);
    assert.deepEqual(JSON.parse(await (await get("/length", cookie)).text()), { length: 10, isNew: false });

    cookie = apply(jar, (await get("/fill?size=9000", cookie)).headers.getSetCookie());
    assert.deepEqual([...jar.keys()].sort(), ["session.0", "session.1", "session.2"]);
    const destroyed = await get("/destroy", cookie);
    assert.equal(await destroyed.text(), "destroyed");
    assert.deepEqual(destroyed.headers.getSetCookie(), [deletion("session"), deletion("session.0"), deletion("session.1"), deletion("session.2")]);
  });

  it("a mixed set of chunks is a fresh session; past three cookies is a 500 with no Set-Cookie", async () => {
    const a = new Map<string, string>();
    const b = new Map<string, string>();
    apply(a, (await get("/fill?size=7000", "")).headers.getSetCookie());
    apply(b, (await get("/fill?size=7000", "")).headers.getSetCookie());
    const mixed = `session.0=${a.get("session.0")}; session.1=${b.get("session.1")}`;
    const r = await get("/length", mixed);
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(await r.text()), { length: 0, isNew: true });
    const tooBig = await get("/fill?size=13000", "");
    await tooBig.text();
    assert.equal(tooBig.status, 500);
    assert.deepEqual(tooBig.headers.getSetCookie(), []);
  });
}
