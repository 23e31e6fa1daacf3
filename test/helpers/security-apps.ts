/**
 * The security suite's app, mounted natively on each of the six adapters.
 *
 * A test writes one framework-neutral handler: it gets the request and its
 * session ({@link AppRequest}) and answers a description ({@link AppResponse}).
 * Each mount turns that description into the framework's own response API
 * (node `res.end`, Web `new Response`, Express `res.status().send()`, Fastify
 * `reply`, Hono `c.body`, Koa `ctx.body`), and a handler that throws goes to
 * the framework's own error path, so a 5xx is the framework's real one.
 */
import { createServer, type IncomingMessage, type Server, type ServerOptions } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import express, { type NextFunction, type Request as ExpressRequest, type Response as ExpressResponse } from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import Koa from "koa";
import { getRequestListener } from "@hono/node-server";
import type { Session, SessionManager } from "../../src/index.js";
import type { AdapterOptions, WebCsrfProtectionOptions } from "../../src/adapters/shared.js";
import { csrfProtection as nodeCsrf, withSessions as nodeSessions } from "../../src/adapters/node.js";
import { csrfProtection as webCsrf, withSessions as webSessions } from "../../src/adapters/web.js";
import { csrfProtection as expressCsrf, sessionMiddleware as expressSessions } from "../../src/adapters/express.js";
import { csrfProtection as fastifyCsrf, fastifySessions } from "../../src/adapters/fastify.js";
import { csrfProtection as honoCsrf, sessionMiddleware as honoSessions, type SessionVariables } from "../../src/adapters/hono.js";
import { csrfProtection as koaCsrf, sessionMiddleware as koaSessions } from "../../src/adapters/koa.js";

const ALL = ["node", "web", "express", "fastify", "hono", "koa"] as const;

/** One adapter's name. */
export type AdapterName = (typeof ALL)[number];

/**
 * The six adapters, in the order every suite runs them; `SECURITY_ADAPTERS=koa,hono`
 * narrows a run while debugging one of them.
 */
export const ADAPTERS: readonly AdapterName[] = (() => {
  const only = process.env.SECURITY_ADAPTERS?.split(",").map((a) => a.trim());
  return only ? ALL.filter((a) => only.includes(a)) : ALL;
})();

/**
 * What a handler sees of the request.
 *
 * @example
 * const handler: AppHandler = ({ session, path }) => (path === "/set" && session.set("n", 1), "ok");
 */
export interface AppRequest {
  session: Session<any>;
  method: string;
  /** Path and query as the client sent them: `/a?b=1`. */
  url: string;
  /** The path alone: `/a`. */
  path: string;
  query: URLSearchParams;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** The request body, read whole as UTF-8 ("" for none). */
  body: string;
  adapter: AdapterName;
}

/**
 * What a handler answers. Header values that are arrays become several lines (Set-Cookie).
 *
 * @example
 * const answer: AppResponse = { status: 302, headers: { Location: "/" } };
 */
export interface AppResponse {
  status?: number;
  body?: string;
  /** Undefined values are skipped. */
  headers?: Record<string, string | readonly string[] | undefined>;
  /**
   * A streamed body instead of `body`: the head leaves with the first chunk,
   * and the generator may still touch the session between chunks.
   */
  stream?: AsyncIterable<string>;
}

/**
 * A framework-neutral handler: sync or async, may throw (the framework's error path answers).
 *
 * @example
 * const echo: AppHandler = ({ session }) => JSON.stringify(session.toJSON());
 */
export type AppHandler = (request: AppRequest) => AppResponse | string | Promise<AppResponse | string>;

/**
 * Options of a mount: the adapter's own options, plus whether the framework's error log prints.
 *
 * @example
 * mount("koa", sessions, handler, { trustProxy: true, errors: [] });
 */
export interface MountOptions extends AdapterOptions {
  /** Every error that reached the framework's error path, in order. */
  errors: unknown[];
  /** Let the framework print the errors it handles (off: they are only recorded). */
  logErrors?: boolean;
  /**
   * Mount the adapter's own `csrfProtection` (with these options) before the
   * handler, after the framework's usual urlencoded form parser: Express's
   * `express.urlencoded`, a Fastify content-type parser, a Koa body parser
   * (what @fastify/formbody and @koa/bodyparser do); Hono and Web read the
   * form themselves; node gets the field its handler parsed.
   */
  csrf?: WebCsrfProtectionOptions;
}

/** A node:http server (listening already when the framework listens itself), and how to close it when `server.close()` is not enough. */
export interface Mounted {
  server: Server;
  close?: () => Promise<void>;
}

/** Big enough for the hostile 100 KB cookies. */
const SERVER_OPTIONS: ServerOptions = { maxHeaderSize: 262_144 };

/**
 * Mount `handler` behind `sessions` on one adapter's framework, as a node:http server.
 *
 * @example
 * const { server } = await mount("fastify", sessions, () => "ok", { errors: [] });
 */
export async function mount(adapter: AdapterName, sessions: SessionManager<any>, handler: AppHandler, options: MountOptions): Promise<Mounted> {
  const { errors, logErrors = false, csrf, ...adapterOptions } = options;
  const record = (error: unknown): void => {
    errors.push(error);
    if (logErrors) console.error(error);
  };
  switch (adapter) {
    case "node":
      return { server: createServer(SERVER_OPTIONS, nodeApp(sessions, handler, adapterOptions, csrf)) };
    case "web":
      return { server: createServer(SERVER_OPTIONS, getRequestListener(webApp(sessions, handler, adapterOptions, record, csrf))) };
    case "express":
      return { server: createServer(SERVER_OPTIONS, expressApp(sessions, handler, adapterOptions, errors, logErrors, csrf)) };
    case "fastify":
      return fastifyApp(sessions, handler, adapterOptions, errors, logErrors, csrf);
    case "hono":
      return { server: createServer(SERVER_OPTIONS, getRequestListener(honoApp(sessions, handler, adapterOptions, record, csrf).fetch)) };
    case "koa":
      return { server: createServer(SERVER_OPTIONS, koaApp(sessions, handler, adapterOptions, errors, logErrors, csrf).callback()) };
  }
}

/** An answer with its header values all defined. */
type Answer = Omit<AppResponse, "headers"> & { headers: Record<string, string | readonly string[]> };

function normalize(answer: AppResponse | string): Answer {
  if (typeof answer === "string") return { body: answer, headers: {} };
  const headers: Answer["headers"] = {};
  for (const [name, value] of Object.entries(answer.headers ?? {})) if (value !== undefined) headers[name] = value;
  return { ...answer, headers };
}

/** An urlencoded body as a body parser gives it: a null-prototype object, a field sent twice as an array. */
function parseForm(text: string): Record<string, string | string[]> {
  const out = Object.create(null) as Record<string, string | string[]>;
  for (const [key, value] of new URLSearchParams(text)) {
    const before = out[key];
    out[key] = before === undefined ? value : [before, value].flat();
  }
  return out;
}

const isForm = (contentType: string | undefined): boolean => /^application\/x-www-form-urlencoded\b/i.test(contentType ?? "");

function nodeHeaders(headers: IncomingMessage["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  return out;
}

async function readBody(stream: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}

function requestOf(adapter: AdapterName, session: Session<any>, method: string, url: string, headers: Record<string, string>, body: string): AppRequest {
  const parsed = new URL(url, "http://localhost");
  return { session, method, url, path: parsed.pathname, query: parsed.searchParams, headers, body, adapter };
}

function webHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => (out[name] = value));
  return out;
}

/** The `path?query` of an absolute Web request URL. */
function pathOf(absolute: string): string {
  const url = new URL(absolute);
  return url.pathname + url.search;
}

function headerPairs(answer: Answer): [string, string][] {
  return Object.entries(answer.headers).flatMap(([name, value]) =>
    typeof value === "string" ? [[name, value] as [string, string]] : value.map((v) => [name, v] as [string, string]),
  );
}

function webBody(answer: Answer): BodyInit {
  if (!answer.stream) return answer.body ?? "";
  const iterator = answer.stream[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
  });
}

function nodeApp(sessions: SessionManager<any>, handler: AppHandler, options: AdapterOptions, csrfOptions: WebCsrfProtectionOptions | undefined) {
  const csrf = csrfOptions ? nodeCsrf(csrfOptions) : undefined;
  return nodeSessions(
    sessions,
    async (req, res) => {
      const body = await readBody(req);
      if (csrf && !csrf(req, res, isForm(req.headers["content-type"]) ? parseForm(body).csrf_token : undefined)) return;
      const answer = normalize(await handler(requestOf("node", req.session, req.method ?? "GET", req.url ?? "/", nodeHeaders(req.headers), body)));
      res.statusCode = answer.status ?? 200;
      for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
      if (answer.stream) await pipeline(Readable.from(answer.stream), res);
      else res.end(answer.body ?? "");
    },
    options,
  );
}

/** What a runtime (Bun, Deno, Workers) does with a handler that throws: log it, answer a bare 500. */
function webApp(sessions: SessionManager<any>, handler: AppHandler, options: AdapterOptions, record: (error: unknown) => void, csrfOptions?: WebCsrfProtectionOptions) {
  const csrf = csrfOptions ? webCsrf(csrfOptions) : undefined;
  const fetch = webSessions(
    sessions,
    async (request, session) => {
      const refused = csrf ? await csrf(request, session) : undefined;
      if (refused) return refused;
      const answer = normalize(await handler(requestOf("web", session, request.method, pathOf(request.url), webHeaders(request.headers), await request.text())));
      const headers = new Headers();
      for (const [name, value] of headerPairs(answer)) headers.append(name, value);
      return new Response(webBody(answer), { status: answer.status ?? 200, headers });
    },
    options,
  );
  return async (request: Request): Promise<Response> => {
    try {
      return await fetch(request);
    } catch (error) {
      record(error);
      return new Response("Internal Server Error", { status: 500 });
    }
  };
}

function expressApp(sessions: SessionManager<any>, handler: AppHandler, options: AdapterOptions, errors: unknown[], logErrors: boolean, csrf?: WebCsrfProtectionOptions) {
  const app = express();
  // Express's final handler prints every error unless env is "test".
  if (!logErrors) app.set("env", "test");
  app.use(expressSessions(sessions, options));
  if (csrf) app.use(express.urlencoded({ extended: false }), expressCsrf(csrf));
  app.all(/.*/, async (req, res) => {
    const body = await readBody(req);
    const answer = normalize(await handler(requestOf("express", req.session, req.method, req.originalUrl, nodeHeaders(req.headers), body)));
    res.status(answer.status ?? 200);
    for (const [name, value] of Object.entries(answer.headers)) res.append(name, value as string | string[]);
    if (answer.stream) await pipeline(Readable.from(answer.stream), res);
    else res.send(answer.body ?? "");
  });
  // Record, then hand on to Express's own final handler (its real 500 page).
  app.use((error: unknown, _req: ExpressRequest, _res: ExpressResponse, next: NextFunction) => {
    errors.push(error);
    next(error);
  });
  return app;
}

async function fastifyApp(
  sessions: SessionManager<any>,
  handler: AppHandler,
  options: AdapterOptions,
  errors: unknown[],
  logErrors: boolean,
  csrf?: WebCsrfProtectionOptions,
): Promise<Mounted> {
  // Fastify's own pino logger at level error, into a stream that records each line.
  const stream = {
    write(line: string): void {
      errors.push(line);
      if (logErrors) process.stderr.write(line);
    },
  };
  const app = Fastify({
    logger: { level: "error", stream },
    forceCloseConnections: true,
    serverFactory: (listener) => createServer(SERVER_OPTIONS, listener),
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_request, body, done) => done(null, body));
  if (csrf) app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_request, body, done) => done(null, parseForm(body as string)));
  await app.register(fastifySessions, { sessions, ...options });
  if (csrf) app.addHook("preHandler", fastifyCsrf(csrf));
  app.all("*", async (request, reply) => {
    const body = typeof request.body === "string" ? request.body : "";
    const answer = normalize(await handler(requestOf("fastify", request.session, request.method, request.url, nodeHeaders(request.headers), body)));
    reply.code(answer.status ?? 200);
    for (const [name, value] of Object.entries(answer.headers)) reply.header(name, value);
    return answer.stream ? Readable.from(answer.stream) : (answer.body ?? "");
  });
  // Fastify listens itself, so that app.close() knows the server is its own.
  await app.listen({ port: 0, host: "127.0.0.1" });
  return { server: app.server, close: () => app.close() };
}

function honoApp(sessions: SessionManager<any>, handler: AppHandler, options: AdapterOptions, record: (error: unknown) => void, csrf?: WebCsrfProtectionOptions) {
  const app = new Hono<{ Variables: SessionVariables }>();
  app.use(honoSessions(sessions, options));
  if (csrf) app.use(honoCsrf(csrf));
  app.all("*", async (c) => {
    const body = await c.req.text();
    const answer = normalize(await handler(requestOf("hono", c.get("session"), c.req.method, pathOf(c.req.url), c.req.header(), body)));
    c.status((answer.status ?? 200) as 200);
    for (const [name, value] of headerPairs(answer)) c.header(name, value, { append: true });
    return c.body(webBody(answer) as string);
  });
  // Hono's default error handler (an error with getResponse, as HTTPException, answers itself), plus a record of the error.
  app.onError((error, c) => {
    record(error);
    if ("getResponse" in error && typeof error.getResponse === "function") return (error.getResponse as () => Response)();
    return c.text("Internal Server Error", 500);
  });
  return app;
}

function koaApp(sessions: SessionManager<any>, handler: AppHandler, options: AdapterOptions, errors: unknown[], logErrors: boolean, csrf?: WebCsrfProtectionOptions) {
  const app = new Koa();
  app.silent = !logErrors;
  // A listener replaces Koa's default logger; call it ourselves so `silent` still decides.
  app.on("error", (error: Error) => {
    errors.push(error);
    app.onerror(error);
  });
  app.use(koaSessions(sessions, options));
  if (csrf) {
    // What @koa/bodyparser does for a form: the parsed fields on ctx.request.body.
    app.use(async (ctx, next) => {
      if (isForm(ctx.get("content-type"))) (ctx.request as { body?: unknown }).body = parseForm(await readBody(ctx.req));
      await next();
    });
    app.use(koaCsrf(csrf));
  }
  app.use(async (ctx) => {
    const body = await readBody(ctx.req);
    const answer = normalize(await handler(requestOf("koa", ctx.session, ctx.method, ctx.url, nodeHeaders(ctx.req.headers), body)));
    ctx.status = answer.status ?? 200;
    for (const [name, value] of Object.entries(answer.headers)) ctx.append(name, value as string | string[]);
    ctx.body = answer.stream ? Readable.from(answer.stream) : (answer.body ?? "");
  });
  return app;
}
