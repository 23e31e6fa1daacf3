/**
 * Store calls with a deadline: a store that hangs (Redis paused, a stuck
 * query) becomes a StoreError after `ms`, and a store that throws becomes a
 * StoreError naming the store and the operation, never the id.
 */
import { StoreError } from "./errors.js";
import type { EventHandler } from "./events.js";
import type { Store } from "./store.js";

/**
 * Run a store call, failing with StoreError when it throws or takes longer than `ms`.
 *
 * @example
 * const record = await withDeadline(() => store.load(idHash), 2000, store.name, "load");
 */
export function withDeadline<T>(run: () => Promise<T>, ms: number, storeName: string, operation: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const fail = (error: unknown): void => {
      clearTimeout(timer);
      reject(error instanceof StoreError ? error : new StoreError(storeName, operation, error));
    };
    const timer = setTimeout(() => reject(new StoreError(storeName, operation, undefined, true)), ms);
    let work: Promise<T>;
    try {
      work = Promise.resolve(run());
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

/** Store calls that may safely run twice. */
const IDEMPOTENT = new Set(["load", "touch", "destroy", "listForUser", "destroyForUser"]);

/**
 * Every store call core makes: under the deadline, reported as a
 * `store_error` event before it propagates. Idempotent calls (load, touch,
 * destroy, the user index) that fail fast are tried once more within the
 * same deadline, after a short pause; a write (create, apply) never is,
 * since it may have landed (R60).
 *
 * @example
 * const record = await callStore(store, 2000, emit, "load", () => store.load(idHash));
 */
export async function callStore<T>(store: Store, timeoutMs: number, emit: EventHandler, operation: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    try {
      return await withDeadline(run, timeoutMs, store.name, operation);
    } catch (first) {
      const left = timeoutMs - (performance.now() - started);
      if (!IDEMPOTENT.has(operation) || (first as StoreError).timedOut === true || left < 100) throw first;
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, left / 4)));
      return await withDeadline(run, timeoutMs - (performance.now() - started), store.name, operation);
    }
  } catch (error) {
    emit({ type: "store_error", store: store.name, operation, timedOut: (error as StoreError).timedOut === true });
    throw error;
  }
}
