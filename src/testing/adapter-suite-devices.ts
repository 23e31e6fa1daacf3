/**
 * The adapter suite's "your devices" scenario (`devices: true`): every
 * adapter hands core the request's User-Agent, and the client address where
 * its framework knows one, so a login records them.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, it } from "node:test";
import type { AdapterOptions } from "../adapters/shared.js";
import { createSessions, type SessionManager } from "../core/manager.js";
import type { Session } from "../core/session.js";
import { MemoryStore } from "../stores/memory.js";

// The adapter suite's own types, restated (adapter-suite.ts imports this file).
type RouteTable = Readonly<Record<string, (session: Session<any>) => { body?: string } | Promise<{ body?: string }>>>;
type StartServer = (sessions: SessionManager<any>, routes: RouteTable, options: AdapterOptions) => Promise<{ url: string; close(): Promise<void> }>;

const FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0";

/**
 * Register the devices scenario. `knowsAddress`: the adapter's framework
 * gives a client address (node:http based ones do; a bare `Request` does not).
 *
 * @example
 * describe("devices", () => deviceScenarios(start, true));
 */
export function deviceScenarios(start: StartServer, knowsAddress: boolean): void {
  let server: { url: string; close(): Promise<void> } | undefined;
  const sessions = createSessions({ secret: randomBytes(32).toString("base64url"), store: new MemoryStore(), devices: true });
  const routes: RouteTable = {
    "/login": async (s) => (await s.login("dev-user"), { body: "ok" }),
    "/devices": async (s) => ({ body: JSON.stringify(await sessions.listForUser("dev-user", { current: s })) }),
  };
  before(async () => {
    server = await start(sessions, routes, {});
  });
  after(async () => {
    await server?.close();
  });

  it(`a login records the User-Agent's families${knowsAddress ? " and the client's /24" : ""}, listed with the current session flagged`, async () => {
    const login = await fetch(server!.url + "/login", { headers: { "user-agent": FIREFOX_LINUX } });
    assert.equal(await login.text(), "ok");
    const cookie = login.headers.getSetCookie()[0]!.split(";")[0]!;
    const listed = JSON.parse(await (await fetch(server!.url + "/devices", { headers: { cookie } })).text()) as { current: boolean; device?: unknown }[];
    assert.equal(listed.length, 1);
    assert.equal(listed[0]!.current, true);
    const expected = knowsAddress ? { browser: "Firefox", os: "Linux", network: "127.0.0.0/24" } : { browser: "Firefox", os: "Linux" };
    assert.deepEqual(listed[0]!.device, expected);
  });
}
