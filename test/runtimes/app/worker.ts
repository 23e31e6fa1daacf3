/**
 * The conformance app as a Cloudflare Worker: `env.SHAPE` picks the plain
 * fetch handler or the Hono app; `env` and `ctx` are passed through to the
 * routes (GET /rest shows `env.GREETING`).
 */
import { honoFetch, plainFetch } from "./conformance-app.js";

const plain = plainFetch();
const hono = honoFetch();

export default {
  fetch(request: Request, env: { SHAPE?: string; GREETING?: string }, ctx: unknown): Promise<Response> {
    return (env.SHAPE === "hono" ? hono : plain)(request, env, ctx);
  },
};
