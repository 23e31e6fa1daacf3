/**
 * A bounded per-process cache of cookie strings this process has already
 * verified, so that the MAC (the dominant cost of a read) runs once per
 * cookie rather than once per request. Keyed by the exact cookie string;
 * an entry is used only while the signature's age is within the limit, so
 * expiry is enforced exactly as without the cache. The cached data is never
 * handed out: the Session copies what it gives to the app.
 */

/** One verified cookie. */
export interface VerifiedEntry {
  data: Record<string, unknown>;
  signedAtSeconds: number;
  secretIndex: number;
  /**
   * `Object.keys(data)`, taken by cookie mode the first time the entry is
   * found again: every later request's session copies the data by them,
   * rather than enumerating the null-prototype object (a dictionary in V8,
   * slow to enumerate) each time.
   */
  keys?: readonly string[];
}

/**
 * Least-recently-inserted eviction over a Map (insertion order), O(1) per call.
 *
 * The oldest key is read from one long-lived iterator over the keys, not
 * from a fresh `keys()` each time: V8 leaves a deleted entry as a hole in
 * the Map's table until the next rehash, and a fresh iterator walks every
 * hole from the start, so once the cache was full each eviction skipped
 * thousands of them (about 7 µs a cold read at 10,000 entries, more than the
 * MAC). The kept iterator resumes where the last eviction left it; keys
 * before it were all evicted, and a re-inserted key moves to the end, so
 * what it yields is still the oldest key present.
 *
 * @example
 * const cache = new VerifiedCache(10_000);
 */
export class VerifiedCache {
  readonly #max: number;
  readonly #entries = new Map<string, VerifiedEntry>();
  /** Where eviction resumes (see the class comment); made at the first eviction. */
  #oldest: IterableIterator<string> | undefined;

  constructor(maxEntries: number) {
    this.#max = maxEntries;
  }

  /**
   * The entry for `cookie` if it is still within `maxAgeSeconds` at
   * `nowSeconds`, and signed no more than `skewSeconds` in the future (the
   * codec's own rule, so a cookie it accepted within the tolerance is not
   * re-verified on every request).
   */
  get(cookie: string, nowSeconds: number, maxAgeSeconds: number, skewSeconds = 0): VerifiedEntry | undefined {
    const entry = this.#entries.get(cookie);
    if (entry === undefined) return undefined;
    const age = nowSeconds - entry.signedAtSeconds;
    if (age < -skewSeconds || age > maxAgeSeconds) {
      this.#entries.delete(cookie);
      return undefined;
    }
    return entry;
  }

  set(cookie: string, entry: VerifiedEntry): void {
    if (this.#max <= 0) return;
    if (this.#entries.size >= this.#max) {
      this.#oldest ??= this.#entries.keys();
      let oldest = this.#oldest.next();
      if (oldest.done) {
        // An iterator that reached the end stays done: start a new one (not reached while the Map is full).
        this.#oldest = this.#entries.keys();
        oldest = this.#oldest.next();
      }
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(cookie, entry);
  }
}
