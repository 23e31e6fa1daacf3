/**
 * The conformance app as a Cloudflare Worker: `env.SHAPE` picks the plain
 * fetch handler or the Hono app (signed Flask cookies), or `d1`:
 * server-side sessions in the `DB` binding (sessionkit/stores/d1); `env`
 * and `ctx` are passed through to the routes (GET /rest shows `env.GREETING`).
 */
import { D1Store, type D1DatabaseLike } from "sessionkit/stores/d1";
import { honoFetch, plainFetch, storeFetch } from "./conformance-app.js";

interface Env {
  SHAPE?: string;
  GREETING?: string;
  DB?: D1DatabaseLike;
}

const plain = plainFetch();
const hono = honoFetch();
const d1 = storeFetch((env) => new D1Store({ db: (env as Env).DB! }));

export default {
  fetch(request: Request, env: Env, ctx: unknown): Promise<Response> {
    return (env.SHAPE === "hono" ? hono : env.SHAPE === "d1" ? d1 : plain)(request, env, ctx);
  },
};
