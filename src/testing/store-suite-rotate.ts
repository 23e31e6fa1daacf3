/**
 * The shared suite's rotate tests: the atomic regenerate of the Store
 * contract (`Store.rotate`), on generated cases checked against the
 * contract's own model (`applyChangeSet`), and under races with other
 * rotates, applies and destroys. Registered by {@link testStore}.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { applyChangeSet, type ChangeSet, type Store, type StoreRecord } from "../core/store.js";
import { withStore, type MakeStore } from "./fixture.js";
import { change, ctx, listedId, nullData, prng, randomIdHash, record, unicodeString } from "./records.js";

const KEYS = ["a", "b", "c", "d", "__proto__", "ключ", "😀 k"];
const USERS = ["alice", "bob", "u:{1}"];

/** One generated rotate: what is stored, what the request changed, and the grace window. */
interface RotateCase {
  stored: StoreRecord;
  change: ChangeSet;
  graceUntilMs: number;
  nowMs: number;
}

function pick<T>(next: () => number, list: readonly T[]): T {
  return list[Math.floor(next() * list.length)]!;
}

function subset(next: () => number, list: readonly string[], p: number): string[] {
  return list.filter(() => next() < p);
}

/** A random case; every field of the change-set is exercised, each absent some of the time. */
function rotateCase(next: () => number, nowMs: number): RotateCase {
  const value = (): string => (next() < 0.3 ? String(Math.floor(next() * 1_000)) : JSON.stringify(unicodeString(next, 1 + Math.floor(next() * 12))));
  const stored = record(
    subset(next, KEYS, 0.5).map((k) => [k, value()] as [string, string]),
    { nowMs: nowMs - 60_000 - Math.floor(next() * 1_000_000), expiresAtMs: nowMs + 600_000 },
  );
  if (next() < 0.6) stored.userId = pick(next, USERS);
  const c: ChangeSet = change({ set: subset(next, KEYS, 0.3).map((k) => [k, value()] as [string, string]), delete: subset(next, [...KEYS, "absent"], 0.25) });
  if (next() < 0.2) c.clear = true;
  if (next() < 0.8) c.expiresAtMs = nowMs + 3_600_000 + Math.floor(next() * 3_600_000);
  const user = next();
  if (user < 0.3) c.userId = null;
  else if (user < 0.6) c.userId = pick(next, USERS);
  if (next() < 0.5) c.createdAtMs = nowMs - Math.floor(next() * 1_000);
  const grace = next();
  // Ahead (the usual case), exactly now, or already past (no grace: the old id is never served again, but kept as a link).
  const graceUntilMs = grace < 0.6 ? nowMs + 10_000 : grace < 0.8 ? nowMs : nowMs - 1;
  return { stored, change: c, graceUntilMs, nowMs };
}

/** Run one case and check every promise of `Store.rotate` about it. */
async function checkRotate(store: Store, k: RotateCase, label: string): Promise<void> {
  const [oldId, newId] = [randomIdHash(), randomIdHash()];
  const at = ctx(k.nowMs);
  assert.equal(await store.create(oldId, k.stored, at), true, label);
  assert.equal(await store.rotate(oldId, newId, k.change, k.graceUntilMs, at), "ok", label);
  const expected = applyChangeSet(k.stored, k.change);
  const readable = k.graceUntilMs > k.nowMs;
  // The old record is kept as a link until the latest of its own expiry, the grace window and the new record's expiry.
  const keptUntilMs = Math.max(k.stored.expiresAtMs, k.graceUntilMs, expected.expiresAtMs);

  const fresh = await store.load(newId, at);
  assert.ok(fresh, `${label}: the new record exists`);
  assert.equal(Object.getPrototypeOf(fresh.data), null, `${label}: data has a null prototype`);
  assert.deepEqual({ ...fresh.data }, { ...expected.data }, `${label}: new data = stored data + the change`);
  assert.deepEqual(Object.keys(fresh.data).sort(), Object.keys(expected.data).sort(), label);
  assert.equal(fresh.createdAtMs, k.change.createdAtMs ?? k.stored.createdAtMs, `${label}: createdAtMs kept unless given`);
  assert.equal(fresh.expiresAtMs, expected.expiresAtMs, `${label}: expiry from the change, else the stored one`);
  assert.equal(fresh.userId, expected.userId, `${label}: user moved, set or removed by the change`);
  assert.ok(!fresh.frozen, `${label}: the new record is writable`);
  assert.equal(fresh.predecessor, oldId, `${label}: the new record links back to the old one`);

  if (readable) {
    const old = await store.load(oldId, at);
    assert.ok(old, `${label}: the old record stays for the grace window`);
    assert.equal(old.frozen, true, `${label}: and is frozen`);
    assert.equal(old.successor, newId, `${label}: with a successor link`);
    assert.equal(old.readableUntilMs, k.graceUntilMs, `${label}: readable until the grace ends`);
    assert.equal(old.expiresAtMs, keptUntilMs, `${label}: kept until the latest of its expiry, the grace and the new expiry`);
    assert.deepEqual({ ...old.data }, { ...k.stored.data }, `${label}: its data untouched`);
  }
  // With or without a grace window, the old id is never writable again.
  assert.equal(await store.apply(oldId, change({ set: { late: "1" } }), at), "frozen", label);
  assert.equal(await store.touch(oldId, k.nowMs + 7_200_000, at), false, `${label}: a touch never extends the old id`);
  assert.equal(await store.rotate(oldId, randomIdHash(), change(), k.graceUntilMs, at), "frozen", label);

  if (store.listForUser) {
    for (const user of new Set([k.stored.userId, expected.userId, ...USERS])) {
      if (user === undefined) continue;
      const listed: string[] = (await store.listForUser(user, at)).map((s) => s.idHash);
      assert.ok(!listed.includes(listedId(store, oldId)), `${label}: the old id is out of ${user}'s index`);
      assert.equal(listed.includes(listedId(store, newId)), user === expected.userId, `${label}: the new id is in ${user}'s index exactly when it is theirs`);
    }
  }
  if (store.list) {
    const all: string[] = (await store.list({ nowMs: k.nowMs })).map((s) => s.idHash);
    assert.ok(all.includes(listedId(store, newId)) && !all.includes(listedId(store, oldId)), `${label}: list() shows the session once, under its new id`);
  }
  // Last, because time only moves forward: a store may drop a record it has seen expire.
  assert.equal(await store.load(oldId, ctx(keptUntilMs)), undefined, `${label}: the old id is gone once kept long enough`);
}

/** @internal Registered by testStore. */
export function registerRotateTests(make: MakeStore): void {
  describe("rotate", () => {
    it("generated cases: new data = stored data + change, createdAtMs kept or replaced, user index moved, old frozen with a successor link", () =>
      withStore(make, async ({ store }) => {
        const seed = (Date.now() ^ 0x7a7e) >>> 0;
        const next = prng(seed);
        for (let i = 0; i < 24; i += 1) await checkRotate(store, rotateCase(next, Date.now()), `seed ${seed}, case ${i}`);
      }));

    it('"missing" for an unknown, expired or destroyed record: nothing is written', () =>
      withStore(make, async ({ store }) => {
        const nowMs = Date.now();
        const unknown = randomIdHash();
        const target = randomIdHash();
        assert.equal(await store.rotate(unknown, target, change({ set: { a: "1" }, userId: "ghost" }), nowMs + 10_000, ctx(nowMs)), "missing");
        assert.equal(await store.load(target, ctx(nowMs)), undefined);
        assert.equal(await store.load(unknown, ctx(nowMs)), undefined);
        if (store.listForUser) assert.deepEqual(await store.listForUser("ghost", ctx(nowMs)), []);

        const expired = randomIdHash();
        await store.create(expired, record({ a: "1" }, { nowMs: nowMs - 10_000, expiresAtMs: nowMs + 5_000 }), ctx(nowMs));
        assert.equal(await store.rotate(expired, target, change(), nowMs + 20_000, ctx(nowMs + 5_000)), "missing", "expired by the context's time");
        assert.equal(await store.load(target, ctx(nowMs)), undefined);

        const destroyed = randomIdHash();
        await store.create(destroyed, record({ a: "1" }), ctx(nowMs));
        await store.destroy(destroyed, ctx(nowMs));
        assert.equal(await store.rotate(destroyed, target, change(), nowMs + 10_000, ctx(nowMs)), "missing");
        assert.equal(await store.load(target, ctx(nowMs)), undefined);
      }));

    it('"frozen" for a record already rotated or created frozen: nothing is written', () =>
      withStore(make, async ({ store }) => {
        const nowMs = Date.now();
        const [oldId, first, second] = [randomIdHash(), randomIdHash(), randomIdHash()];
        await store.create(oldId, record({ a: "1" }), ctx(nowMs));
        assert.equal(await store.rotate(oldId, first, change({ set: { b: "2" } }), nowMs + 10_000, ctx(nowMs)), "ok");
        assert.equal(await store.rotate(oldId, second, change({ set: { c: "3" } }), nowMs + 10_000, ctx(nowMs)), "frozen");
        assert.equal(await store.load(second, ctx(nowMs)), undefined);
        assert.equal((await store.load(oldId, ctx(nowMs)))?.successor, first, "the first successor stays the only one");
        const createdFrozen = randomIdHash();
        await store.create(createdFrozen, record({ a: "1" }, { frozen: true }), ctx(nowMs));
        assert.equal(await store.rotate(createdFrozen, second, change(), nowMs + 10_000, ctx(nowMs)), "frozen");
        assert.equal(await store.load(second, ctx(nowMs)), undefined);
      }));

    it("the new record's own rotate works: a chain of regenerates keeps the data and links each step", () =>
      withStore(make, async ({ store }) => {
        const nowMs = Date.now();
        const ids = [randomIdHash(), randomIdHash(), randomIdHash()];
        await store.create(ids[0]!, record({ n: "0" }, { userId: "alice" }), ctx(nowMs));
        for (let i = 1; i < ids.length; i += 1) {
          assert.equal(await store.rotate(ids[i - 1]!, ids[i]!, change({ set: { n: String(i) } }), nowMs + 10_000, ctx(nowMs)), "ok");
        }
        const last = await store.load(ids[2]!, ctx(nowMs));
        assert.equal(last?.data.n, "2");
        assert.equal(last?.predecessor, ids[1]);
        const middle = await store.load(ids[1]!, ctx(nowMs));
        assert.equal(middle?.frozen, true);
        assert.equal(middle?.predecessor, ids[0]);
        assert.equal(middle?.successor, ids[2]);
        if (store.listForUser) assert.deepEqual((await store.listForUser("alice", ctx(nowMs))).map((s) => s.idHash), [listedId(store, ids[2]!)]);
      }));

    it("many concurrent rotates of one record: exactly one is ok, and only its new id exists", () =>
      withStore(make, async ({ store }) => {
        const nowMs = Date.now();
        const oldId = randomIdHash();
        await store.create(oldId, record({ a: "1" }, { userId: "alice" }), ctx(nowMs));
        const targets = Array.from({ length: 20 }, () => randomIdHash());
        const results = await Promise.all(targets.map((t, i) => store.rotate(oldId, t, change({ set: { who: String(i) } }), nowMs + 10_000, ctx(nowMs))));
        assert.equal(results.filter((r) => r === "ok").length, 1, `results: ${results.join(",")}`);
        assert.ok(results.every((r) => r === "ok" || r === "frozen"));
        const winner = results.indexOf("ok");
        for (const [i, t] of targets.entries()) {
          const loaded = await store.load(t, ctx(nowMs));
          if (i === winner) assert.equal(loaded?.data.who, String(i));
          else assert.equal(loaded, undefined, "a losing rotate wrote nothing");
        }
        assert.equal((await store.load(oldId, ctx(nowMs)))?.successor, targets[winner]);
        if (store.listForUser) assert.deepEqual((await store.listForUser("alice", ctx(nowMs))).map((s) => s.idHash), [listedId(store, targets[winner]!)]);
      }));

    it("applies racing a rotate: every apply told ok is in the new record, every apply told frozen is nowhere", () =>
      withStore(make, async ({ store }) => {
        const nowMs = Date.now();
        const [oldId, newId] = [randomIdHash(), randomIdHash()];
        await store.create(oldId, record({ base: "0" }), ctx(nowMs));
        const applies = Array.from({ length: 30 }, (_, i) => store.apply(oldId, change({ set: { [`k${i}`]: String(i) } }), ctx(nowMs)));
        const rotated = store.rotate(oldId, newId, change({ set: { rotated: "1" } }), nowMs + 10_000, ctx(nowMs));
        const more = Array.from({ length: 30 }, (_, i) => store.apply(oldId, change({ set: { [`k${30 + i}`]: String(30 + i) } }), ctx(nowMs)));
        const [results, rotation] = await Promise.all([Promise.all([...applies, ...more]), rotated]);
        assert.equal(rotation, "ok");
        const fresh = await store.load(newId, ctx(nowMs));
        const old = await store.load(oldId, ctx(nowMs));
        assert.ok(fresh && old);
        for (const [i, result] of results.entries()) {
          assert.ok(result === "ok" || result === "frozen", `apply ${i}: ${result}`);
          assert.equal(fresh.data[`k${i}`], result === "ok" ? String(i) : undefined, `apply ${i} (${result}) in the new record`);
          assert.equal(old.data[`k${i}`], result === "ok" ? String(i) : undefined, `apply ${i} (${result}) in the frozen record`);
        }
        assert.equal(fresh.data.rotated, "1");
      }));

    it("rotate racing destroy: once both have returned, neither id is live (generated orderings)", () =>
      withStore(make, async ({ store }) => {
        const seed = (Date.now() ^ 0xd35) >>> 0;
        const next = prng(seed);
        const outcomes = new Set<string>();
        for (let i = 0; i < 16; i += 1) {
          const nowMs = Date.now();
          const [oldId, newId] = [randomIdHash(), randomIdHash()];
          await store.create(oldId, record({ a: "1" }, { userId: "racer" }), ctx(nowMs));
          const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
          const [rotateDelay, destroyDelay] = [Math.floor(next() * 4), Math.floor(next() * 4)];
          const [result] = await Promise.all([
            delay(rotateDelay).then(() => store.rotate(oldId, newId, change({ set: { b: "2" } }), nowMs + 10_000, ctx(nowMs))),
            delay(destroyDelay).then(() => store.destroy(oldId, ctx(nowMs))),
          ]);
          outcomes.add(result);
          const label = `seed ${seed}, case ${i} (rotate after ${rotateDelay} ms, destroy after ${destroyDelay} ms): ${result}`;
          assert.ok(result === "ok" || result === "missing", label);
          assert.equal(await store.load(newId, ctx(nowMs)), undefined, `${label}: no live successor after the destroy returned`);
          assert.equal(await store.load(oldId, ctx(nowMs)), undefined, label);
          assert.equal(await store.apply(newId, change({ set: { late: "1" } }), ctx(nowMs)), "missing", label);
          if (store.listForUser) assert.deepEqual(await store.listForUser("racer", ctx(nowMs)), [], label);
        }
        assert.ok(outcomes.size > 0);
      }));
  });
}
