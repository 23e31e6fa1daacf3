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
 * its store write: its issues #309, #360, #526, #1037). In cookie mode there
 * is nothing to wait for: the first call commits in its own tick and goes
 * through unqueued.
 *
 * The wrappers are four module functions, shared by every response, that
 * find the response's one {@link Hold} object under a symbol: a request
 * makes that object and no closure (issue #20: nine closures per request
 * cost a cookie-mode read about as much as the manager's whole load). A
 * second hold on the same response (two managers) gets its own four
 * closures, since the symbol names one hold.
 *
 * Opening never undoes what was installed after the hold: a method goes back
 * to its original only while the hold's wrapper is still the one on the
 * response. Where something wrapped it later (the `compression` middleware
 * mounted after sessionMiddleware, an app's own `res.write`), that wrapper
 * stays, and the hold's wrapper beneath it, which the later one calls, just
 * passes through to the original from then on.
 */
import type { ServerResponse } from "node:http";
import type { SessionManager } from "../core/manager.js";
import type { Session } from "../core/session.js";
import { applyWriteHead, checkChunk } from "./hold-calls.js";
import { commitToResponse, commitToResponseSync } from "./hold-commit.js";
import { logAdapterError } from "./shared.js";

/**
 * What {@link holdResponse} calls besides the commit. Made once per adapter
 * where it can be (node:http): the response comes as an argument.
 *
 * @example
 * const hooks: HoldHooks = { onFailure: (error, res) => sendAnswer(res, INTERNAL_ERROR) };
 */
export interface HoldHooks {
  /**
   * The commit failed: the app's queued output was dropped and its headers
   * removed, and the response is no longer held. Answer now.
   */
  onFailure(error: unknown, res: ServerResponse): void;
  /** The first output call is about to start a commit that must be waited for (not called in cookie mode). */
  onHold?: ((res: ServerResponse) => void) | undefined;
}

/**
 * What the caller can ask a held response.
 *
 * @example
 * if (!held.started) res.statusCode = 500;
 */
export interface Held {
  /** True once the first output call has started the commit. */
  readonly started: boolean;
}

type Writer = (this: ServerResponse, ...args: unknown[]) => unknown;
type Method = "writeHead" | "write" | "end" | "flushHeaders";
type Wrappers = Record<Method, Writer>;
type Patched = Wrappers & { [HOLD]?: Hold };

/** Where a held response keeps its {@link Hold}: the wrappers below are shared, not made per response. */
const HOLD = Symbol("sessionkit.hold");

const IDLE = 0;
const HOLDING = 1;
const OPEN = 2;

/**
 * One held response's state. The four wrappers are module functions that
 * find it on the response (`this[HOLD]`), so a request makes this one object
 * and no closure: per-request closures were most of the hold's cost on a
 * cookie-mode read (issue #20). Only a commit that must be waited for
 * (a store) makes the two callbacks of its promise.
 */
class Hold implements Held {
  started = false;
  state: typeof IDLE | typeof HOLDING | typeof OPEN = IDLE;
  headRequested = false;
  askedForDrain = false;
  /** The app's output while the commit runs: pairs of (original method, its arguments). Made by the first queued call (cookie mode queues nothing). */
  queue: (Writer | unknown[])[] | undefined = undefined;
  readonly writeHead: Writer;
  readonly write: Writer;
  readonly end: Writer;
  readonly flushHeaders: Writer;
  /** Cookie mode: commit in the same tick and let every call through untouched. */
  readonly sync: boolean;
  /** The wrappers this hold put on the response: the shared ones, or its own closures when another hold was there first. */
  wrappers: Wrappers = SHARED;

  constructor(
    readonly res: ServerResponse,
    readonly sessions: SessionManager<any>,
    readonly session: Session<any>,
    readonly hooks: HoldHooks,
  ) {
    const target = res as unknown as Patched;
    this.writeHead = target.writeHead;
    this.write = target.write;
    this.end = target.end;
    this.flushHeaders = target.flushHeaders;
    this.sync = sessions.canCommitSync;
  }

  /**
   * Put each original back where the hold's wrapper is still the method on
   * the response. A method wrapped after the hold keeps its later wrapper,
   * which calls the hold's, which now passes straight through (state OPEN).
   */
  restore(): void {
    const target = this.res as unknown as Patched;
    const own = this.wrappers;
    if (target.writeHead === own.writeHead) target.writeHead = this.writeHead;
    if (target.write === own.write) target.write = this.write;
    if (target.end === own.end) target.end = this.end;
    if (target.flushHeaders === own.flushHeaders) target.flushHeaders = this.flushHeaders;
  }

  /** Cookie mode: commit now. True when the response may proceed. */
  startSync(): boolean {
    const res = this.res;
    this.state = OPEN;
    this.started = true;
    this.restore();
    try {
      commitToResponseSync(this.sessions, this.session, res);
      return true;
    } catch (error) {
      for (const name of res.getHeaderNames()) res.removeHeader(name);
      this.hooks.onFailure(error, res);
      return false;
    }
  }

  /** Queue one output call (an original method and its arguments) and start the commit, once. */
  hold(method: Writer | undefined, args: unknown[]): void {
    if (method !== undefined) (this.queue ??= []).push(method, args);
    if (this.state !== IDLE) return;
    this.state = HOLDING;
    this.started = true;
    let commit: Promise<void>;
    try {
      this.hooks.onHold?.(this.res);
      commit = commitToResponse(this.sessions, this.session, this.res);
    } catch (error) {
      this.fail(error);
      return;
    }
    commit.then(
      () => this.release(),
      (error: unknown) => this.fail(error),
    );
  }

  release(): void {
    const res = this.res;
    const queue = this.queue ?? [];
    this.queue = undefined;
    this.state = OPEN;
    this.restore();
    try {
      if (this.headRequested && !res.headersSent) this.writeHead.call(res, res.statusCode);
      for (let i = 0; i < queue.length; i += 2) (queue[i] as Writer).apply(res, queue[i + 1] as unknown[]);
    } catch (error) {
      // The calls were checked as node checks them when the app made them, so this is a node
      // refusal we did not foresee: never let it become an unhandled rejection (R-crash).
      if (!res.headersSent) this.hooks.onFailure(error, res);
      else {
        logAdapterError("node", error);
        res.destroy();
      }
      return;
    }
    // A writer told to wait (write returned false) waits for 'drain'; node emits it only if its own buffer filled.
    if (this.askedForDrain && !res.writableNeedDrain) res.emit("drain");
  }

  fail(error: unknown): void {
    const res = this.res;
    this.state = OPEN;
    this.restore();
    this.queue = undefined;
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    this.hooks.onFailure(error, res);
  }
}

/**
 * Hold `res`'s head until the session is committed onto it: in the same
 * tick in cookie mode (nothing to wait for: no queue, no replay, one write
 * for head and body as node does), else by queueing the app's output until
 * the commit's promise settles.
 *
 * @example
 * holdResponse(res, sessions, session, { onFailure: (error) => next(error) });
 */
export function holdResponse(res: ServerResponse, sessions: SessionManager<any>, session: Session<any>, hooks: HoldHooks): Held {
  const hold = new Hold(res, sessions, session, hooks);
  const target = res as unknown as Patched;
  let wrappers = SHARED;
  // The symbol names the first hold, whose wrappers are the shared functions; a second gets its own.
  if (target[HOLD] === undefined) target[HOLD] = hold;
  else wrappers = hold.wrappers = ownWrappers(hold);
  target.writeHead = wrappers.writeHead;
  target.write = wrappers.write;
  target.end = wrappers.end;
  target.flushHeaders = wrappers.flushHeaders;
  return hold;
}

// The wrappers. Each is called as a method of the response (node's own code calls `this.writeHead`,
// a pipe calls `dest.write`), so `this` is the held response. Once the hold has opened they pass
// through to the originals: a wrapper installed after the hold, or a caller that kept one, calls them.

function heldWriteHead(this: ServerResponse, ...args: unknown[]): unknown {
  return writeHeadHeld((this as unknown as Patched)[HOLD]!, this, args);
}

function heldWrite(this: ServerResponse, ...args: unknown[]): unknown {
  return writeHeld((this as unknown as Patched)[HOLD]!, this, args);
}

function heldEnd(this: ServerResponse, ...args: unknown[]): unknown {
  return endHeld((this as unknown as Patched)[HOLD]!, this, args);
}

function heldFlushHeaders(this: ServerResponse): unknown {
  return flushHeadersHeld((this as unknown as Patched)[HOLD]!, this);
}

const SHARED: Wrappers = Object.freeze({ writeHead: heldWriteHead, write: heldWrite, end: heldEnd, flushHeaders: heldFlushHeaders });

/** A second hold's wrappers (two managers on one response): closures, since the symbol finds the first. */
function ownWrappers(hold: Hold): Wrappers {
  return {
    writeHead(this: ServerResponse, ...args: unknown[]) {
      return writeHeadHeld(hold, this, args);
    },
    write(this: ServerResponse, ...args: unknown[]) {
      return writeHeld(hold, this, args);
    },
    end(this: ServerResponse, ...args: unknown[]) {
      return endHeld(hold, this, args);
    },
    flushHeaders(this: ServerResponse) {
      return flushHeadersHeld(hold, this);
    },
  };
}

function writeHeadHeld(hold: Hold, res: ServerResponse, args: unknown[]): unknown {
  if (hold.state === OPEN) return hold.writeHead.apply(res, args);
  applyWriteHead(res, args);
  if (hold.sync) return hold.startSync() ? hold.writeHead.call(res, res.statusCode) : res;
  hold.headRequested = true;
  // Nothing to queue: release() sends the head first.
  hold.hold(undefined, args);
  return res;
}

function writeHeld(hold: Hold, res: ServerResponse, args: unknown[]): unknown {
  if (hold.state === OPEN) return hold.write.apply(res, args);
  checkChunk(args[0], args[1], false);
  if (hold.sync) return hold.startSync() ? hold.write.apply(res, args) : false;
  hold.hold(hold.write, args);
  hold.askedForDrain = true;
  return false;
}

function endHeld(hold: Hold, res: ServerResponse, args: unknown[]): unknown {
  if (hold.state === OPEN) return hold.end.apply(res, args);
  checkChunk(args[0], args[1], true);
  if (hold.sync) return hold.startSync() ? hold.end.apply(res, args) : res;
  hold.hold(hold.end, args);
  return res;
}

function flushHeadersHeld(hold: Hold, res: ServerResponse): unknown {
  if (hold.state === OPEN) return hold.flushHeaders.call(res);
  if (hold.sync) return hold.startSync() ? hold.flushHeaders.call(res) : undefined;
  hold.hold(hold.flushHeaders, []);
  return undefined;
}
