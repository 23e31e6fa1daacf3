// Serve the h3 2 app (H3_MAJOR=2, the default) or the h3 1 app (H3_MAJOR=1)
// on PORT and HOST, each with its own server: h3 2's serve(), h3 1's node listener.
import { createServer } from "node:http";

const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOST ?? "127.0.0.1";

if (process.env.H3_MAJOR === "1") {
  const { toNodeListener } = await import("h3-v1");
  const { app } = await import("./app-v1.js");
  createServer(toNodeListener(app)).listen(port, hostname);
} else {
  const { serve } = await import("h3");
  const { app } = await import("./app-v2.js");
  serve(app, { port, hostname, silent: true });
}
