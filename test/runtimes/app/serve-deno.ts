/** Deno.serve with the conformance app's plain fetch handler: `deno run --allow-net serve-deno.js PORT`. */
import { plainFetch } from "./conformance-app.js";

declare const Deno: {
  args: string[];
  serve(
    options: { port: number; hostname: string; onListen(address: { port: number }): void },
    handler: (request: Request, info: unknown) => Promise<Response>,
  ): unknown;
};

Deno.serve({ port: Number(Deno.args[0]), hostname: "127.0.0.1", onListen: ({ port }) => console.log(`listening ${port}`) }, plainFetch());
