/**
 * Runtime conformance on Deno (the `deno` devDependency): the app bundled by
 * esbuild for a neutral platform (the Web runtime seam: Web Crypto,
 * CompressionStream, no `node:` module), its plain fetch handler
 * (sessionkit/web) served by Deno.serve with no permission but the network
 * (no env access either: nothing reads process.env at import).
 */
import { freePort, serveProcess } from "../helpers/flask-app.js";
import { runtimeUnavailable, testConformance } from "./conformance.js";
import { bundleApp } from "./harness.js";
import { runtimeBinary } from "./runtime-binaries.js";

const deno = runtimeBinary("deno");
if ("skip" in deno) {
  runtimeUnavailable("Deno", deno.skip);
} else {
  testConformance(`${deno.version}, plain fetch handler (sessionkit/web) on Deno.serve`, async () => {
    const bundle = await bundleApp("serve-deno");
    const port = await freePort();
    const served = await serveProcess(deno.path, ["run", "--allow-net=127.0.0.1", "--no-prompt", bundle, String(port)], port, {
      timeoutMs: 60_000,
      env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    });
    return { url: served.url, stop: served.stop };
  });
}
