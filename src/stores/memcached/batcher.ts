/**
 * Group commit for change-sets on one key. A compare-and-set loop lets one
 * of n concurrent writers win each round, so n writers to one session cost
 * O(n²) round trips. Within a process they need not race: the applies
 * waiting on a key are taken together and written by one compare-and-set
 * loop, their change-sets composed in arrival order (exactly as if they had
 * run one after another), and each is told the outcome of the write that
 * carried it. Writers in other processes still meet at the compare-and-set.
 */
import type { ChangeSet, StoreContext } from "../../core/store.js";

/** One waiting apply. */
export interface Pending<R> {
  change: ChangeSet;
  ctx: StoreContext;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Per-key queues of change-sets, each drained by `write` a batch at a time.
 *
 * @example
 * const batcher = new Batcher((key, batch) => writeAll(key, batch));
 * const result = await batcher.submit(key, change, ctx);
 */
export class Batcher<R> {
  readonly #queues = new Map<string, Pending<R>[]>();
  readonly #write: (key: string, batch: Pending<R>[]) => Promise<void>;

  /** `write` must settle every entry of the batch it is given. */
  constructor(write: (key: string, batch: Pending<R>[]) => Promise<void>) {
    this.#write = write;
  }

  submit(key: string, change: ChangeSet, ctx: StoreContext): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const queue = this.#queues.get(key);
      const entry = { change, ctx, resolve, reject };
      if (queue) {
        queue.push(entry);
        return;
      }
      this.#queues.set(key, [entry]);
      void this.#drain(key);
    });
  }

  async #drain(key: string): Promise<void> {
    // Let the applies of this tick join the first batch.
    await Promise.resolve();
    for (;;) {
      const batch = this.#queues.get(key) ?? [];
      if (batch.length === 0) {
        this.#queues.delete(key);
        return;
      }
      this.#queues.set(key, []);
      try {
        await this.#write(key, batch);
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
  }
}
