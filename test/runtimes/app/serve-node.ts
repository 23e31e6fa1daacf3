/** Node's http server (through @hono/node-server) with the conformance app's plain fetch handler: `serve-node.ts PORT`. */
import { serve } from "@hono/node-server";
import { plainFetch } from "./conformance-app.js";

serve({ fetch: plainFetch(), port: Number(process.argv[2]), hostname: "127.0.0.1" }, (info) => console.log(`listening ${info.port}`));
