/**
 * Runtime conformance on workerd, Cloudflare's Workers runtime, through
 * Miniflare, with no `nodejs_compat`: the app bundled by esbuild for a
 * neutral platform (no `node:` module may be left in it), served over HTTP,
 * once as a plain fetch handler (sessionkit/web's withSessions, given the
 * Worker's env and ctx) and once as a Hono app (sessionkit/hono).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { describe, test } from "node:test";
import { Miniflare } from "miniflare";
import "../helpers/miniflare-wait.js";
import { runtimeUnavailable, testConformance, type RunningApp } from "./conformance.js";
import { bundleApp } from "./harness.js";

/** Start the worker bundle on workerd, listening on a spare loopback port. */
async function startWorker(shape: "plain" | "hono" | "d1"): Promise<(RunningApp & { mf: Miniflare }) | { skip: string }> {
  const scriptPath = await bundleApp("worker");
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    // The bundle lives in a temporary folder: module names are taken relative to it.
    modulesRoot: dirname(scriptPath),
    compatibilityDate: "2025-09-01",
    compatibilityFlags: [],
    bindings: { SHAPE: shape, GREETING: "hello from env" },
    d1Databases: ["DB"],
    host: "127.0.0.1",
    port: 0,
  });
  try {
    const url = await mf.ready;
    return { url: url.origin, mf, stop: () => mf.dispose() };
  } catch (error) {
    await mf.dispose().catch(() => undefined);
    return { skip: `Miniflare (workerd) did not start (${error instanceof Error ? error.name : typeof error})` };
  }
}

const probe = await startWorker("plain").catch((error: unknown) => ({ skip: `the worker could not be bundled or started: ${String(error)}` }));
if ("skip" in probe) {
  runtimeUnavailable("workerd (Miniflare)", probe.skip);
} else {
  await probe.stop();

  describe("workerd: the bundle and the Worker's arguments", () => {
    test("the worker bundle has no node: import and no Buffer (workerd without nodejs_compat has neither)", async () => {
      const code = readFileSync(await bundleApp("worker"), "utf8");
      assert.doesNotMatch(code, /["']node:/);
      assert.doesNotMatch(code, /\bBuffer\b/);
    });

    for (const shape of ["plain", "hono"] as const) {
      test(`${shape}: the Worker's env (a binding) and ctx reach the handler through withSessions`, async () => {
        const app = await startWorker(shape);
        assert.ok(!("skip" in app), "the worker started a moment ago");
        try {
          const reply = await fetch(new URL("/rest", app.url));
          assert.equal(reply.status, 200);
          const body = (await reply.json()) as { count: number; greeting: string; types: string[] };
          assert.equal(body.greeting, "hello from env");
          // Hono keeps ctx for itself (c.executionCtx); the plain handler gets env and ctx.
          assert.deepEqual(body.types, shape === "plain" ? ["object", "object"] : ["object"]);
        } finally {
          await app.stop();
        }
      });
    }
  });

  describe("workerd: server-side sessions at the edge, D1Store inside the Worker", () => {
    test("log in, read, write, log out over HTTP; the cookie holds only an id, the data lives in D1; a forged id is a fresh session", async () => {
      const app = await startWorker("d1");
      assert.ok(!("skip" in app), "the worker started a moment ago");
      try {
        const send = async (path: string, init: { method?: string; cookie?: string; json?: unknown } = {}) => {
          const headers: Record<string, string> = init.cookie === undefined ? {} : { cookie: `session=${init.cookie}` };
          const reply = await fetch(new URL(path, app.url), { method: init.method ?? "GET", headers, body: init.json === undefined ? null : JSON.stringify(init.json) });
          return { status: reply.status, body: (await reply.json()) as unknown, setCookies: reply.headers.getSetCookie() };
        };
        const rows = async () => (await (await app.mf.getD1Database("DB")).prepare('SELECT data FROM "sessionkit_sessions"').all<{ data: string }>()).results;
        const login = await send("/login", { method: "POST", json: { user: "ada" } });
        assert.equal(login.status, 200);
        assert.match(login.setCookies[0] ?? "", /^session=[\w-]{43}; Expires=[^;]+ GMT; HttpOnly; Path=\/; SameSite=Lax$/);
        const cookie = login.setCookies[0]!.slice("session=".length, login.setCookies[0]!.indexOf(";"));
        // Each value as core serialized it (Flask's tagged JSON text), the permanent flag beside the user.
        assert.deepEqual(await rows(), [{ data: JSON.stringify({ user: JSON.stringify("ada"), _permanent: "true" }) }]);
        const write = await send("/write", { method: "POST", cookie, json: { cart: ["A1"] } });
        // A permanent session's cookie is sent again (its expiry rolls), with the same id: D1 was written.
        assert.equal(write.setCookies[0]?.slice(0, write.setCookies[0].indexOf(";")), `session=${cookie}`, "the id stays");
        assert.deepEqual((await send("/read", { cookie })).body, { user: "ada", cart: ["A1"] });
        const forged = await send("/read", { cookie: `${cookie.slice(0, -2)}xx` });
        assert.deepEqual([forged.status, forged.body], [200, {}]);
        const logout = await send("/logout", { method: "POST", cookie });
        assert.match(logout.setCookies[0] ?? "", /^session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0;/);
        assert.deepEqual(await rows(), [], "the logout removed the record");
        assert.deepEqual((await send("/read", { cookie })).body, {});
      } finally {
        await app.stop();
      }
    });
  });

  testConformance("workerd (Miniflare, no nodejs_compat), plain fetch handler (sessionkit/web)", () => startWorker("plain"));
  testConformance("workerd (Miniflare, no nodejs_compat), Hono (sessionkit/hono)", () => startWorker("hono"));
}
