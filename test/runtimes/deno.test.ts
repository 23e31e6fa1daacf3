/**
 * Runtime conformance on Deno (the `deno` devDependency): the app bundled by
 * esbuild, its plain fetch handler (sessionkit/web) served by Deno.serve,
 * with no permission but the network and one environment variable: core
 * reads NODE_ENV when it is imported (src/core/manager.ts), which Deno
 * refuses without `--allow-env` (issue #18: the runtime-neutral core ends it).
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
    const bundle = await bundleApp("serve-deno", "node-builtins");
    const port = await freePort();
    const served = await serveProcess(deno.path, ["run", "--allow-net=127.0.0.1", "--allow-env=NODE_ENV", "--no-prompt", bundle, String(port)], port, {
      timeoutMs: 60_000,
      env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    });
    return { url: served.url, stop: served.stop };
  });
}
