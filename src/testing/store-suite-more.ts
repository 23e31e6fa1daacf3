/**
 * The second half of the shared store suite: concurrent writers, the user
 * index and prune. Registered by {@link testStore}; not exported on its own.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Store } from "../core/store.js";
import { withStore, type MakeStore, type SuiteOptions } from "./fixture.js";
import { change, ctx, listedId, randomIdHash, record } from "./records.js";

/** Each of `writers` concurrent applies sets its own key; all must survive. */
async function concurrentWriters(store: Store, writers: number): Promise<void> {
  const id = randomIdHash();
  assert.equal(await store.create(id, record({ base: "0" }), ctx()), true);
  const results = await Promise.all(
    Array.from({ length: writers }, (_, i) => store.apply(id, change({ set: { [`w${i}`]: String(i) } }), ctx())),
  );
  assert.deepEqual(new Set(results), new Set(["ok"]));
  const loaded = await store.load(id, ctx());
  assert.ok(loaded);
  const keys = Object.keys(loaded.data);
  assert.equal(keys.length, writers + 1, `expected ${writers + 1} keys, got ${keys.length}: writes were lost`);
  for (let i = 0; i < writers; i += 1) assert.equal(loaded.data[`w${i}`], String(i));
}

/** @internal Registered by testStore. */
export function registerMoreStoreTests(make: MakeStore, options: SuiteOptions): void {
  describe("concurrency", () => {
    it("100 concurrent applies on one record, each setting its own key, keep all 100", () =>
      withStore(make, ({ store }) => concurrentWriters(store, 100)));

    if (options.heavy) it("1,000 concurrent applies keep all 1,000", () =>
      withStore(make, ({ store }) => concurrentWriters(store, 1_000)));

    it("applies racing a destroy never bring the record back", () =>
      withStore(make, async ({ store }) => {
        const id = randomIdHash();
        await store.create(id, record({ a: "1" }), ctx());
        const ops: Array<Promise<unknown>> = [];
        for (let i = 0; i < 30; i += 1) {
          ops.push(store.apply(id, change({ set: { [`k${i}`]: "1" }, expiresAtMs: Date.now() + 60_000 }), ctx()));
          if (i === 10) ops.push(store.destroy(id, ctx()));
        }
        const results = await Promise.all(ops);
        // Pooled stores may run these in any order, so only the outcome is fixed:
        // each apply either landed before the destroy or found nothing.
        assert.ok(results.every((r) => r === undefined || r === "ok" || r === "missing"));
        assert.equal(await store.load(id, ctx()), undefined, "a destroyed record stays destroyed");
        assert.equal(await store.apply(id, change({ set: { late: "1" } }), ctx()), "missing");
        assert.equal(await store.load(id, ctx()), undefined);
      }));
  });

  describe("user index", () => {
    it("lists a user's sessions (hashed ids and metadata) and nothing of other users", async (t) => {
      await withStore(make, async ({ store }) => {
        if (!store.listForUser) return t.skip(`${store.name} declares no user index`);
        const [a1, a2, b1, plain] = [randomIdHash(), randomIdHash(), randomIdHash(), randomIdHash()];
        const r1 = record({ x: "1" }, { userId: "alice" });
        await store.create(a1, r1, ctx());
        await store.create(a2, record({}), ctx());
        assert.equal(await store.apply(a2, change({ userId: "alice" }), ctx()), "ok");
        await store.create(b1, record({}, { userId: "bob" }), ctx());
        await store.create(plain, record({}), ctx());
        const list = await store.listForUser("alice", ctx());
        assert.deepEqual(list.map((s) => s.idHash).sort(), [listedId(store, a1), listedId(store, a2)].sort());
        for (const key of [a1, a2]) assert.ok(!store.rawIds || !list.some((s) => s.idHash === key), "a listing never gives out a raw id");
        const first = list.find((s) => s.idHash === listedId(store, a1));
        assert.equal(first?.createdAtMs, r1.createdAtMs);
        assert.equal(first?.expiresAtMs, r1.expiresAtMs);
        assert.deepEqual((await store.listForUser("bob", ctx())).map((s) => s.idHash), [listedId(store, b1)]);
        assert.deepEqual(await store.listForUser("nobody", ctx()), []);
      });
    });

    it("follows user changes, removals, destroys and expiry", async (t) => {
      await withStore(make, async ({ store }) => {
        if (!store.listForUser) return t.skip(`${store.name} declares no user index`);
        const [moved, unset, gone, expired] = [randomIdHash(), randomIdHash(), randomIdHash(), randomIdHash()];
        for (const id of [moved, unset, gone]) await store.create(id, record({}, { userId: "carol" }), ctx());
        const nowMs = Date.now();
        await store.create(expired, record({}, { userId: "carol", nowMs: nowMs - 10_000, expiresAtMs: nowMs - 1_000 }), ctx());
        assert.equal(await store.apply(moved, change({ userId: "dave" }), ctx()), "ok");
        assert.equal(await store.apply(unset, change({ userId: null }), ctx()), "ok");
        await store.destroy(gone, ctx());
        assert.deepEqual(await store.listForUser("carol", ctx()), []);
        assert.deepEqual((await store.listForUser("dave", ctx())).map((s) => s.idHash), [listedId(store, moved)]);
      });
    });

    it("destroyForUser removes every session of the user except one, and no other user's", async (t) => {
      await withStore(make, async ({ store }) => {
        if (!store.destroyForUser || !store.listForUser) return t.skip(`${store.name} declares no destroyForUser`);
        const mine = Array.from({ length: 5 }, () => randomIdHash());
        const theirs = randomIdHash();
        for (const id of mine) await store.create(id, record({ a: "1" }, { userId: "erin" }), ctx());
        await store.create(theirs, record({ a: "1" }, { userId: "frank" }), ctx());
        const keep = mine[2]!;
        assert.equal(await store.destroyForUser("erin", keep, ctx()), 4);
        for (const id of mine) {
          const loaded = await store.load(id, ctx());
          if (id === keep) assert.ok(loaded, "the excepted session survives");
          else assert.equal(loaded, undefined);
        }
        assert.ok(await store.load(theirs, ctx()), "another user's session survives");
        assert.equal(await store.apply(mine[0]!, change({ set: { a: "2" } }), ctx()), "missing");
        assert.deepEqual((await store.listForUser("erin", ctx())).map((s) => s.idHash), [listedId(store, keep)]);
        assert.equal(await store.destroyForUser("erin", undefined, ctx()), 1);
        assert.equal(await store.load(keep, ctx()), undefined);
        assert.equal(await store.destroyForUser("erin", undefined, ctx()), 0);
      });
    });

    it("user ids with separators, braces and unicode stay distinct", async (t) => {
      await withStore(make, async ({ store }) => {
        if (!store.listForUser) return t.skip(`${store.name} declares no user index`);
        const users = ["u:1", "u", "{u}", "u}:{1", "ユーザー😀", "a b", "%2F"];
        const ids = new Map(users.map((u) => [u, randomIdHash()]));
        for (const [u, id] of ids) await store.create(id, record({}, { userId: u }), ctx());
        for (const [u, id] of ids) {
          assert.deepEqual((await store.listForUser(u, ctx())).map((s) => s.idHash), [listedId(store, id)], `user ${JSON.stringify(u)}`);
          assert.equal((await store.load(id, ctx()))?.userId, u);
        }
      });
    });
  });

  describe("prune", () => {
    it("removes expired records only, in batches of `limit` (or, with no prune, the store expires them itself)", async () => {
      await withStore(make, async ({ store }) => {
        if (!store.prune) return assertExpiresNatively(store);
        const nowMs = Date.now();
        const expired = Array.from({ length: 5 }, () => randomIdHash());
        const live = Array.from({ length: 3 }, () => randomIdHash());
        for (const id of expired) await store.create(id, record({ a: "1" }, { nowMs: nowMs - 60_000, expiresAtMs: nowMs - 1_000 }), ctx());
        for (const id of live) await store.create(id, record({ a: "1" }, { userId: "pruned-user" }), ctx());
        const batches: number[] = [];
        for (let i = 0; i < 10; i += 1) {
          const removed = await store.prune(nowMs, 2);
          batches.push(removed);
          if (removed === 0) break;
        }
        assert.deepEqual(batches, [2, 2, 1, 0]);
        for (const id of live) assert.ok(await store.load(id, ctx()), "live records survive");
        assert.equal(await store.prune(nowMs), 0);
        if (store.listForUser) assert.equal((await store.listForUser("pruned-user", ctx())).length, 3);
        if (store.list) {
          const all = (await store.list({ nowMs: Date.now() })).map((s) => s.idHash).sort();
          assert.deepEqual(all, live.map((id) => listedId(store, id)).sort(), "list shows only live records after prune");
        }
      });
    });

    it("prune without a limit removes every expired record (or, with no prune, the store expires them itself)", async () => {
      await withStore(make, async ({ store }) => {
        if (!store.prune) return assertExpiresNatively(store);
        const nowMs = Date.now();
        for (let i = 0; i < 7; i += 1) {
          await store.create(randomIdHash(), record({}, { nowMs: nowMs - 60_000, expiresAtMs: nowMs - 1 - i }), ctx());
        }
        const live = randomIdHash();
        await store.create(live, record({}), ctx());
        assert.equal(await store.prune(nowMs), 7);
        assert.ok(await store.load(live, ctx()));
      });
    });
  });
}

/**
 * A store that declares no `prune` must expire records itself (a native TTL):
 * a record created with a 3-second TTL is gone, from the store's own view, once it passed.
 * (3 s, not 1: the create and the first load must both land before it, on a loaded machine too.)
 */
async function assertExpiresNatively(store: Store): Promise<void> {
  const id = randomIdHash();
  const nowMs = Date.now();
  assert.equal(await store.create(id, record({ a: "1" }, { nowMs, expiresAtMs: nowMs + 3_000 }), ctx()), true);
  assert.ok(await store.load(id, ctx()), "the record exists before its TTL");
  // Whole seconds on the server's clock: up to one more second before the item is gone.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, nowMs + 4_100 - Date.now())));
  assert.equal(await store.load(id, ctx()), undefined, `${store.name} declares no prune, so it must expire records itself`);
}
