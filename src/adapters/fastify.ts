/**
 * `sessionkit/fastify`: a Fastify 5 plugin giving `request.session`.
 *
 * The session is loaded in `onRequest` and committed in `onSend`, the last
 * moment the status and headers can still change; the payload (a stream
 * too) passes through untouched. The plugin is not encapsulated
 * (`skip-override`, what fastify-plugin sets), so every route sees it.
 * Errors the plugin does not answer itself go to Fastify's error handler.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { TLSSocket } from "node:tls";
import type { AppSessionData, SessionDataShape } from "../core/app-data.js";
import type { CommitContext, CommitResult, RequestContext } from "../core/manager.js";
import type { Session } from "../core/session.js";

/** An alias: inside `declare module "fastify"` the name `Session` may be taken by another plugin's types. */
type SessionkitSession<Data extends SessionDataShape> = Session<Data>;
import {
  csrfRefusal,
  errorAnswer,
  formField,
  isSecureRequest,
  resolveCsrfProtection,
  type AdapterOptions,
  type AppSessionManager,
  type CsrfProtectionOptions,
  type ErrorAnswer,
} from "./shared.js";

export type { AdapterOptions, AnsweredError, AppSessionManager, ErrorAnswer, CsrfProtectionOptions } from "./shared.js";

declare module "fastify" {
  interface FastifyRequest {
    /**
     * The visitor's session (sessionkit), typed by the app's `SessionData`:
     * `declare module "sessionkit" { interface SessionData { username?: string } }`.
     */
    session: SessionkitSession<AppSessionData>;
  }
}

/**
 * Options of {@link fastifySessions}.
 *
 * @example
 * await app.register(fastifySessions, { sessions, trustProxy: true });
 */
export interface FastifySessionsOptions extends AdapterOptions {
  /** The app's manager; its data type is the one `request.session` has (the app's `SessionData`). */
  sessions: AppSessionManager;
}

/** Per-request state kept beside the session. */
const COMMITTED = Symbol("sessionkit.committed");
type Tracked = FastifyRequest & { [COMMITTED]?: true };

/**
 * The plugin: `app.register(fastifySessions, { sessions })`.
 *
 * @example
 * import { fastifySessions } from "sessionkit/fastify";
 * await app.register(fastifySessions, { sessions });
 * app.get("/", async (request) => `hello ${request.session.get("username") ?? "stranger"}`);
 */
export const fastifySessions: FastifyPluginAsync<FastifySessionsOptions> = async function fastifySessions(
  app: FastifyInstance,
  options: FastifySessionsOptions,
) {
  const { sessions } = options;
  app.decorateRequest("session", null as unknown as Session<AppSessionData>);

  if (sessions.canCommitSync) {
    // Cookie mode has nothing to wait for: callback hooks load and commit in Fastify's own tick,
    // without the promise (and its turn) an async hook costs per request (issue #20).
    app.addHook("onRequest", function sessionkitLoad(request, reply, done) {
      try {
        request.session = sessions.loadSync(request.headers.cookie, requestContext(request, options));
      } catch (error) {
        const answer = errorAnswer(error, options);
        if (!answer) return done(error as Error);
        sendAnswer(reply, answer); // answered: a callback hook that replies does not call done
        return;
      }
      done();
    });
    app.addHook("onSend", function sessionkitCommit(request: Tracked, reply, payload, done) {
      const session = request.session;
      if (!session || request[COMMITTED] !== undefined) return done(null, payload);
      request[COMMITTED] = true;
      let result: CommitResult;
      try {
        result = sessions.commitSync(session, commitContext(reply));
      } catch (error) {
        const answer = errorAnswer(error, options);
        if (!answer) return done(error as Error);
        return done(null, replaceWithAnswer(reply, payload, answer));
      }
      copyResult(reply, result);
      done(null, payload);
    });
    return;
  }

  app.addHook("onRequest", async (request, reply) => {
    try {
      request.session = await sessions.load(request.headers.cookie, requestContext(request, options));
    } catch (error) {
      const answer = errorAnswer(error, options);
      if (!answer) throw error;
      return sendAnswer(reply, answer);
    }
    return undefined;
  });

  app.addHook("onSend", async (request: Tracked, reply, payload) => {
    const session = request.session;
    // Fastify runs onSend again for the error page when this hook throws: commit once.
    if (!session || request[COMMITTED] !== undefined) return payload;
    request[COMMITTED] = true;
    let result: CommitResult;
    try {
      result = await sessions.commit(session, commitContext(reply));
    } catch (error) {
      const answer = errorAnswer(error, options);
      if (!answer) throw error;
      return replaceWithAnswer(reply, payload, answer);
    }
    copyResult(reply, result);
    return payload;
  });
};

function requestContext(request: FastifyRequest, options: FastifySessionsOptions): RequestContext {
  const tls = (request.raw.socket as TLSSocket).encrypted === true;
  const secure = isSecureRequest({ tls, forwardedProto: request.headers["x-forwarded-proto"] }, options);
  // With `devices`: the address by the app's own `trustProxy` setting (request.ip).
  if (!options.sessions.options.devices) return { secure, path: request.url };
  return { secure, path: request.url, userAgent: request.headers["user-agent"], clientAddress: request.ip };
}

function commitContext(reply: FastifyReply): CommitContext {
  return { status: reply.statusCode, vary: reply.getHeader("vary"), cacheControl: reply.getHeader("cache-control") };
}

function copyResult(reply: FastifyReply, result: CommitResult): void {
  // Fastify appends each set-cookie value as its own header line, and replaces any other header.
  for (const value of result.setCookie) reply.header("set-cookie", value);
  for (const [name, value] of result.headers) reply.header(name, value);
}

/** The commit failed with an error the plugin answers: the app's payload and headers give way to the answer. */
function replaceWithAnswer(reply: FastifyReply, payload: unknown, answer: ErrorAnswer): string {
  destroyStream(payload);
  for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name);
  reply.code(answer.status);
  for (const [name, value] of Object.entries(answer.headers ?? {})) reply.header(name, value);
  return answer.body;
}

// Not encapsulated: the hooks and decorator apply to the app that registers it.
Object.assign(fastifySessions, { [Symbol.for("skip-override")]: true, [Symbol.for("fastify.display-name")]: "sessionkit" });

function sendAnswer(reply: FastifyReply, answer: ErrorAnswer): FastifyReply {
  reply.code(answer.status);
  for (const [name, value] of Object.entries(answer.headers ?? {})) reply.header(name, value);
  return reply.send(answer.body);
}

function destroyStream(payload: unknown): void {
  const stream = payload as { pipe?: unknown; destroy?: () => void } | null;
  if (stream && typeof stream.pipe === "function" && typeof stream.destroy === "function") stream.destroy();
}

/**
 * CSRF protection for Fastify, as a `preHandler` hook (it runs after the
 * body is parsed): refuses a POST, PUT, PATCH or DELETE (any method but
 * GET, HEAD, OPTIONS and TRACE) that does not prove it comes from this site
 * by throwing a {@link CsrfError}, which Fastify's error handler answers 403
 * (`statusCode`); a `setErrorHandler` of yours can answer it your own way.
 * The token is read from the `X-CSRF-Token` header, or from the
 * `csrf_token` field of `request.body` when a form parser
 * (@fastify/formbody, or @fastify/multipart with `attachFieldsToBody: "keyValues"`)
 * made one.
 *
 * @example
 * import { csrfProtection, fastifySessions } from "sessionkit/fastify";
 * await app.register(fastifySessions, { sessions });
 * app.addHook("preHandler", csrfProtection()); // every route; or { preHandler: csrfProtection() } on one
 */
export function csrfProtection(options: CsrfProtectionOptions = {}): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const resolved = resolveCsrfProtection(options);
  return async function sessionkitCsrf(request: FastifyRequest): Promise<void> {
    const session = request.session as Session<any> | null;
    if (!session) throw new TypeError("sessionkit: csrfProtection needs request.session: register fastifySessions before it.");
    const refused = csrfRefusal(
      session,
      {
        method: request.method,
        tls: (request.raw.socket as TLSSocket).encrypted === true,
        host: request.headers.host ?? headerText(request.headers[":authority"]),
        header: (name) => request.headers[name],
        formToken: formField(request.body, resolved.fieldName),
      },
      resolved,
    );
    if (refused) throw refused;
  };
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
