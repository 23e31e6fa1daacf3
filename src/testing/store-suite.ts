/**
 * The shared store suite: every rule of the Store contract
 * (src/core/store.ts), checked against a real store. Every store runs it.
 *
 * Records and writes (this file), concurrency, user index and prune
 * (store-suite-more.ts).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { StoreRecord } from "../core/store.js";
import { withStore, type MakeStore, type SuiteOptions } from "./fixture.js";
import { change, ctx, nullData, prng, randomIdHash, record, unicodeString } from "./records.js";
import { serviceUnavailable } from "./service.js";
import { registerLinkTests } from "./store-suite-links.js";
import { registerMoreStoreTests } from "./store-suite-more.js";
import { registerRaceTests } from "./store-suite-races.js";
import { registerRotateTests } from "./store-suite-rotate.js";

/**
 * Register the shared Store contract tests (`describe`/`it` from `node:test`)
 * for one store implementation. Optional capabilities (`listForUser`,
 * `destroyForUser`, `prune`) are tested when the store declares them.
 *
 * @example
 * import { testStore } from "sessionkit/testing";
 * testStore("memory", async () => ({ store: new MemoryStore(), cleanup: async () => {} }));
 */
export function testStore(name: string, makeStore: MakeStore, options: SuiteOptions = {}): void {
  describe(`store contract: ${name}`, () => {
    if (options.skip !== undefined) {
      serviceUnavailable(`store contract: ${name}`, options.skip);
      return;
    }
    registerRecordTests(makeStore);
    registerApplyTests(makeStore);
    registerLifecycleTests(makeStore);
    registerClockTests(makeStore);
    registerMoreStoreTests(makeStore, options);
    registerRotateTests(makeStore);
    registerLinkTests(makeStore);
    registerRaceTests(makeStore);
  });
}

/** Assert a loaded record has a null-prototype `data` equal to `expected`. */
export function assertData(loaded: StoreRecord | undefined, expected: Record<string, string>, message?: string): StoreRecord {
  assert.ok(loaded, message ?? "record should load");
  assert.equal(Object.getPrototypeOf(loaded.data), null, "data must have a null prototype");
  assert.deepEqual({ ...loaded.data }, { ...expected }, message);
  assert.deepEqual(Object.keys(loaded.data).sort(), Object.keys(expected).sort(), message);
  return loaded;
}

function registerRecordTests(make: MakeStore): void {
  describe("create and load", () => {
    it("has a short name", () =>
      withStore(make, async ({ store }) => {
        assert.equal(typeof store.name, "string");
        assert.ok(store.name.length > 0 && store.name.length <= 40);
      }));

    it("loads what was created, all fields", () =>
      withStore(make, async ({ store }) => {
        const id = randomIdHash();
        const created = record({ user: '"alice"', n: "1" }, { userId: "user-1" });
        assert.equal(await store.create(id, created, ctx()), true);
        const loaded = assertData(await store.load(id, ctx()), { user: '"alice"', n: "1" });
        assert.equal(loaded.createdAtMs, created.createdAtMs);
        assert.equal(loaded.expiresAtMs, created.expiresAtMs);
        assert.equal(loaded.userId, "user-1");
        assert.ok(!loaded.frozen, "a fresh record is not frozen");
      }));

    it("returns undefined for an id never created", () =>
      withStore(make, async ({ store }) => {
        assert.equal(await store.load(randomIdHash(), ctx()), undefined);
      }));

    it("create never overwrites: returns false and keeps the first record", () =>
      withStore(make, async ({ store }) => {
        const id = randomIdHash();
        assert.equal(await store.create(id, record({ a: "1" }), ctx()), true);
        assert.equal(await store.create(id, record({ b: "2" }, { userId: "x" }), ctx()), false);
        const loaded = assertData(await store.load(id, ctx()), { a: "1" });
        assert.equal(loaded.userId, undefined);
      }));

    it("only one of many concurrent creates on one id wins", () =>
      withStore(make, async ({ store }) => {
        const id = randomIdHash();
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.create(id, record({ who: String(i) }), ctx())),
        );
        assert.equal(results.filter(Boolean).length, 1);
        const winner = results.indexOf(true);
        assertData(await store.load(id, ctx()), { who: String(winner) });
      }));

    it("keeps an empty record (a session with no keys yet)", () =>
      withStore(make, async ({ store }) => {
        const id = randomIdHash();
        assert.equal(await store.create(id, record({}), ctx()), true);
        assertData(await store.load(id, ctx()), {});
      }));

    it("keeps __proto__, constructor and toString as plain data keys", () =>
      withStore(make, async ({ store }) => {
        const id = randomIdHash();
        const data = nullData([
          ["__proto__", '{"polluted":true}'],
          ["constructor", '"c"'],
          ["toString", '"t"'],
          ["hasOwnProperty", '"h"'],
        ]);
        await store.create(id, { data, createdAtMs: Date.now(), expiresAtMs: Date.now() + 60_000 }, ctx());
        const loaded = assertData(await store.load(id, ctx()), data);
        assert.equal(Object.getOwnPropertyDescriptor(loaded.data, "__proto__")?.value, '{"polluted":true}');
        assert.equal(({} as Record<string, unknown>).polluted, undefined, "Object.prototype must stay clean");
        const applied = await store.apply(id, change({ set: [["__proto__", "2"]], delete: ["constructor"] }), ctx());
        assert.equal(applied, "ok");
        const after = assertData(
          await store.load(id, ctx()),
          nullData([["__proto__", "2"], ["toString", '"t"'], ["hasOwnProperty", '"h"']]),
        );
        assert.equal(Object.getOwnPropertyDescriptor(after.data, "__proto__")?.value, "2");
      }));

    it("round-trips 4-byte UTF-8 and random well-formed unicode exactly (keys and values)", () =>
      withStore(make, async ({ store }) => {
        const seed = 0x5e55 ^ Date.now();
        const next = prng(seed);
        const entries: Array<[string, string]> = [["emoji 😀𝄞", '"🦄 中文 é \\u0000 \u2028"']];
        for (let i = 0; i < 40; i += 1) entries.push([`k${i}:${unicodeString(next, 1 + (i % 9))}`, unicodeString(next, 1 + i * 3)]);
        const id = randomIdHash();
        await store.create(id, record(entries), ctx());
        assertData(await store.load(id, ctx()), nullData(entries), `seed ${seed}`);
        const more: Array<[string, string]> = [[unicodeString(next, 5), unicodeString(next, 64)]];
        assert.equal(await store.apply(id, change({ set: more }), ctx()), "ok");
        assertData(await store.load(id, ctx()), nullData([...entries, ...more]), `seed ${seed}`);
      }));

    it("round-trips U+0000 in keys and values", () =>
      withStore(make, async ({ store }) => {
        const id = randomIdHash();
        await store.create(id, record([["a\u0000b", "x\u0000y"]]), ctx());
        assertData(await store.load(id, ctx()), nullData([["a\u0000b", "x\u0000y"]]));
      }));

    it("returns copies: mutating a loaded or created record changes nothing stored", () =>
      withStore(make, async ({ store }) => {
        const id = randomIdHash();
        const created = record({ a: "1" });
        await store.create(id, created, ctx());
        created.data.a = "mutated";
        created.expiresAtMs = 0;
        const first = assertData(await store.load(id, ctx()), { a: "1" });
        first.data.b = "2";
        assertData(await store.load(id, ctx()), { a: "1" });
      }));

    it("does not return an expired record", () =>
      withStore(make, async ({ store }) => {
        const id = randomIdHash();
        const nowMs = Date.now();
        await store.create(id, record({ a: "1" }, { nowMs: nowMs - 10_000, expiresAtMs: nowMs - 1_000 }), ctx());
        assert.equal(await store.load(id, ctx()), undefined);
      }));
  });
}

function registerApplyTests(make: MakeStore): void {
  describe("apply", () => {
    it("sets and deletes keys, keeps the rest and createdAtMs", () =>
      withStore(make, async ({ store }) => {
        const id = randomIdHash();
        const created = record({ a: "1", b: "2", c: "3" });
        await store.create(id, created, ctx());
        assert.equal(await store.apply(id, change({ set: { b: "20", d: "4" }, delete: ["c", "absent"] }), ctx()), "ok");
        const loaded = assertData(await store.load(id, ctx()), { a: "1", b: "20", d: "4" });
        assert.equal(loaded.createdAtMs, created.createdAtMs);
        assert.equal(loaded.expiresAtMs, created.expiresAtMs, "no expiresAtMs in the change keeps the stored one");
      }));

    it("clears, then deletes, then sets, in one step", () =>
      withStore(make, async ({ store }) => {
        const id = randomIdHash();
        await store.create(id, record({ a: "1", b: "2", c: "3" }), ctx());
        assert.equal(await store.apply(id, change({ clear: true, delete: ["x", "d"], set: { d: "4" } }), ctx()), "ok");
        assertData(await store.load(id, ctx()), { d: "4" });
        assert.equal(await store.apply(id, change({ delete: ["d"], set: { d: "5" } }), ctx()), "ok");
        assertData(await store.load(id, ctx()), { d: "5" }, "set wins over delete of the same key");
      }));

    it("moves the expiry when asked, and sets and removes the user", () =>
      withStore(make, async ({ store }) => {
        const id = randomIdHash();
        await store.create(id, record({ a: "1" }), ctx());
        const expiresAtMs = Date.now() + 7_200_000;
        assert.equal(await store.apply(id, change({ expiresAtMs, userId: "u-1" }), ctx()), "ok");
        let loaded = assertData(await store.load(id, ctx()), { a: "1" });
        assert.equal(loaded.expiresAtMs, expiresAtMs);
        assert.equal(loaded.userId, "u-1");
        assert.equal(await store.apply(id, change({ set: { b: "2" } }), ctx()), "ok");
        loaded = assertData(await store.load(id, ctx()), { a: "1", b: "2" });
        assert.equal(loaded.userId, "u-1", "an absent userId keeps the stored one");
        assert.equal(await store.apply(id, change({ userId: null }), ctx()), "ok");
        loaded = assertData(await store.load(id, ctx()), { a: "1", b: "2" });
        assert.equal(loaded.userId, undefined);
      }));

    it('reports "missing" for an unknown id and writes nothing', () =>
      withStore(make, async ({ store }) => {
        const id = randomIdHash();
        assert.equal(await store.apply(id, change({ set: { a: "1" }, userId: "ghost" }), ctx()), "missing");
        assert.equal(await store.load(id, ctx()), undefined);
        assert.equal(await store.create(id, record({ b: "2" }), ctx()), true, "nothing was left under the id");
      }));

    it('reports "missing" for an expired record and does not revive it', () =>
      withStore(make, async ({ store }) => {
        const id = randomIdHash();
        const nowMs = Date.now();
        await store.create(id, record({ a: "1" }, { nowMs: nowMs - 10_000, expiresAtMs: nowMs - 1_000 }), ctx());
        assert.equal(await store.apply(id, change({ set: { b: "2" }, expiresAtMs: nowMs + 60_000 }), ctx()), "missing");
        assert.equal(await store.load(id, ctx()), undefined);
      }));

    it("a record created frozen is frozen", () =>
      withStore(make, async ({ store }) => {
        const id = randomIdHash();
        await store.create(id, record({ a: "1" }, { frozen: true }), ctx());
        assert.equal((await store.load(id, ctx()))?.frozen, true);
        assert.equal(await store.apply(id, change({ set: { a: "2" } }), ctx()), "frozen");
      }));
  });
}

function registerLifecycleTests(make: MakeStore): void {
  describe("touch and destroy", () => {
    it("touch moves the expiry and never the data", () =>
      withStore(make, async ({ store }) => {
        const id = randomIdHash();
        const created = record({ a: "1" });
        await store.create(id, created, ctx());
        const expiresAtMs = created.expiresAtMs + 3_600_000;
        assert.equal(await store.touch(id, expiresAtMs, ctx()), true);
        const loaded = assertData(await store.load(id, ctx()), { a: "1" });
        assert.equal(loaded.expiresAtMs, expiresAtMs);
        assert.equal(loaded.createdAtMs, created.createdAtMs);
      }));

    it("touch on a missing or expired record returns false and creates nothing", () =>
      withStore(make, async ({ store }) => {
        const missing = randomIdHash();
        assert.equal(await store.touch(missing, Date.now() + 60_000, ctx()), false);
        assert.equal(await store.load(missing, ctx()), undefined);
        const expired = randomIdHash();
        const nowMs = Date.now();
        await store.create(expired, record({ a: "1" }, { nowMs: nowMs - 10_000, expiresAtMs: nowMs - 1_000 }), ctx());
        assert.equal(await store.touch(expired, nowMs + 60_000, ctx()), false);
        assert.equal(await store.load(expired, ctx()), undefined);
      }));

    it("a touch racing applies loses no key", () =>
      withStore(make, async ({ store }) => {
        const id = randomIdHash();
        await store.create(id, record({}), ctx());
        const touchedMs = Date.now() + 5_000_000;
        const writes: Array<Promise<unknown>> = [];
        for (let i = 0; i < 20; i += 1) {
          writes.push(store.apply(id, change({ set: { [`k${i}`]: String(i) } }), ctx()));
          if (i % 5 === 2) writes.push(store.touch(id, touchedMs, ctx()));
        }
        await Promise.all(writes);
        const loaded = assertData(await store.load(id, ctx()), Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, String(i)])));
        assert.equal(loaded.expiresAtMs, touchedMs);
      }));

    it('destroy removes the record; a later apply is "missing" and touch is false', () =>
      withStore(make, async ({ store }) => {
        const id = randomIdHash();
        const other = randomIdHash();
        await store.create(id, record({ a: "1" }), ctx());
        await store.create(other, record({ b: "2" }), ctx());
        await store.destroy(id, ctx());
        assert.equal(await store.load(id, ctx()), undefined);
        assert.equal(await store.apply(id, change({ set: { a: "2" } }), ctx()), "missing");
        assert.equal(await store.touch(id, Date.now() + 60_000, ctx()), false);
        assert.equal(await store.load(id, ctx()), undefined, "nothing was brought back");
        assertData(await store.load(other, ctx()), { b: "2" }, "other records are untouched");
      }));

    it("destroy of a missing record is not an error", () =>
      withStore(make, async ({ store }) => {
        await store.destroy(randomIdHash(), ctx());
      }));
  });
}

function registerClockTests(make: MakeStore): void {
  describe("time comes from the context", () => {
    for (const [label, offsetMs] of [["an hour ago", -3_600_000], ["an hour ahead", 3_600_000]] as const) {
      it(`every call decides expiry by ctx.nowMs, never a clock of its own (core's clock ${label})`, () =>
        withStore(make, async ({ store }) => {
          const t = Date.now() + offsetMs;
          const id = randomIdHash();
          const created = record({ a: "1" }, { nowMs: t, expiresAtMs: t + 60_000 });
          assert.equal(await store.create(id, created, ctx(t)), true);
          assertData(await store.load(id, ctx(t + 59_999)), { a: "1" }, "live one ms before expiresAtMs, by the context's time");
          assert.equal(await store.apply(id, change({ set: { b: "2" } }), ctx(t + 1_000)), "ok");
          assert.equal(await store.touch(id, t + 120_000, ctx(t + 2_000)), true);
          const loaded = assertData(await store.load(id, ctx(t + 119_999)), { a: "1", b: "2" });
          assert.equal(loaded.expiresAtMs, t + 120_000);
          // Time only moves forward from here: a store may drop a record it has seen expire.
          assert.equal(await store.load(id, ctx(t + 120_000)), undefined, "dead at expiresAtMs, by the context's time");
          assert.equal(await store.apply(id, change({ set: { c: "3" } }), ctx(t + 120_000)), "missing", "expired by the context's time");
          assert.equal(await store.touch(id, t + 240_000, ctx(t + 120_000)), false);
        }));
    }
  });
}
