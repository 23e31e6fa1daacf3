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
import { runtimeUnavailable, testConformance, type RunningApp } from "./conformance.js";
import { bundleApp } from "./harness.js";

/** Start the worker bundle on workerd, listening on a spare loopback port. */
async function startWorker(shape: "plain" | "hono"): Promise<RunningApp | { skip: string }> {
  const scriptPath = await bundleApp("worker");
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    // The bundle lives in a temporary folder: module names are taken relative to it.
    modulesRoot: dirname(scriptPath),
    compatibilityDate: "2025-09-01",
    compatibilityFlags: [],
    bindings: { SHAPE: shape, GREETING: "hello from env" },
    host: "127.0.0.1",
    port: 0,
  });
  try {
    const url = await mf.ready;
    return { url: url.origin, stop: () => mf.dispose() };
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

  testConformance("workerd (Miniflare, no nodejs_compat), plain fetch handler (sessionkit/web)", () => startWorker("plain"));
  testConformance("workerd (Miniflare, no nodejs_compat), Hono (sessionkit/hono)", () => startWorker("hono"));
}
