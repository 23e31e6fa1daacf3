/**
 * Store calls with a deadline: a store that hangs (Redis paused, a stuck
 * query) becomes a StoreError after `ms`, and a store that throws becomes a
 * StoreError naming the store and the operation, never the id.
 */
import { StoreError } from "./errors.js";

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
