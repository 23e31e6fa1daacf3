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
 * about 0.5 µs of a memory-store request's ~5), and a call reads no clock
 * (~70 ns a read on this VM): the timer ticks every eighth of the deadline
 * while calls are pending, a call notes the tick it started in, and a tick
 * ends every call whose deadline has surely passed. So a call that hangs
 * fails no sooner than `storeTimeoutMs` after it started, and at most an
 * eighth of it (at least 1 ms) later (a timer per call: at the deadline). The timer is
 * unreferenced while nothing is pending, so an idle process still exits,
 * and stops after a deadline's worth of idle ticks. Elsewhere (Workers,
 * where a timer belongs to the request that set it) each call keeps its
 * own timer.
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
 * The pending calls of one deadline length, oldest first, behind one timer
 * that ticks every `ms / 8` (at least 1 ms) while calls are pending. A call
 * notes the tick it started in, with no clock read of its own (a clock read
 * costs ~70 ns here); it ends at the tick that comes `ms` after the next one,
 * so never before its `ms`, and at most one tick (an eighth) after. After a
 * deadline's worth of ticks with nothing pending, the timer stops.
 */
class DeadlineQueue {
  head: StoreCall<any> | undefined;
  tail: StoreCall<any> | undefined;
  size = 0;
  /** The current tick's number, and when it began (performance.now()). */
  tick = 0;
  tickAt = 0;
  readonly #tickMs: number;
  /** Ticks from the one after a call's start to its end: `ticks × tickMs ≥ ms`. */
  readonly #ticks: number;
  #idleTicks = 0;
  #timer: Timer | undefined;
  readonly #fire = (): void => this.#onTick();

  constructor(ms: number) {
    this.#tickMs = Math.max(1, Math.floor(ms / 8));
    this.#ticks = Math.ceil(ms / this.#tickMs);
  }

  /** Append `call`: it starts in the current tick. */
  add(call: StoreCall<any>): void {
    call.tick = this.tick;
    call.prev = this.tail;
    call.next = undefined;
    if (this.tail) this.tail.next = call;
    else this.head = call;
    this.tail = call;
    if (this.size++ === 0) {
      this.#idleTicks = 0;
      if (this.#timer !== undefined) ref(this.#timer);
      else {
        // Stopped: a new tick begins now (a call that started before it is ended by its own queue's clock, never this one's).
        this.tick += 1;
        call.tick = this.tick;
        this.tickAt = performance.now();
        this.#timer = setTimeout(this.#fire, this.#tickMs);
      }
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

  #onTick(): void {
    const now = performance.now();
    if (now - this.tickAt < this.#tickMs) {
      // Node may fire a timer up to a loop iteration early by the real clock: wait out the rest.
      this.#timer = setTimeout(this.#fire, Math.max(1, Math.ceil(this.#tickMs - (now - this.tickAt))));
      if (this.size === 0) unref(this.#timer);
      return;
    }
    this.tick += 1;
    this.tickAt = now;
    // A call of tick t started before tick t + 1 began, which was at least `ticks × tickMs ≥ ms` before tick t + 1 + ticks.
    const last = this.tick - 1 - this.#ticks;
    let due: StoreCall<any> | undefined;
    let end: StoreCall<any> | undefined;
    // Unlink every call past its deadline and set the timer for the rest first, so that ending one cannot stall the others.
    while (this.head !== undefined && this.head.tick <= last) {
      const call = this.head;
      this.remove(call);
      if (end) end.next = call;
      else due = call;
      end = call;
    }
    if (this.size > 0 || ++this.#idleTicks <= this.#ticks) {
      this.#timer = setTimeout(this.#fire, this.#tickMs);
      if (this.size === 0) unref(this.#timer);
    } else this.#timer = undefined;
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
  // Links in the deadline queue.
  prev: StoreCall<any> | undefined = undefined;
  next: StoreCall<any> | undefined = undefined;
  /** The deadline queue's tick this call started in (or last reported progress in). */
  tick = 0;
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
    if (SHARED && !retry) {
      let queue = queues.get(timeoutMs);
      if (queue === undefined) queues.set(timeoutMs, (queue = new DeadlineQueue(timeoutMs)));
      this.#queue = queue;
      queue.add(this);
      // No clock read per call: the start of its tick is early by at most a tick (a retry then gets a little less time, never more).
      this.#started = queue.tickAt;
    } else {
      this.#started = performance.now();
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
        this.#queue.add(this);
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
