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
}

/**
 * Least-recently-inserted eviction over a Map (insertion order), O(1) per call.
 *
 * @example
 * const cache = new VerifiedCache(10_000);
 */
export class VerifiedCache {
  readonly #max: number;
  readonly #entries = new Map<string, VerifiedEntry>();

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
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(cookie, entry);
  }
}
