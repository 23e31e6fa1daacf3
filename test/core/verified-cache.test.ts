// The verified-cookie cache: least-recently-inserted eviction and the age
// rule, checked against a plain model over random sequences of gets and
// sets (expired entries deleted by a get, keys inserted again after being
// evicted or expired), so that the kept eviction iterator (verified-cache.ts)
// always evicts exactly the oldest key present.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { VerifiedCache, type VerifiedEntry } from "../../src/core/verified-cache.js";

const entry = (signedAtSeconds: number): VerifiedEntry => ({ data: Object.create(null) as Record<string, unknown>, signedAtSeconds, secretIndex: 0 });

/** The same contract, in the plainest form: keys in insertion order. */
class Model {
  readonly order: { key: string; signedAt: number }[] = [];
  constructor(readonly max: number) {}
  get(key: string, now: number, maxAge: number): boolean {
    const i = this.order.findIndex((e) => e.key === key);
    if (i < 0) return false;
    const age = now - this.order[i]!.signedAt;
    if (age < 0 || age > maxAge) {
      this.order.splice(i, 1);
      return false;
    }
    return true;
  }
  set(key: string, signedAt: number): void {
    if (this.order.length >= this.max) this.order.shift();
    const i = this.order.findIndex((e) => e.key === key);
    if (i >= 0) this.order[i]!.signedAt = signedAt;
    else this.order.push({ key, signedAt });
  }
}

test("the oldest key present is evicted first, across expiries, re-inserts and many table rehashes", () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant("set" as const), key: fc.integer({ min: 0, max: 40 }), signedAt: fc.integer({ min: 0, max: 20 }) }),
    fc.record({ kind: fc.constant("get" as const), key: fc.integer({ min: 0, max: 40 }), now: fc.integer({ min: 0, max: 30 }) }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 12 }), fc.array(op, { maxLength: 400 }), (max, ops) => {
      const cache = new VerifiedCache(max);
      const model = new Model(max);
      for (const o of ops) {
        const key = `cookie-${o.key}`;
        if (o.kind === "set") {
          // The mode sets only after a miss; a set of a present key (two concurrent misses) must keep the bound too.
          cache.set(key, entry(o.signedAt));
          model.set(key, o.signedAt);
        } else {
          assert.equal(cache.get(key, o.now, 10) !== undefined, model.get(key, o.now, 10), `get ${key}`);
        }
      }
      // Every key the model holds is still in the cache, and no other.
      const now = 20;
      for (let k = 0; k <= 40; k++) {
        const key = `cookie-${k}`;
        const kept = model.order.find((e) => e.key === key);
        const hit = cache.get(key, now, 1_000) !== undefined;
        assert.equal(hit, kept !== undefined, `${key} after the sequence`);
      }
    }),
    { numRuns: 300 },
  );
});

test("a full cache keeps exactly the newest entries while thousands pass through it", () => {
  const cache = new VerifiedCache(1_000);
  for (let i = 0; i < 25_000; i++) cache.set(`c${i}`, entry(0));
  for (let i = 0; i < 24_000; i++) assert.equal(cache.get(`c${i}`, 0, 10), undefined);
  for (let i = 24_000; i < 25_000; i++) assert.notEqual(cache.get(`c${i}`, 0, 10), undefined);
});

test("a cache of size 0 keeps nothing", () => {
  const cache = new VerifiedCache(0);
  cache.set("c", entry(0));
  assert.equal(cache.get("c", 0, 10), undefined);
});
