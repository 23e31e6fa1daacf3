/**
 * The frameworks of the in-process benchmark, each built twice from one
 * route contract (`/login`, `/read`, `/write`, as `bench/servers/`): bare,
 * and with sessionkit's adapter. Requests are injected without a socket:
 * light-my-request for node-style listeners (node:http, Express, Koa),
 * Fastify's own `inject` (the same library), and a `Request` handed to
 * `fetch` for Hono and the Web adapter.
 */
import { createHmac } from "node:crypto";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { inject as lightInject } from "light-my-request";
import express from "express";
import Fastify from "fastify";
import Koa from "koa";
import { Hono } from "hono";
import type { SessionManager } from "sessionkit";
import { withSessions as nodeSessions } from "sessionkit/node";
import { sessionMiddleware as expressSessions } from "sessionkit/express";
import { fastifySessions } from "sessionkit/fastify";
import { sessionMiddleware as koaSessions } from "sessionkit/koa";
import { sessionMiddleware as honoSessions } from "sessionkit/hono";
import { withSessions as webSessions } from "sessionkit/web";
import { KEY_BYTES, nextCounter, USER } from "../servers/shared.js";
import { routes, type BenchSession } from "../servers/sessionkit-setup.js";

/** What one injected request answered. */
export interface Answer {
  status: number;
  body: string;
  setCookie: string[];
}

/** Send one GET to `path` with `cookie` (a Cookie header) and read the answer. */
export type Inject = (path: string, cookie: string | undefined) => Promise<Answer>;

/** The frameworks measured. */
export const FRAMEWORKS = ["node", "express", "fastify", "koa", "hono", "web"] as const;
export type FrameworkName = (typeof FRAMEWORKS)[number];

type Manager = SessionManager<{ user?: string; n?: number }>;

/**
 * The floor of a cookie session on a framework: what sessionkit must send
 * on the wire whatever its code, done by hand. `/read` adds `Vary: Cookie`;
 * `/write` adds `Vary: Cookie`, `Cache-Control: private, no-store` and a
 * Set-Cookie whose value is the session's JSON in base64url, a timestamp
 * and one HMAC-SHA256 over them (the signed format's one MAC).
 */
export function floorHeaders(path: string, n: number): [string, string][] {
  if (path === "/read") return [["Vary", "Cookie"]];
  if (path !== "/write") return [];
  const payload = `${Buffer.from(JSON.stringify({ n, user: USER })).toString("base64url")}.${Buffer.from(String(Math.floor(Date.now() / 1000))).toString("base64url")}`;
  const mac = createHmac("sha256", KEY_BYTES).update(payload).digest("base64url");
  return [
    ["Set-Cookie", `session=${payload}.${mac}; HttpOnly; Path=/; SameSite=Lax`],
    ["Vary", "Cookie"],
    ["Cache-Control", "private, no-store"],
  ];
}

/** The route contract on a session, or bare (no session: the same bodies). */
function answer(path: string, session: BenchSession | undefined): string | undefined {
  if (path === "/login") return session ? routes.login(session) : "ok";
  if (path === "/read") return session ? routes.read(session) : USER;
  if (path === "/write") return session ? routes.write(session, nextCounter()) : String(nextCounter());
  return undefined;
}

function setCookieList(value: string | string[] | number | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [String(value)];
}

/** Inject into a node-style listener. */
export function nodeInject(listener: RequestListener): Inject {
  return async (path, cookie) => {
    const res = await lightInject(listener, { method: "GET", url: path, headers: cookie ? { cookie } : {} });
    return { status: res.statusCode, body: res.payload, setCookie: setCookieList(res.headers["set-cookie"]) };
  };
}

function fetchInject(fetch: (request: Request) => Response | Promise<Response>): Inject {
  return async (path, cookie) => {
    const res = await fetch(new Request(`http://localhost${path}`, { headers: cookie ? { cookie } : {} }));
    return { status: res.status, body: await res.text(), setCookie: res.headers.getSetCookie() };
  };
}

/** A node:http handler for the contract; `session` reads the request's session when there is one. */
export function nodeHandler(session?: (req: IncomingMessage) => BenchSession, floor = false): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    res.setHeader("content-type", "text/plain; charset=utf-8");
    const body = answer(req.url ?? "", session?.(req));
    if (floor) for (const [name, value] of floorHeaders(req.url ?? "", Number(body))) res.setHeader(name, value);
    if (body === undefined) res.statusCode = 404;
    res.end(body ?? "not found");
  };
}

/**
 * The manager alone, no framework: `load` the Cookie header, run the route,
 * `commit` (the codec and manager rows: what every adapter pays beneath it).
 * Without `sessions`, the route alone (its bare).
 *
 * @example
 * const send = managerInject(createSessions({ secret })); await send("/read", cookie);
 */
export function managerInject(sessions?: Manager): Inject {
  if (!sessions) return async (path) => ({ status: 200, body: answer(path, undefined) ?? "", setCookie: [] });
  return async (path, cookie) => {
    const session = await sessions.load(cookie, { secure: false });
    const body = answer(path, session as BenchSession) ?? "";
    // Before issue #15 (commit 74f2d0a) commit resolved to the Set-Cookie list itself; a --baseline may be older.
    const result = (await sessions.commit(session, { status: 200 })) as { setCookie: string[] } | string[];
    return { status: 200, body, setCookie: Array.isArray(result) ? result : result.setCookie };
  };
}

const reqSession = (req: unknown): BenchSession => (req as { session: BenchSession }).session;

/**
 * The framework with sessionkit (`sessions` given) or bare, ready for
 * injected requests; bare with `floor`, it sends the headers of
 * {@link floorHeaders} (node:http, Express, Fastify, Koa).
 *
 * @example
 * const send = await buildApp("fastify", sessions); await send("/read", cookie);
 */
export async function buildApp(framework: FrameworkName, sessions?: Manager, floor = false): Promise<Inject> {
  switch (framework) {
    case "node":
      return nodeInject(sessions ? nodeSessions(sessions, nodeHandler(reqSession)) : nodeHandler(undefined, floor));
    case "express": {
      const app = express();
      app.disable("x-powered-by");
      app.disable("etag");
      if (sessions) app.use(expressSessions(sessions as never));
      const route = (req: express.Request, res: express.Response): void => {
        const body = answer(req.path, sessions ? reqSession(req) : undefined);
        if (floor) for (const [name, value] of floorHeaders(req.path, Number(body))) res.setHeader(name, value);
        res.type("text").send(body);
      };
      app.get(["/login", "/read", "/write"], route);
      return nodeInject(app as unknown as RequestListener);
    }
    case "fastify": {
      const app = Fastify({ logger: false });
      if (sessions) await app.register(fastifySessions, { sessions: sessions as never });
      for (const path of ["/login", "/read", "/write"]) {
        app.get(path, async (request, reply) => {
          const body = answer(path, sessions ? reqSession(request) : undefined);
          if (floor) for (const [name, value] of floorHeaders(path, Number(body))) reply.header(name, value);
          return body;
        });
      }
      await app.ready();
      return async (path, cookie) => {
        const res = await app.inject({ method: "GET", url: path, headers: cookie ? { cookie } : {} });
        return { status: res.statusCode, body: res.payload, setCookie: setCookieList(res.headers["set-cookie"]) };
      };
    }
    case "koa": {
      const app = new Koa();
      if (sessions) app.use(koaSessions(sessions as never));
      app.use(async (ctx) => {
        const body = answer(ctx.path, sessions ? reqSession(ctx) : undefined);
        if (body === undefined) ctx.status = 404;
        else ctx.body = body;
        if (floor) for (const [name, value] of floorHeaders(ctx.path, Number(body))) ctx.set(name, value);
      });
      return nodeInject(app.callback() as RequestListener);
    }
    case "hono": {
      const app = new Hono();
      if (sessions) app.use(honoSessions(sessions));
      for (const path of ["/login", "/read", "/write"]) {
        app.get(path, (c) => c.text(answer(path, sessions ? (c.get("session" as never) as BenchSession) : undefined) ?? ""));
      }
      return fetchInject((request) => app.fetch(request));
    }
    case "web": {
      const text = (body: string | undefined): Response => new Response(body ?? "not found", { status: body === undefined ? 404 : 200, headers: { "content-type": "text/plain; charset=utf-8" } });
      const path = (request: Request): string => request.url.slice(request.url.indexOf("/", 8));
      if (!sessions) return fetchInject((request) => text(answer(path(request), undefined)));
      return fetchInject(webSessions(sessions, (request, session) => text(answer(path(request), session as BenchSession))));
    }
  }
}
