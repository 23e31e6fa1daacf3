// Runs one documentation block as a program, for test/docs and test/package:
// `node [loader flags] run-snippet.mjs <block file>`. Whatever port the block
// names, every server it starts listens on a free port of 127.0.0.1 (the
// machine is shared), and the first one is sent to the parent over IPC. A
// block whose default export has `fetch` (the Workers and Bun shape) is
// served with @hono/node-server, as a Node user would serve it.
// Plain JavaScript: the packed-tarball test runs it without a TypeScript loader.
import net from "node:net";
import { pathToFileURL } from "node:url";

const originalListen = net.Server.prototype.listen;
let reported = false;

net.Server.prototype.listen = function listenOnFreePort(...args) {
  const [first, second] = args;
  if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) {
    // listen(port[, host][, backlog][, callback])
    args.splice(0, typeof second === "string" ? 2 : 1, 0, "127.0.0.1");
  } else if (first && typeof first === "object" && !Array.isArray(first) && ("port" in first || "host" in first)) {
    args[0] = { ...first, port: 0, host: "127.0.0.1" };
  }
  this.once("listening", () => {
    if (reported) return;
    reported = true;
    process.send?.({ port: this.address().port });
  });
  return originalListen.apply(this, args);
};

const file = process.argv[2];
if (!file) throw new Error("usage: run-snippet.mjs <file>");
const program = await import(pathToFileURL(file).href);
if (typeof program.default?.fetch === "function") {
  const { serve } = await import("@hono/node-server");
  serve({ fetch: (request) => program.default.fetch(request), port: 3000 });
}
