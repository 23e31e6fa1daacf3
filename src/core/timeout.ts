/**
 * Store calls with a deadline: a store that hangs (Redis paused, a stuck
 * query) becomes a StoreError after `storeTimeoutMs`, and a store that
 * throws becomes a StoreError naming the store and the operation, never the id.
 *
 * Each call is its own {@link StoreContext}: core's time, and an `abandoned`
 * flag set when the deadline passes, so that a store holding the call in a
 * queue drops a write the app has already been told failed.
 *
 * On Node the deadlines of every call with the same `storeTimeoutMs` wait in
 * one queue behind one timer, instead of a `setTimeout` and `clearTimeout`
 * per call (a new timer list for each call when one request runs at a time:
 * about 0.5 µs of a memory-store request's ~5). Calls of one length join
 * the queue in deadline order (the clock only moves forward, and a call that
 * reports progress starts again at the back), so the timer only ever needs
 * the front: when it fires it ends every call whose deadline has passed and
 * is set again for the new front. It is left running when the queue empties
 * (a call that comes later has a later deadline), unreferenced then, so an
 * idle process still exits. Elsewhere (Workers, where a timer belongs to the
 * request that set it) each call keeps its own timer.
 */
import { runtime } from "#runtime";
import { StoreError } from "./errors.js";
import type { EventHandler } from "./events.js";
import type { Store, StoreContext } from "./store.js";

/** Store calls that change nothing when they run twice, and whose timeout leaves nothing half-done. */
const IDEMPOTENT = new Set(["load", "touch", "destroy", "listForUser", "destroyForUser"]);
/** Store calls that read only: a timeout cannot have changed anything. */
const READS = new Set(["load", "listForUser", "list"]);

/** A store's own word that a failed write wrote nothing: a retryable cause (SQLite busy), or a write dropped once abandoned. */
function nothingWritten(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as { retryable?: unknown; code?: unknown };
  return e.retryable === true || e.code === "SESSIONKIT_ABANDONED";
}

type Timer = ReturnType<typeof setTimeout>;

/** Node's timers can be unreferenced; a number (Workers, browsers) cannot. */
const unref = (timer: Timer | undefined): void => void (timer as { unref?: () => void } | undefined)?.unref?.();
const ref = (timer: Timer | undefined): void => void (timer as { ref?: () => void } | undefined)?.ref?.();

/** One queue per deadline length; only on Node (see the file's comment). */
const SHARED = runtime.name === "node";
const queues = new Map<number, DeadlineQueue>();

/**
 * The pending calls of one deadline length, in deadline order, behind one
 * timer that is never later than the front's deadline.
 */
class DeadlineQueue {
  readonly ms: number;
  head: StoreCall<any> | undefined;
  tail: StoreCall<any> | undefined;
  size = 0;
  #timer: Timer | undefined;
  readonly #fire = (): void => this.#expireDue();

  constructor(ms: number) {
    this.ms = ms;
  }

  /** Append `call` with its deadline `ms` from now. */
  add(call: StoreCall<any>, now: number): void {
    call.deadlineAt = now + this.ms;
    call.prev = this.tail;
    call.next = undefined;
    if (this.tail) this.tail.next = call;
    else this.head = call;
    this.tail = call;
    if (this.size++ === 0) {
      // A timer still running from earlier calls fires no later than this deadline (set for an earlier one).
      if (this.#timer === undefined) this.#timer = setTimeout(this.#fire, this.ms);
      else ref(this.#timer);
    }
  }

  remove(call: StoreCall<any>): void {
    if (call.prev) call.prev.next = call.next;
    else this.head = call.next;
    if (call.next) call.next.prev = call.prev;
    else this.tail = call.prev;
    call.prev = call.next = undefined;
    if (--this.size === 0) unref(this.#timer);
  }

  #expireDue(): void {
    this.#timer = undefined;
    const now = performance.now();
    let due: StoreCall<any> | undefined;
    let last: StoreCall<any> | undefined;
    // Unlink every call past its deadline and set the timer for the rest first, so that ending one cannot stall the others.
    while (this.head !== undefined && this.head.deadlineAt <= now) {
      const call = this.head;
      this.remove(call);
      if (last) last.next = call;
      else due = call;
      last = call;
    }
    if (this.head !== undefined) this.#timer = setTimeout(this.#fire, Math.max(1, Math.ceil(this.head.deadlineAt - now)));
    for (let call = due; call !== undefined; ) {
      const next = call.next;
      call.next = undefined;
      call.expire();
      call = next;
    }
  }
}

/** The call being constructed: Promise's executor runs synchronously, so it needs no closure of its own. */
let starting: StoreCall<any> | undefined;
function capture(resolve: (value: any) => void, reject: (error: unknown) => void): void {
  starting!.resolve = resolve;
  starting!.reject = reject;
}

/**
 * One store call under its deadline: the context the store gets, and the
 * promise core awaits. Never handed out beyond the store as anything but a
 * {@link StoreContext}.
 */
class StoreCall<T> implements StoreContext {
  readonly nowMs: number;
  /** Set when the deadline passed: the app has been told the call failed. */
  abandoned = false;
  // Queue links and the deadline (performance.now() time).
  prev: StoreCall<any> | undefined = undefined;
  next: StoreCall<any> | undefined = undefined;
  deadlineAt = 0;
  resolve!: (value: T | PromiseLike<T>) => void;
  reject!: (error: unknown) => void;
  readonly promise: Promise<T>;
  readonly #store: Store;
  readonly #timeoutMs: number;
  readonly #emit: EventHandler;
  readonly #operation: string;
  readonly #run: (ctx: StoreContext) => Promise<T>;
  /** The queue holding the deadline; undefined with a timer of its own (not on Node, and a retry). */
  #queue: DeadlineQueue | undefined;
  #timer: Timer | undefined = undefined;
  /** A second attempt: never tried again. */
  readonly #retry: boolean;
  #started: number;
  #settled = false;
  #progress: (() => void) | undefined = undefined;

  /** `retry`: this is the second attempt of an idempotent call, with what is left of the first's deadline (its own timer, no third attempt). */
  constructor(store: Store, timeoutMs: number, emit: EventHandler, operation: string, nowMs: number, run: (ctx: StoreContext) => Promise<T>, retry = false) {
    this.nowMs = nowMs;
    this.#store = store;
    this.#timeoutMs = timeoutMs;
    this.#emit = emit;
    this.#operation = operation;
    this.#run = run;
    this.#retry = retry;
    starting = this;
    this.promise = new Promise<T>(capture);
    starting = undefined;
    this.#started = performance.now();
    if (SHARED && !retry) {
      let queue = queues.get(timeoutMs);
      if (queue === undefined) queues.set(timeoutMs, (queue = new DeadlineQueue(timeoutMs)));
      this.#queue = queue;
      queue.add(this, this.#started);
    } else {
      this.#timer = setTimeout(() => this.expire(), timeoutMs);
    }
    this.#attempt();
  }

  /**
   * A call that works batch by batch reports each finished batch here: the
   * deadline starts again (a call already given up on stays given up on).
   * One function per call, made only for the calls that ask for it.
   */
  get progress(): () => void {
    return (this.#progress ??= () => {
      if (this.#settled) return;
      if (this.#queue !== undefined) {
        this.#queue.remove(this);
        this.#queue.add(this, performance.now());
      } else {
        clearTimeout(this.#timer);
        this.#timer = setTimeout(() => this.expire(), this.#timeoutMs);
      }
    });
  }

  #attempt(): void {
    let work: Promise<T>;
    try {
      work = Promise.resolve(this.#run(this));
    } catch (error) {
      this.#failed(error);
      return;
    }
    work.then(
      (value) => this.#succeeded(value),
      (error: unknown) => this.#failed(error),
    );
  }

  #stopClock(): void {
    if (this.#queue !== undefined) {
      this.#queue.remove(this);
      this.#queue = undefined;
    } else clearTimeout(this.#timer);
  }

  #succeeded(value: T): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#stopClock();
    this.resolve(value);
  }

  /**
   * A failure before the deadline. An idempotent call is tried once more
   * within the same deadline, after a short pause; a write (create, apply,
   * rotate) never is, since it may have landed (R60).
   */
  #failed(error: unknown): void {
    if (this.#settled) return;
    this.#stopClock();
    const operation = this.#operation;
    const left = this.#timeoutMs - (performance.now() - this.#started);
    this.#settled = true;
    if (!this.#retry && IDEMPOTENT.has(operation) && left >= 100) {
      // The second attempt is a call of its own (its own context, never abandoned with this one's), whose outcome is this one's.
      setTimeout(() => {
        const retry = new StoreCall(this.#store, this.#timeoutMs - (performance.now() - this.#started), this.#emit, operation, this.nowMs, this.#run, true);
        this.resolve(retry.promise);
      }, Math.min(50, left / 4));
      return;
    }
    const storeName = this.#store.name;
    this.#end(error instanceof StoreError ? error : new StoreError(storeName, operation, error, false, !READS.has(operation) && !nothingWritten(error)), false);
  }

  /** The deadline passed: the store's answer, whenever it comes, is ignored. */
  expire(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.abandoned = true;
    this.#queue = undefined;
    this.#end(new StoreError(this.#store.name, this.#operation, undefined, true, !READS.has(this.#operation)), true);
  }

  #end(error: StoreError, timedOut: boolean): void {
    this.#emit({ type: "store_error", store: this.#store.name, operation: this.#operation, timedOut });
    this.reject(error);
  }
}

/**
 * Every store call core makes: under the deadline, with core's clock, and
 * reported as a `store_error` event before it propagates. Idempotent calls
 * (load, touch, destroy, the user index) that fail fast are tried once more
 * within the same deadline, after a short pause; a write (create, apply,
 * rotate) never is, since it may have landed (R60).
 *
 * @example
 * const record = await callStore(store, 2000, emit, "load", Date.now(), (ctx) => store.load(idHash, ctx));
 */
export function callStore<T>(
  store: Store,
  timeoutMs: number,
  emit: EventHandler,
  operation: string,
  nowMs: number,
  run: (ctx: StoreContext) => Promise<T>,
): Promise<T> {
  return new StoreCall(store, timeoutMs, emit, operation, nowMs, run).promise;
}
