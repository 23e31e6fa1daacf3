/**
 * Holding a node:http response's head until the session is committed.
 *
 * node:http and Express have no hook between "the handler is done" and "the
 * head leaves": a handler writes whenever it likes. So, as the `compression`
 * middleware does, the response's `writeHead`, `write`, `end` and
 * `flushHeaders` are wrapped on this one response object: the first of them
 * starts the commit, every output call is queued, and once the commit has
 * set its headers the queue is replayed in order. The visitor's next request
 * therefore always sees the write (express-session lets the head leave before
 * its store write: its issues #309, #360, #526, #1037).
 */
import type { ServerResponse } from "node:http";
import type { CommitResult, SessionManager } from "../core/manager.js";
import type { Session } from "../core/session.js";
import { logAdapterError, type ErrorAnswer } from "./shared.js";

/**
 * What {@link holdResponse} calls.
 *
 * @example
 * const hooks: HoldHooks = { beforeHead: () => commitToResponse(sessions, session, res), onFailure: (e) => next(e) };
 */
export interface HoldHooks {
  /** Commit the session and set its headers on the response; called once, at the first output. */
  beforeHead(status: number): Promise<void>;
  /**
   * `beforeHead` failed: the app's queued output was dropped and its headers
   * removed, and the response is no longer held. Answer now.
   */
  onFailure(error: unknown): void;
  /**
   * When given (cookie mode: nothing to wait for), called instead of
   * beforeHead in the same tick as the first write, and the response goes out
   * unheld: no queue, no replay, one write for head and body as node does.
   */
  beforeHeadSync?: ((status: number) => void) | undefined;
}

/**
 * What the caller can ask a held response.
 *
 * @example
 * if (!held.started) res.statusCode = 500;
 */
export interface Held {
  /** True once the first output call has started the commit. */
  started: boolean;
}

type Writer = (...args: unknown[]) => unknown;

/**
 * Hold `res`'s head until `hooks.beforeHead` has finished.
 *
 * @example
 * holdResponse(res, { beforeHead: () => commitToResponse(sessions, session, res), onFailure: (e) => next(e) });
 */
export function holdResponse(res: ServerResponse, hooks: HoldHooks): Held {
  const target = res as unknown as Record<"writeHead" | "write" | "end" | "flushHeaders", Writer>;
  const original = { writeHead: target.writeHead, write: target.write, end: target.end, flushHeaders: target.flushHeaders };
  const queue: (() => void)[] = [];
  let state: "idle" | "holding" | "open" = "idle";
  // A plain field, not a getter: an object literal with an accessor gets a
  // map of its own in V8, and one per request cost ~25 µs of CPU (maps and
  // the GC work they bring), a third of a node:http request.
  const held: Held = { started: false };
  let headRequested = false;
  let askedForDrain = false;

  const restore = (): void => {
    target.writeHead = original.writeHead;
    target.write = original.write;
    target.end = original.end;
    target.flushHeaders = original.flushHeaders;
  };
  const release = (): void => {
    state = "open";
    restore();
    try {
      if (headRequested && !res.headersSent) original.writeHead.call(res, res.statusCode);
      for (const call of queue.splice(0)) call();
    } catch (error) {
      // The calls were checked as node checks them when the app made them, so this is a node
      // refusal we did not foresee: never let it become an unhandled rejection (R-crash).
      queue.length = 0;
      if (!res.headersSent) hooks.onFailure(error);
      else {
        logAdapterError("node", error);
        res.destroy();
      }
      return;
    }
    // A writer told to wait (write returned false) waits for 'drain'; node emits it only if its own buffer filled.
    if (askedForDrain && !res.writableNeedDrain) res.emit("drain");
  };
  const fail = (error: unknown): void => {
    state = "open";
    restore();
    queue.length = 0;
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    hooks.onFailure(error);
  };
  /** Cookie mode: commit now and let every call through untouched. True when the response may proceed. */
  const startSync = (): boolean => {
    state = "open";
    held.started = true;
    restore();
    try {
      hooks.beforeHeadSync!(res.statusCode);
      return true;
    } catch (error) {
      for (const name of res.getHeaderNames()) res.removeHeader(name);
      hooks.onFailure(error);
      return false;
    }
  };
  const start = (): void => {
    if (state !== "idle") return;
    state = "holding";
    held.started = true;
    let commit: Promise<void>;
    try {
      commit = hooks.beforeHead(res.statusCode);
    } catch (error) {
      fail(error);
      return;
    }
    commit.then(release, fail);
  };

  const sync = hooks.beforeHeadSync !== undefined;
  target.writeHead = function writeHead(this: ServerResponse, ...args: unknown[]) {
    if (state === "open") return original.writeHead.apply(res, args);
    applyWriteHead(res, args);
    if (sync) return startSync() ? original.writeHead.call(res, res.statusCode) : res;
    headRequested = true;
    start();
    return res;
  };
  target.write = function write(...args: unknown[]) {
    if (state === "open") return original.write.apply(res, args);
    checkChunk(args[0], args[1], false);
    if (sync) return startSync() ? original.write.apply(res, args) : false;
    queue.push(() => original.write.apply(res, args));
    start();
    askedForDrain = true;
    return false;
  };
  target.end = function end(...args: unknown[]) {
    if (state === "open") return original.end.apply(res, args);
    checkChunk(args[0], args[1], true);
    if (sync) return startSync() ? original.end.apply(res, args) : res;
    queue.push(() => original.end.apply(res, args));
    start();
    return res;
  };
  target.flushHeaders = function flushHeaders() {
    if (state === "open") return original.flushHeaders.apply(res, []);
    if (sync) return startSync() ? original.flushHeaders.apply(res, []) : undefined;
    queue.push(() => original.flushHeaders.apply(res, []));
    start();
    return undefined;
  };
  return held;
}

/**
 * Do what `writeHead(status, [message], [headers])` does to the response's
 * state, without sending: status, message, and headers merged as node merges
 * them (given headers win; a flat array keeps duplicates such as several
 * Set-Cookie lines, the on-headers CVE-2025-7339 case).
 */
function applyWriteHead(res: ServerResponse, args: unknown[]): void {
  const [status, second, third] = args;
  res.statusCode = status as number;
  let headers = third;
  if (typeof second === "string") res.statusMessage = second;
  else if (second !== undefined) headers = second;
  if (Array.isArray(headers)) {
    if (headers.length % 2 !== 0) throw new TypeError("writeHead: a headers array must hold name, value pairs.");
    for (let i = 0; i < headers.length; i += 2) res.removeHeader(String(headers[i]));
    for (let i = 0; i < headers.length; i += 2) if (headers[i]) res.appendHeader(String(headers[i]), headers[i + 1] as string);
  } else if (headers && typeof headers === "object") {
    for (const [name, value] of Object.entries(headers)) if (name && value !== undefined) res.setHeader(name, value as string);
  }
}

/**
 * Commit `session` and copy the result onto `res`: each Set-Cookie appended
 * as its own line beside the app's, every other header set as core gives it.
 *
 * @example
 * await commitToResponse(sessions, req.session, res);
 */
export async function commitToResponse(sessions: SessionManager<any>, session: Session<any>, res: ServerResponse): Promise<void> {
  copyResult(res, await sessions.commit(session, commitContext(res)));
}

/**
 * {@link commitToResponse} for cookie mode, in the same tick.
 *
 * @example
 * holdResponse(res, { beforeHead, beforeHeadSync: () => commitToResponseSync(sessions, session, res), onFailure });
 */
export function commitToResponseSync(sessions: SessionManager<any>, session: Session<any>, res: ServerResponse): void {
  copyResult(res, sessions.commitSync(session, commitContext(res)));
}

/**
 * The commit hooks of {@link holdResponse} for one session: async with a
 * store, in the same tick in cookie mode.
 *
 * @example
 * holdResponse(res, { ...commitHooks(sessions, session, res), onFailure });
 */
export function commitHooks(
  sessions: SessionManager<any>,
  session: Session<any>,
  res: ServerResponse,
): Pick<HoldHooks, "beforeHead" | "beforeHeadSync"> {
  return {
    beforeHead: () => commitToResponse(sessions, session, res),
    beforeHeadSync: sessions.canCommitSync ? () => commitToResponseSync(sessions, session, res) : undefined,
  };
}

function commitContext(res: ServerResponse) {
  return { status: res.statusCode, vary: res.getHeader("Vary"), cacheControl: res.getHeader("Cache-Control") };
}

function copyResult(res: ServerResponse, result: CommitResult): void {
  for (const value of result.setCookie) res.appendHeader("Set-Cookie", value);
  for (const [name, value] of result.headers) res.setHeader(name, value);
}

/**
 * Refuse what node's `write`/`end` refuse, at the app's own call, as node
 * would: a held call is replayed later, where a throw could reach nobody
 * (an app's `res.end(req.query.msg)` with a repeated query key hands an
 * array). A chunk must be a string or bytes (or absent, for end), and an
 * encoding one node knows.
 */
function checkChunk(chunk: unknown, encoding: unknown, ending: boolean): void {
  if (ending && (chunk === undefined || chunk === null || typeof chunk === "function")) return;
  if (chunk === null) throw nodeError(TypeError, "ERR_STREAM_NULL_VALUES", "May not write null values to stream");
  if (typeof chunk !== "string" && !(chunk instanceof Uint8Array)) {
    throw nodeError(TypeError, "ERR_INVALID_ARG_TYPE", 'The "chunk" argument must be of type string or an instance of Buffer or Uint8Array.');
  }
  if (typeof encoding === "string" && !Buffer.isEncoding(encoding)) throw nodeError(TypeError, "ERR_UNKNOWN_ENCODING", "Unknown encoding");
}

function nodeError(Kind: new (message: string) => Error, code: string, message: string): Error {
  const error = new Kind(message);
  (error as Error & { code: string }).code = code;
  return error;
}

/**
 * Send an adapter's own answer (503, 409, 500) on a response that is not held.
 *
 * @example
 * sendAnswer(res, { status: 503, headers: { "Retry-After": "1" }, body: "retry" });
 */
export function sendAnswer(res: ServerResponse, answer: ErrorAnswer): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  res.statusCode = answer.status;
  for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
  res.end(answer.body);
}

/**
 * The answer to an error no framework will handle (node:http): a bare 500.
 *
 * @example
 * sendAnswer(res, INTERNAL_ERROR);
 */
export const INTERNAL_ERROR: ErrorAnswer = Object.freeze({
  status: 500,
  headers: { "Content-Type": "text/plain; charset=utf-8" },
  body: "Internal Server Error",
});
