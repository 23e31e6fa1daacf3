/**
 * R79 adapter parity: one behavioural suite runs unchanged on every adapter.
 *
 * Every wire test of this folder writes one framework-neutral handler and
 * runs it on node, web, Express, Fastify, Hono and Koa through
 * test/helpers/security-apps.ts. This file keeps that claim honest twice:
 * the same scripted visit gives the same bytes on all six adapters, and no
 * security test file starts an app on fewer than all six.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { createSessions } from "../../src/index.js";
import { MemoryStore } from "../../src/stores/memory.js";
import { ADAPTERS, SECRET, cookieOf, startApp, type AdapterName, type AppHandler, type WireResponse } from "../helpers/security-server.js";

const T0 = 1_800_000_000_000;

/** The scripted app: every path is one kind of session response. */
const handler: AppHandler = async ({ session, path }) => {
  switch (path) {
    case "/set":
      session.set("v", "1");
      return "set";
    case "/read":
      return String(session.get("v") ?? "none");
    case "/perm":
      session.permanent = true;
      return "perm";
    case "/app-headers":
      session.set("w", 2);
      return { headers: { Vary: "Accept-Encoding", "Set-Cookie": "app=1; Path=/", "Cache-Control": "no-store" }, body: "app" };
    case "/redirect":
      session.set("r", 3);
      return { status: 302, headers: { Location: "/read" } };
    case "/fail":
      session.set("lost", true);
      return { status: 503, body: "down" };
    case "/throw":
      session.set("lost", true);
      throw new Error("handler bug");
    case "/destroy":
      await session.destroy();
      return "bye";
    default:
      return "static";
  }
};

/** What must be identical on every adapter; server-side ids are masked (they are random by design). */
function projection(res: WireResponse, path: string): unknown {
  const mask = (line: string): string => line.replace(/^session=[A-Za-z0-9_-]{43};/, "session=<id>;");
  // A thrown error's 500 is the framework's own page (Express HTML, Fastify JSON; a Web runtime builds
  // it without the adapter, so it has no Vary): only its status and its lack of a cookie must agree.
  if (path === "/throw") return { path, status: res.status, setCookie: res.setCookie };
  return {
    path,
    status: res.status,
    body: res.body,
    setCookie: res.setCookie.map(mask),
    vary: res.headers.vary,
    cacheControl: res.headers["cache-control"],
    clearSiteData: res.headers["clear-site-data"],
    location: res.headers.location,
  };
}

async function visit(adapter: AdapterName, mode: "cookie" | "store"): Promise<unknown[]> {
  const sessions = createSessions({ secret: SECRET, now: () => T0, clearSiteDataOnDestroy: true, ...(mode === "store" ? { store: new MemoryStore() } : {}) });
  const app = await startApp(sessions, handler, { adapter });
  const seen: unknown[] = [];
  try {
    let cookie = "";
    for (const path of ["/static", "/set", "/read", "/perm", "/read", "/app-headers", "/redirect", "/fail", "/throw", "/read", "/destroy", "/read"]) {
      const res = await app.get(path, cookie ? { cookie } : {});
      seen.push(projection(res, path));
      const next = cookieOf(res);
      if (next) cookie = next.endsWith("=") ? "" : next;
    }
  } finally {
    await app.close();
  }
  return seen;
}

describe("R79 adapter parity", () => {
  for (const mode of ["cookie", "store"] as const) {
    it(`R79 one scripted visit gives the same status, body, Set-Cookie, Vary, Cache-Control, Clear-Site-Data and Location on all six adapters (${mode})`, async () => {
      const reference = await visit("node", mode);
      for (const adapter of ADAPTERS.filter((a) => a !== "node")) {
        assert.deepEqual(await visit(adapter, mode), reference, `${adapter} differs from node`);
      }
    });
  }

  it("R79 every security test file that starts an app runs it on all six adapters through the neutral harness", () => {
    const dir = new URL("./", import.meta.url);
    const files = readdirSync(dir).filter((name) => name.endsWith(".test.ts") && name !== "adapter-parity.test.ts");
    const wired: string[] = [];
    for (const name of files) {
      const source = readFileSync(new URL(name, dir), "utf8");
      // No hand-mounted server: node:http, a framework or sessionkit/node's withSessions directly.
      assert.doesNotMatch(source, /\bcreateServer\(|\bwithSessions\(|\bstartNodeApp\(|from "(express|fastify|koa|hono)"/, `${name} mounts its own server`);
      if (!/\bstartApp\(/.test(source)) continue;
      wired.push(name);
      assert.match(source, /for \(const adapter of ADAPTERS\)/, `${name} starts an app but does not loop over ADAPTERS`);
      assert.match(source, /\{ adapter[,\s}]/, `${name} never hands the adapter to startApp`);
    }
    assert.ok(wired.length >= 10, `only ${wired.length} files start an app: ${wired.join(", ")}`);
  });
});
