/**
 * A per-key promise queue: tasks with the same key run one after another,
 * tasks with different keys run concurrently. Used where a store cannot make
 * a read-modify-write atomic by itself, so that at least the requests of one
 * process never interleave on one record.
 */

/**
 * Serialize async work per key, in arrival order. A failed task does not
 * block the ones queued after it. Idle keys hold no memory.
 *
 * @example
 * const queue = new KeyedQueue();
 * await Promise.all([queue.run("a", slowA), queue.run("a", slowB)]); // slowB starts after slowA settles
 */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<unknown>>();

  /** Run `task` once every task queued before it under `key` has settled. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    // Chain on both outcomes: one request's failure is not the next one's.
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    void tail.then(() => {
      // Forget the key when nothing was queued behind this task.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  /** How many keys have work queued or running (for tests and metrics). */
  get size(): number {
    return this.#tails.size;
  }
}
