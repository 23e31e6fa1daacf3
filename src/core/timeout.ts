/**
 * Store calls with a deadline: a store that hangs (Redis paused, a stuck
 * query) becomes a StoreError after `ms`, and a store that throws becomes a
 * StoreError naming the store and the operation, never the id.
 *
 * Each call gets its own {@link StoreContext}: core's time, and an
 * `abandoned` flag set when the deadline passes, so that a store holding the
 * call in a queue drops a write the app has already been told failed.
 */
import { StoreError } from "./errors.js";
import type { EventHandler } from "./events.js";
import type { Store, StoreContext } from "./store.js";

/** A StoreContext core can mark abandoned. */
interface CallContext extends StoreContext {
  abandoned: boolean;
  progress: () => void;
}

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

/**
 * Run one store call, failing with StoreError when it throws or takes longer
 * than `ms`. On a timeout the context is marked abandoned first.
 *
 * @example
 * const record = await withDeadline((ctx) => store.load(idHash, ctx), Date.now(), 2000, store.name, "load");
 */
export function withDeadline<T>(run: (ctx: StoreContext) => Promise<T>, nowMs: number, ms: number, storeName: string, operation: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const fail = (error: unknown): void => {
      clearTimeout(timer);
      reject(error instanceof StoreError ? error : new StoreError(storeName, operation, error, false, !READS.has(operation) && !nothingWritten(error)));
    };
    const expire = (): void => {
      ctx.abandoned = true;
      reject(new StoreError(storeName, operation, undefined, true, !READS.has(operation)));
    };
    // A batch finished: the deadline starts again (a call already given up on stays given up on).
    const progress = (): void => {
      if (ctx.abandoned) return;
      clearTimeout(timer);
      timer = setTimeout(expire, ms);
    };
    const ctx: CallContext = { nowMs, abandoned: false, progress };
    let timer = setTimeout(expire, ms);
    let work: Promise<T>;
    try {
      work = Promise.resolve(run(ctx));
    } catch (error) {
      fail(error);
      return;
    }
    work.then((value) => {
      clearTimeout(timer);
      resolve(value);
    }, fail);
  });
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
export async function callStore<T>(
  store: Store,
  timeoutMs: number,
  emit: EventHandler,
  operation: string,
  nowMs: number,
  run: (ctx: StoreContext) => Promise<T>,
): Promise<T> {
  const started = performance.now();
  try {
    try {
      return await withDeadline(run, nowMs, timeoutMs, store.name, operation);
    } catch (first) {
      const left = timeoutMs - (performance.now() - started);
      if (!IDEMPOTENT.has(operation) || (first as StoreError).timedOut === true || left < 100) throw first;
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, left / 4)));
      return await withDeadline(run, nowMs, timeoutMs - (performance.now() - started), store.name, operation);
    }
  } catch (error) {
    emit({ type: "store_error", store: store.name, operation, timedOut: (error as StoreError).timedOut === true });
    throw error;
  }
}
