/**
 * A workaround for a lost-wakeup race in Miniflare's synchronous proxy calls
 * (miniflare 4.20260317, `SynchronousFetcher` in
 * src/plugins/core/proxy/fetch-sync.ts), which `getD1Database()`'s
 * `prepare` and `bind` go through.
 *
 * The main thread stores 0 in a shared cell, posts a request to a helper
 * thread and sleeps in `Atomics.wait(cell, 0, 0)`; the helper answers, then
 * stores 1 and calls `Atomics.notify`. When the main thread sees the 1 before
 * the helper's `notify` has run (the helper was preempted between the two:
 * a loaded machine), it goes on to the next call, stores 0 and sleeps again,
 * and the late `notify` of the previous call wakes it with no answer posted
 * yet. Miniflare then asserts `message?.id === id`; and since every later
 * call reads the answer meant for the one before it, every later call fails
 * too (one run here: 52 of 69 D1 tests).
 *
 * A wakeup that leaves the cell at the value it was waiting on is that stale
 * `notify`, not an answer: the wait is the usual futex loop, waiting again
 * until the cell changes. Only the exact shape of that call is changed (no
 * timeout, a one-cell shared Int32Array); any other use of `Atomics.wait` in
 * the process is passed through.
 *
 * @example
 * import "../helpers/miniflare-wait.js"; // before the first getD1Database()
 */
const wait = Atomics.wait.bind(Atomics);

function isSingleSharedCell(array: unknown): array is Int32Array {
  return array instanceof Int32Array && array.length === 1 && array.buffer instanceof SharedArrayBuffer;
}

if (!(Atomics.wait as { sessionkitLoop?: boolean }).sessionkitLoop) {
  const looping = (array: Int32Array | BigInt64Array, index: number, value: number | bigint, timeout?: number): "ok" | "not-equal" | "timed-out" => {
    if (timeout !== undefined || !isSingleSharedCell(array)) return wait(array as Int32Array, index, value as number, timeout);
    for (;;) {
      const result = wait(array, index, value as number);
      if (result !== "ok" || Atomics.load(array, index) !== value) return result;
    }
  };
  Object.defineProperty(looping, "sessionkitLoop", { value: true });
  Atomics.wait = looping as typeof Atomics.wait;
}

export {};
