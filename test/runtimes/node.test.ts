/**
 * Runtime conformance on Node: the app's plain fetch handler (sessionkit/web)
 * on Node's http server, from the TypeScript sources (tsx, the "source"
 * condition), in a process of its own.
 */
import { fileURLToPath } from "node:url";
import { freePort, serveProcess } from "../helpers/flask-app.js";
import { testConformance } from "./conformance.js";

const entry = fileURLToPath(new URL("./app/serve-node.ts", import.meta.url));

testConformance("Node, plain fetch handler (sessionkit/web)", async () => {
  const port = await freePort();
  const served = await serveProcess(process.execPath, ["--conditions=source", "--import", "tsx", entry, String(port)], port, { timeoutMs: 60_000 });
  return { url: served.url, stop: served.stop };
});
