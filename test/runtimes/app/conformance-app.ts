/**
 * The conformance app every runtime serves (test/runtimes/): a signed Flask
 * cookie with two secrets (the new one signs, the old one, the Flask golden
 * vectors' secret, still verifies), on a clock frozen just after the
 * vectors were made, so they are live. The same routes as a plain `fetch`
 * handler (sessionkit/web) and as a Hono app (sessionkit/hono).
 *
 * Bundled with esbuild for Bun, Deno and workerd; run from sources on Node.
 */
import { Hono } from "hono";
import { createSessions, type Session, type SessionManager, type Store } from "sessionkit";
import { sessionMiddleware, type SessionVariables } from "sessionkit/hono";
import { withSessions } from "sessionkit/web";

/** The key that signs: new in this run. */
export const NEW_SECRET = "sessionkit-conformance-new-key-0123456789abcdef";
/** The key being retired: the one test/fixtures/flask-vectors.json was made with. */
export const OLD_SECRET = "sessionkit-test-secret-0123456789abcdef";
/** The vectors' "now" (scripts/flask/make_vectors.py) plus a minute, in ms. */
export const NOW_MS = (1_700_000_000 + 60) * 1000;

type Data = Record<string, unknown>;
type Rest = unknown[];

/** The app's sessions; made on first use (workerd allows no random values at a module's top level). */
function conformanceSessions(): SessionManager<Data> {
  return createSessions<Data>({ secrets: [NEW_SECRET, OLD_SECRET], format: "flask", now: () => NOW_MS });
}

function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json; charset=utf-8" } });
}

/**
 * The routes, shared by both shapes:
 * GET /read (the session as JSON), POST /write (set each key of a JSON body),
 * POST /login (a permanent session for `user`), POST /logout (destroy),
 * GET /rest (what the runtime passed after the request and session: the
 * Worker's `env.GREETING`, or the type of each extra argument).
 */
export async function route(request: Request, session: Session<Data>, rest: Rest): Promise<Response> {
  const { pathname } = new URL(request.url);
  if (request.method === "GET" && pathname === "/read") return json(Object.fromEntries(session.entries()));
  if (request.method === "POST" && pathname === "/write") {
    const body = (await request.json()) as Data;
    for (const [key, value] of Object.entries(body)) session.set(key, value);
    return json({ written: Object.keys(body).length });
  }
  if (request.method === "POST" && pathname === "/login") {
    const { user } = (await request.json()) as { user: string };
    session.set("user", user);
    session.permanent = true;
    return json({ user });
  }
  if (request.method === "POST" && pathname === "/logout") {
    // destroy(): the cookie is deleted, and a stored record with it.
    await session.destroy();
    return json({ loggedOut: true });
  }
  if (request.method === "GET" && pathname === "/rest") {
    const env = rest[0] as { GREETING?: unknown } | undefined;
    return json({ count: rest.length, greeting: env?.GREETING ?? null, types: rest.map((r) => typeof r) });
  }
  return json({ error: "not found" }, 404);
}

/**
 * The plain `fetch` handler: sessionkit/web's `withSessions`, every argument
 * after the request passed through to the route.
 *
 * @example
 * Bun.serve({ fetch: plainFetch() });
 */
export function plainFetch(): (request: Request, ...rest: Rest) => Promise<Response> {
  let handler: ((request: Request, ...rest: Rest) => Promise<Response>) | undefined;
  return (request, ...rest) => {
    handler ??= withSessions(conformanceSessions(), (req, session, ...more: Rest) => route(req, session, more));
    return handler(request, ...rest);
  };
}

/**
 * The same routes on Hono, with sessionkit/hono's middleware.
 *
 * @example
 * Bun.serve({ fetch: honoFetch() });
 */
export function honoFetch(): (request: Request, ...rest: Rest) => Promise<Response> {
  let app: Hono<{ Variables: SessionVariables<Data> }> | undefined;
  return (request, ...rest) => {
    if (app === undefined) {
      app = new Hono<{ Variables: SessionVariables<Data> }>();
      app.use(sessionMiddleware(conformanceSessions()));
      app.all("*", (c) => route(c.req.raw, c.get("session"), c.env === undefined ? [] : [c.env]));
    }
    return Promise.resolve(app.fetch(request, rest[0], rest[1] as never));
  };
}

/**
 * The routes with server-side sessions, on a store made from the runtime's
 * first extra argument (a Worker's `env`, where its D1 binding is), once.
 *
 * @example
 * export default { fetch: storeFetch((env) => new D1Store({ db: (env as Env).DB })) };
 */
export function storeFetch(makeStore: (env: unknown) => Store): (request: Request, ...rest: Rest) => Promise<Response> {
  let handler: ((request: Request, ...rest: Rest) => Promise<Response>) | undefined;
  return (request, ...rest) => {
    const sessions = () => createSessions<Data>({ secret: NEW_SECRET, store: makeStore(rest[0]) });
    handler ??= withSessions(sessions(), (req, session, ...more: Rest) => route(req, session, more));
    return handler(request, ...rest);
  };
}
