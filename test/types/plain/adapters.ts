// No SessionData declared. The node and Web handlers and a Hono app with
// typed Variables carry the type argument of createSessions<Data>(); Express,
// Fastify and Koa, which type the session globally, accept the manager and
// give values as `unknown` (never `any`) until the app declares SessionData.
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import Koa from "koa";
import { createSessions } from "sessionkit";
import { sessionMiddleware as expressSessions } from "sessionkit/express";
import { fastifySessions } from "sessionkit/fastify";
import { sessionMiddleware as honoSessions, type SessionVariables } from "sessionkit/hono";
import { sessionMiddleware as koaSessions } from "sessionkit/koa";
import { withSessions as nodeSessions } from "sessionkit/node";
import { withSessions as webSessions } from "sessionkit/web";

interface Data {
  username?: string;
  visits?: number;
}
const sessions = createSessions<Data>({ secret: "x".repeat(40) });

nodeSessions(sessions, (req, res) => {
  const name: string | undefined = req.session.get("username");
  // @ts-expect-error "nope" is not a key of Data
  req.session.get("nope");
  // @ts-expect-error visits is a number
  req.session.set("visits", "two");
  res.end(name);
});

const needsNothing = webSessions(sessions, (_request, session) => {
  // @ts-expect-error "nope" is not a key of Data
  session.get("nope");
  // @ts-expect-error visits is a number
  session.set("visits", "two");
  return new Response(session.get("username") ?? "stranger");
});
// A handler that declares no extra argument is still called the way a Worker calls fetch.
void needsNothing(new Request("http://localhost/"), { DB: "binding" }, { waitUntil() {} });
export const worker: { fetch(request: Request, env: { DB: string }, ctx: object): Promise<Response> } = { fetch: needsNothing };

// Route params (a framework's route context) pass through, typed as the handler declares them.
const withParams = webSessions(sessions, (_request, _session, params: { id: string }, ...more: number[]) => new Response(params.id + more.length));
void withParams(new Request("http://localhost/"), { id: "7" }, 1, 2);
// @ts-expect-error the params must have the type the handler declared
void withParams(new Request("http://localhost/"), { id: 7 });
// @ts-expect-error and must be given
void withParams(new Request("http://localhost/"));

const hono = new Hono<{ Variables: SessionVariables<Data> }>();
hono.use(honoSessions(sessions));
hono.get("/", (c) => {
  // @ts-expect-error "nope" is not a key of Data
  c.get("session").get("nope");
  return c.text(c.get("session").get("username") ?? "stranger");
});

const app = express();
app.use(expressSessions(sessions));
app.get("/", (req, res) => {
  const visits = req.session.get("visits");
  // @ts-expect-error without SessionData, a value is unknown: narrow it first
  res.send(visits + 1);
  res.send(typeof visits === "number" ? String(visits + 1) : "0");
});

const fastify = Fastify();
await fastify.register(fastifySessions, { sessions });
fastify.get("/", async (request) => {
  // @ts-expect-error without SessionData, a value is unknown: narrow it first
  const name: string = request.session.get("username");
  return name;
});

const koa = new Koa();
koa.use(koaSessions(sessions));
koa.use((ctx) => {
  // @ts-expect-error without SessionData, a value is unknown: narrow it first
  ctx.session.get("visits").toFixed();
});
