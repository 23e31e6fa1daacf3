/** Bun.serve with the conformance app: `bun serve-bun.js PORT plain|hono`. */
import { honoFetch, plainFetch } from "./conformance-app.js";

declare const Bun: {
  argv: string[];
  serve(options: { port: number; hostname: string; fetch: (request: Request, server: unknown) => Promise<Response> }): { port: number };
};

const server = Bun.serve({ port: Number(Bun.argv.at(-2)), hostname: "127.0.0.1", fetch: Bun.argv.at(-1) === "hono" ? honoFetch() : plainFetch() });
console.log(`listening ${server.port}`);
