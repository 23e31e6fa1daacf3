/**
 * Runtime conformance on Bun (the `bun` devDependency): the app bundled by
 * esbuild for a neutral platform (the Web runtime seam: Web Crypto,
 * CompressionStream, no `node:` module), served by Bun.serve, once as a plain fetch handler
 * (sessionkit/web) and once as a Hono app (sessionkit/hono).
 */
import { freePort, serveProcess } from "../helpers/flask-app.js";
import { runtimeUnavailable, testConformance } from "./conformance.js";
import { bundleApp } from "./harness.js";
import { runtimeBinary } from "./runtime-binaries.js";

const bun = runtimeBinary("bun");
if ("skip" in bun) {
  runtimeUnavailable("Bun", bun.skip);
} else {
  for (const shape of ["plain", "hono"] as const) {
    testConformance(`Bun ${bun.version}, ${shape === "hono" ? "Hono (sessionkit/hono)" : "plain fetch handler (sessionkit/web)"}`, async () => {
      const bundle = await bundleApp("serve-bun");
      const port = await freePort();
      const served = await serveProcess(bun.path, [bundle, String(port), shape], port, { timeoutMs: 60_000 });
      return { url: served.url, stop: served.stop };
    });
  }
}
