/**
 * The adapter conformance suite: one set of HTTP scenarios, asserted on the
 * wire, that every framework adapter must pass unchanged (exact Set-Cookie
 * strings, Vary, Cache-Control, status codes).
 *
 * An adapter's test file mounts a small framework-neutral route table on its
 * framework and hands {@link testAdapter} a function that starts a server.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import type { AdapterOptions } from "../adapters/shared.js";
import { createSessions, type SessionManager } from "../core/manager.js";
import type { SessionOptions } from "../core/options.js";
import type { Session } from "../core/session.js";
import type { Store, StoreContext } from "../core/store.js";
import { MemoryStore } from "../stores/memory.js";
import { chunkScenarios } from "./adapter-suite-chunks.js";
import { deviceScenarios } from "./adapter-suite-devices.js";

/**
 * What a route sees of the request.
 *
 * @example
 * const request: RouteRequest = { method: "GET", path: url.pathname, query: url.searchParams };
 */
export interface RouteRequest {
  method: string;
  path: string;
  query: URLSearchParams;
}

/**
 * What a route answers; the harness turns it into its framework's response.
 *
 * @example
 * const result: RouteResult = { status: 302, headers: [["Location", "/"]], body: "" };
 */
export interface RouteResult {
  status?: number;
  body?: string;
  /** Headers to add, in order; several `Set-Cookie` entries must become several lines. */
  headers?: [string, string][];
  /** Send these chunks as a streamed body instead of `body`. */
  stream?: string[];
}

/**
 * One route: sync or async, may throw (the framework must answer 500).
 *
 * @example
 * const hello: Route = (session) => ({ body: String(session.get("name") ?? "") });
 */
export type Route = (session: Session<any>, request: RouteRequest) => RouteResult | Promise<RouteResult>;
/**
 * Path → route, GET only.
 *
 * @example
 * const routes: RouteTable = { "/": (session) => ({ body: String(session.size) }) };
 */
export type RouteTable = Readonly<Record<string, Route>>;

/**
 * A running server under test.
 *
 * @example
 * const server: StartedServer = await listen(createServer(app)); await server.close();
 */
export interface StartedServer {
  /** Base URL without a trailing slash, such as `http://127.0.0.1:4321`. */
  url: string;
  /** Stop the server, closing idle keep-alive connections. */
  close(): Promise<void>;
}

/**
 * Start the adapter's framework with `sessions`, `routes` mounted, and the adapter's `options`.
 *
 * @example
 * const start: StartServer = async (sessions, routes, options) => listen(createServer(handlerFor(sessions, routes, options)));
 */
export type StartServer = (sessions: SessionManager<any>, routes: RouteTable, options: AdapterOptions) => Promise<StartedServer>;

/**
 * Run the route for `path` (404 when none, without touching the session).
 *
 * @example
 * const result = await runRoute(routes, req.session, { method: "GET", path: url.pathname, query: url.searchParams });
 */
export async function runRoute(routes: RouteTable, session: Session<any>, request: RouteRequest): Promise<RouteResult> {
  const route = Object.hasOwn(routes, request.path) ? routes[request.path] : undefined;
  if (!route) return { status: 404, body: "not found" };
  return route(session, request);
}

/**
 * The chunks of a streamed route, a tick apart, so the body really streams.
 *
 * @example
 * Readable.from(streamChunks(result.stream));
 */
export async function* streamChunks(chunks: readonly string[]): AsyncGenerator<string> {
  for (const chunk of chunks) {
    await delay(5);
    yield chunk;
  }
}

const BIG = randomBytes(4500).toString("base64");

/** The routes every harness mounts. */
const ROUTES: RouteTable = {
  "/set": (s, r) => (s.set(r.query.get("key") ?? "value", r.query.get("value") ?? "x"), { body: "ok" }),
  "/get": (s, r) => ({ body: JSON.stringify({ value: s.get(r.query.get("key") ?? "value") ?? null, isNew: s.isNew }) }),
  "/incr": (s) => {
    const n = Number(s.get("n") ?? 0) + 1;
    s.set("n", n);
    return { body: String(n) };
  },
  "/static": () => ({ body: "static" }),
  "/vary": (s) => (s.get("value"), { body: "vary", headers: [["Vary", "Accept-Encoding"]] }),
  "/app-cookie": (s) => (s.set("value", "c"), { body: "ok", headers: [["Set-Cookie", "app=1; Path=/"]] }),
  "/cache": (s) => (s.set("value", "c"), { body: "ok", headers: [["Cache-Control", "no-store"]] }),
  "/cache-private": (s) => (s.set("value", "c"), { body: "ok", headers: [["Cache-Control", "private, max-age=60"]] }),
  "/cache-no-cache-set-cookie": (s) => (s.set("value", "c"), { body: "ok", headers: [["Cache-Control", 'no-cache="Set-Cookie", max-age=60']] }),
  "/cache-public": (s) => (s.set("value", "c"), { body: "ok", headers: [["Cache-Control", "public, max-age=600"]] }),
  "/cache-public-read": (s) => (s.get("value"), { body: "ok", headers: [["Cache-Control", "public, max-age=600"]] }),
  "/pop": (s) => ({ body: String(s.pop("value", "none")) }),
  "/clear": (s) => (s.clear(), { body: "cleared" }),
  "/permanent": (s) => ((s.permanent = true), s.set("value", "p"), { body: "ok" }),
  "/redirect": (s) => (s.set("value", "r"), { status: 302, headers: [["Location", "/get"]], body: "" }),
  "/throw": (s) => {
    s.set("value", "thrown");
    throw new Error("boom after a change");
  },
  "/fail-500": (s) => (s.set("value", "five"), { status: 500, body: "failed" }),
  "/stream": (s) => (s.set("value", "streamed"), { stream: ["a", "b", "c"] }),
  "/async": async (s) => {
    await delay(20);
    s.set("value", "later");
    return { body: "ok" };
  },
  "/big": (s) => (s.set("value", BIG), { body: "ok" }),
  "/destroy": async (s) => (await s.destroy(), { body: "destroyed" }),
};

const SESSION_COOKIE = /^session=[A-Za-z0-9_.-]+; HttpOnly; Path=\/; SameSite=Lax$/;
const DELETION = "session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=/; SameSite=Lax";
const secret = (): string => randomBytes(32).toString("base64url");

/** A GET with `redirect: "manual"`. */
async function get(base: string, path: string, cookie?: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(base + path, { redirect: "manual", headers: cookie === undefined ? headers : { ...headers, cookie } });
}

/** The `name=value` pair of a Set-Cookie line. */
function pair(setCookie: string | undefined): string {
  assert.ok(setCookie, "expected a Set-Cookie header");
  return setCookie.slice(0, setCookie.indexOf(";"));
}

/** Vary's tokens, lowercased. */
function varyTokens(response: Response): string[] {
  return (response.headers.get("vary") ?? "").split(",").map((t) => t.trim().toLowerCase()).filter(Boolean);
}

function assertVaryCookieOnce(response: Response): void {
  assert.equal(varyTokens(response).filter((t) => t === "cookie").length, 1, `Vary: ${response.headers.get("vary")}`);
}

async function json(response: Response): Promise<{ value: unknown; isNew: boolean }> {
  return JSON.parse(await response.text()) as { value: unknown; isNew: boolean };
}

/** A store wrapper that can slow, fail, hang or lose records on demand. */
class ControlledStore implements Store {
  readonly name = "controlled";
  mode: "ok" | "throw" | "hang" | "vanish" = "ok";
  writeDelayMs = 0;
  readonly #inner = new MemoryStore();
  async #gate(): Promise<void> {
    if (this.mode === "throw") throw new Error("store down");
    // Bounded: the manager's deadline gives up long before this.
    if (this.mode === "hang") await delay(10_000, undefined, { ref: false });
  }
  async load(idHash: string, ctx: StoreContext) {
    await this.#gate();
    return this.#inner.load(idHash, ctx);
  }
  async create(idHash: string, record: Parameters<Store["create"]>[1], ctx: StoreContext) {
    await this.#gate();
    await delay(this.writeDelayMs);
    return this.#inner.create(idHash, record, ctx);
  }
  async apply(idHash: string, change: Parameters<Store["apply"]>[1], ctx: StoreContext) {
    await this.#gate();
    await delay(this.writeDelayMs);
    return this.mode === "vanish" ? "missing" : this.#inner.apply(idHash, change, ctx);
  }
  async touch(idHash: string, expiresAtMs: number, ctx: StoreContext) {
    await this.#gate();
    return this.#inner.touch(idHash, expiresAtMs, ctx);
  }
  async rotate(oldIdHash: string, newIdHash: string, change: Parameters<Store["rotate"]>[2], graceUntilMs: number, ctx: StoreContext) {
    await this.#gate();
    await delay(this.writeDelayMs);
    return this.mode === "vanish" ? "missing" : this.#inner.rotate(oldIdHash, newIdHash, change, graceUntilMs, ctx);
  }
  async destroy(idHash: string, ctx: StoreContext) {
    await this.#gate();
    return this.#inner.destroy(idHash, ctx);
  }
}

/** Start a server for one describe block and stop it after. */
function serverFor(start: StartServer, options: SessionOptions, adapterOptions: AdapterOptions = {}): { base: () => string } {
  let server: StartedServer | undefined;
  before(async () => {
    server = await start(createSessions(options), ROUTES, adapterOptions);
  });
  after(async () => {
    await server?.close();
  });
  return { base: () => server!.url };
}

/** What the suite must know of an adapter's framework. */
export interface AdapterTraits {
  /** The framework gives the client's address (node:http based ones do; a bare `Request` does not). Default true. */
  knowsClientAddress?: boolean;
}

/**
 * Run the conformance suite against one adapter.
 *
 * @example
 * testAdapter("express", async (sessions, routes, options) => startExpress(sessions, routes, options));
 */
export function testAdapter(name: string, startServer: StartServer, traits: AdapterTraits = {}): void {
  describe(`adapter conformance: ${name}`, () => {
    describe("cookie sessions", () => cookieScenarios(startServer));
    describe("hostile cookies", () => hostileScenarios(startServer));
    describe("server-side sessions", () => storeScenarios(startServer));
    describe("secure: auto", () => secureScenarios(startServer));
    describe("destroy", () => destroyScenarios(startServer));
    describe("sessions bigger than one cookie", () => chunkScenarios(startServer));
    describe("devices", () => deviceScenarios(startServer, traits.knowsClientAddress ?? true));
  });
}

function destroyScenarios(start: StartServer): void {
  const plain = serverFor(start, { secret: secret() });
  const clearing = serverFor(start, { secret: secret(), clearSiteDataOnDestroy: true });

  it("destroy sends the deletion cookie; Clear-Site-Data only when clearSiteDataOnDestroy is on", async () => {
    for (const [server, expected] of [[plain, null], [clearing, '"cookies"']] as const) {
      const cookie = pair((await get(server.base(), "/set?value=x")).headers.getSetCookie()[0]);
      const r = await get(server.base(), "/destroy", cookie);
      assert.equal(await r.text(), "destroyed");
      assert.deepEqual(r.headers.getSetCookie(), [DELETION]);
      assert.equal(r.headers.get("clear-site-data"), expected);
      const untouched = await get(server.base(), "/set?value=y");
      assert.equal(untouched.headers.get("clear-site-data"), null, "only the destroying response clears");
    }
  });
}

function cookieScenarios(start: StartServer): void {
  const { base } = serverFor(start, { secret: secret() });
  let cookie = "";

  it("a write sends one Set-Cookie of the exact shape, Vary: Cookie and Cache-Control: private, no-store", async () => {
    const r = await get(base(), "/set?value=hello");
    assert.equal(r.status, 200);
    assert.equal(await r.text(), "ok");
    const lines = r.headers.getSetCookie();
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, SESSION_COOKIE);
    assertVaryCookieOnce(r);
    assert.equal(r.headers.get("cache-control"), "private, no-store");
    cookie = pair(lines[0]);
  });

  it("a read-only request sends no Set-Cookie, Vary: Cookie, and leaves Cache-Control alone", async () => {
    const r = await get(base(), "/get", cookie);
    assert.deepEqual(await json(r), { value: "hello", isNew: false });
    assert.deepEqual(r.headers.getSetCookie(), []);
    assertVaryCookieOnce(r);
    assert.equal(r.headers.get("cache-control"), null);
  });

  it("a route that does not touch the session gets no Vary and no Set-Cookie", async () => {
    const r = await get(base(), "/static", cookie);
    assert.equal(await r.text(), "static");
    assert.equal(r.headers.get("vary"), null);
    assert.deepEqual(r.headers.getSetCookie(), []);
    assert.equal(r.headers.get("cache-control"), null);
  });

  it("an app's Vary is merged with Cookie exactly once", async () => {
    const r = await get(base(), "/vary", cookie);
    await r.text();
    assert.deepEqual(varyTokens(r), ["accept-encoding", "cookie"]);
  });

  it("an app's own Set-Cookie stays a separate line beside the session's", async () => {
    const r = await get(base(), "/app-cookie");
    await r.text();
    const lines = r.headers.getSetCookie();
    assert.equal(lines.length, 2, JSON.stringify(lines));
    assert.ok(lines.includes("app=1; Path=/"), JSON.stringify(lines));
    assert.match(lines.find((l) => l.startsWith("session="))!, SESSION_COOKIE);
  });

  it("an app's Cache-Control that keeps shared caches away (no-store, private, no-cache=\"Set-Cookie\") is kept", async () => {
    const kept: [string, string][] = [
      ["/cache", "no-store"],
      ["/cache-private", "private, max-age=60"],
      ["/cache-no-cache-set-cookie", 'no-cache="Set-Cookie", max-age=60'],
    ];
    for (const [path, value] of kept) {
      const r = await get(base(), path);
      await r.text();
      assert.equal(r.headers.getSetCookie().length, 1, path);
      assert.equal(r.headers.get("cache-control"), value, path);
    }
  });

  it("an app's shared-cacheable Cache-Control on a response setting the cookie is replaced by private, no-store; a read-only one is kept", async () => {
    const r = await get(base(), "/cache-public");
    await r.text();
    assert.equal(r.headers.getSetCookie().length, 1);
    assert.equal(r.headers.get("cache-control"), "private, no-store");
    const read = await get(base(), "/cache-public-read", cookie);
    await read.text();
    assert.deepEqual(read.headers.getSetCookie(), []);
    assert.equal(read.headers.get("cache-control"), "public, max-age=600", "no Set-Cookie: the app's caching stands");
  });

  it("pop of the last key and clear() send the deletion cookie with the same attributes", async () => {
    const popped = await get(base(), "/pop", cookie);
    assert.equal(await popped.text(), "hello");
    assert.deepEqual(popped.headers.getSetCookie(), [DELETION]);
    assertVaryCookieOnce(popped);
    const cleared = await get(base(), "/clear", cookie);
    await cleared.text();
    assert.deepEqual(cleared.headers.getSetCookie(), [DELETION]);
    const missing = await get(base(), "/pop");
    assert.equal(await missing.text(), "none");
    assert.deepEqual(missing.headers.getSetCookie(), [], "popping a missing key changes nothing");
  });

  it("a permanent session expires after the lifetime, and a read refreshes it", async () => {
    const r = await get(base(), "/permanent");
    await r.text();
    const line = r.headers.getSetCookie()[0]!;
    assert.match(line, /^session=[A-Za-z0-9_.-]+; Expires=[^;]+ GMT; HttpOnly; Path=\/; SameSite=Lax$/);
    const expires = Date.parse(/Expires=([^;]+)/.exec(line)![1]!);
    assert.ok(Math.abs(expires - (Date.now() + 31 * 86_400_000)) < 5_000, `Expires ${new Date(expires).toISOString()}`);
    const refreshed = await get(base(), "/get", pair(line));
    assert.equal((await json(refreshed)).value, "p");
    assert.match(refreshed.headers.getSetCookie()[0] ?? "", /; Expires=/, "refreshEachRequest re-sends a permanent cookie");
    assertVaryCookieOnce(refreshed);
  });

  it("a redirect carries the Set-Cookie", async () => {
    const r = await get(base(), "/redirect");
    await r.text();
    assert.equal(r.status, 302);
    assert.equal(r.headers.get("location"), "/get");
    const next = await get(base(), "/get", pair(r.headers.getSetCookie()[0]));
    assert.equal((await json(next)).value, "r");
  });

  it("an error thrown after a change answers 500 and saves nothing; so does a returned 500", async () => {
    for (const path of ["/throw", "/fail-500"]) {
      const r = await get(base(), path, cookie);
      await r.text();
      assert.equal(r.status, 500, path);
      assert.deepEqual(r.headers.getSetCookie(), [], path);
    }
    const still = await get(base(), "/get", cookie);
    assert.equal((await json(still)).value, "hello");
  });

  it("a streamed response and an async route carry the Set-Cookie", async () => {
    const r = await get(base(), "/stream");
    assert.equal(await r.text(), "abc");
    const next = await get(base(), "/get", pair(r.headers.getSetCookie()[0]));
    assert.equal((await json(next)).value, "streamed");
    const later = await get(base(), "/async");
    await later.text();
    assert.match(later.headers.getSetCookie()[0] ?? "", SESSION_COOKIE);
  });

  it("a cookie over the size limit is a 500, never a silently dropped cookie", async () => {
    const r = await get(base(), "/big");
    await r.text();
    assert.equal(r.status, 500);
    assert.deepEqual(r.headers.getSetCookie(), []);
  });
}

function hostileScenarios(start: StartServer): void {
  const { base } = serverFor(start, { secret: secret() });

  it("garbage, forged, oversized and duplicated cookies give a fresh session with 200", async () => {
    const good = pair((await get(base(), "/set?value=mine")).headers.getSetCookie()[0]);
    const value = good.slice("session=".length);
    const forged = value.slice(0, -2) + (value.endsWith("AA") ? "BB" : "AA");
    const headers = [
      "session=garbage",
      `session=${forged}`,
      `session=${"a".repeat(8_000)}`,
      `session=garbage; ${good}`,
      "session=",
      `session="${"\u00ff".repeat(3)}"`,
    ];
    for (const header of headers) {
      const r = await get(base(), "/get", header);
      assert.equal(r.status, 200, header.slice(0, 40));
      assert.deepEqual(await json(r), { value: null, isNew: true }, header.slice(0, 40));
      assert.deepEqual(r.headers.getSetCookie(), []);
    }
    const first = await get(base(), "/get", `${good}; session=garbage`);
    assert.equal((await json(first)).value, "mine", "the first of duplicated cookies wins");
  });

  it("__proto__ as a cookie name or a session key is plain data", async () => {
    const r = await get(base(), "/set?key=__proto__&value=polluted", "__proto__=1; constructor=2");
    assert.equal(r.status, 200);
    const cookie = pair(r.headers.getSetCookie()[0]);
    const back = await get(base(), "/get?key=__proto__", `__proto__=x; ${cookie}`);
    assert.deepEqual(await json(back), { value: "polluted", isNew: false });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    const other = await get(base(), "/get?key=polluted", cookie);
    assert.equal((await json(other)).value, null);
  });
}

function storeScenarios(start: StartServer): void {
  const store = new ControlledStore();
  const { base } = serverFor(start, { secret: secret(), store, storeTimeoutMs: 300 });
  const failing = new ControlledStore();
  const custom = serverFor(start, { secret: secret(), store: failing }, { onError: () => ({ status: 418, body: "custom" }) });

  it("a write is visible to the very next request, even with a slow store", async () => {
    store.mode = "ok";
    store.writeDelayMs = 40;
    let previous = await get(base(), "/incr");
    const line = previous.headers.getSetCookie()[0]!;
    assert.match(line, /^session=[A-Za-z0-9_-]{43}; HttpOnly; Path=\/; SameSite=Lax$/);
    const cookie = pair(line);
    for (let n = 2; n <= 6; n++) {
      // Issued as soon as the previous response's headers arrived, before its body is read.
      const next = await get(base(), "/incr", cookie);
      assert.equal(await previous.text(), String(n - 1));
      previous = next;
    }
    assert.equal(await previous.text(), "6");
  });

  it("a store that throws answers 503 with Retry-After, plain text, no cookie and no stack", async () => {
    store.writeDelayMs = 0;
    store.mode = "ok";
    const cookie = pair((await get(base(), "/incr")).headers.getSetCookie()[0]);
    store.mode = "throw";
    for (const [path, c] of [["/get", cookie], ["/incr", undefined]] as const) {
      const r = await get(base(), path, c);
      const body = await r.text();
      assert.equal(r.status, 503, path);
      assert.equal(r.headers.get("retry-after"), "1");
      assert.match(r.headers.get("content-type") ?? "", /^text\/plain/);
      assert.deepEqual(r.headers.getSetCookie(), []);
      assert.doesNotMatch(body, /\bat |Error|store down/);
    }
    store.mode = "ok";
  });

  it("a store that hangs answers 503 within storeTimeoutMs plus a margin", async () => {
    store.mode = "hang";
    const started = performance.now();
    const r = await get(base(), "/incr");
    await r.text();
    const elapsed = performance.now() - started;
    store.mode = "ok";
    assert.equal(r.status, 503);
    // The store hangs for 10 s: an answer well before that came from the 300 ms deadline, loaded machine or not.
    assert.ok(elapsed >= 290 && elapsed < 6_000, `answered after ${Math.round(elapsed)} ms`);
  });

  it("a session ended by another request answers 409, and onError can change the answer", async () => {
    const vanishing = new ControlledStore();
    const local = await start(createSessions({ secret: secret(), store: vanishing }), ROUTES, {});
    try {
      const cookie = pair((await get(local.url, "/incr")).headers.getSetCookie()[0]);
      vanishing.mode = "vanish";
      const r = await get(local.url, "/incr", cookie);
      assert.equal(r.status, 409);
      assert.match(await r.text(), /^Conflict/);
      assert.deepEqual(r.headers.getSetCookie(), []);
    } finally {
      await local.close();
    }
    failing.mode = "throw";
    const answered = await get(custom.base(), "/incr");
    assert.equal(answered.status, 418);
    assert.equal(await answered.text(), "custom");
  });
}

function secureScenarios(start: StartServer): void {
  const untrusted = serverFor(start, { secret: secret() });
  const trusted = serverFor(start, { secret: secret() }, { trustProxy: true });
  const secureLine = /^session=[A-Za-z0-9_.-]+; Secure; HttpOnly; Path=\/; SameSite=Lax$/;

  it("X-Forwarded-Proto is ignored without trustProxy", async () => {
    const r = await get(untrusted.base(), "/set?value=1", undefined, { "x-forwarded-proto": "https" });
    assert.match(r.headers.getSetCookie()[0]!, SESSION_COOKIE);
  });

  it("X-Forwarded-Proto: https makes the cookie Secure with trustProxy, and only then", async () => {
    const r = await get(trusted.base(), "/set?value=1", undefined, { "x-forwarded-proto": "https" });
    assert.match(r.headers.getSetCookie()[0]!, secureLine);
    const plain = await get(trusted.base(), "/set?value=1", undefined, { "x-forwarded-proto": "http" });
    assert.match(plain.headers.getSetCookie()[0]!, SESSION_COOKIE);
  });
}
