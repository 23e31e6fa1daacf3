/**
 * The shared suite's tests of what a logout reaches: `destroy` and
 * `destroyForUser` follow `successor`/`predecessor` links transitively, and
 * "log out everywhere" ends every session of a user however many there are
 * (more than any batch the store works in). Registered by {@link testStore}.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Store } from "../core/store.js";
import { withStore, type MakeStore } from "./fixture.js";
import { change, ctx, listedId, prng, randomIdHash, record } from "./records.js";

/** A session regenerated `rotations` times: its ids, oldest first (the last one is live). */
async function chain(store: Store, rotations: number, userId?: string): Promise<string[]> {
  const nowMs = Date.now();
  const ids = [randomIdHash()];
  await store.create(ids[0]!, record({ n: "0" }, userId === undefined ? {} : { userId }), ctx(nowMs));
  for (let i = 1; i <= rotations; i += 1) {
    ids.push(randomIdHash());
    assert.equal(await store.rotate(ids[i - 1]!, ids[i]!, change({ set: { n: String(i) } }), nowMs + 60_000, ctx(nowMs)), "ok");
  }
  return ids;
}

async function assertGone(store: Store, ids: readonly string[], label: string): Promise<void> {
  for (const [i, id] of ids.entries()) assert.equal(await store.load(id, ctx()), undefined, `${label}: id ${i} of the chain is gone`);
}

async function assertLive(store: Store, ids: readonly string[], label: string): Promise<void> {
  for (const [i, id] of ids.entries()) assert.ok(await store.load(id, ctx()), `${label}: id ${i} of the chain is still there`);
}

/** How many sessions to give one user: more than three of the store's batches, at least 25. */
function manySessions(batch: number | undefined): number {
  return Math.max(25, 3 * (batch ?? 8) + 2);
}

/** @internal Registered by testStore. */
export function registerLinkTests(make: MakeStore): void {
  describe("links: what a logout reaches", () => {
    it("destroy through any id of a regenerated session ends every id it had (generated chains and positions)", () =>
      withStore(make, async ({ store }) => {
        const seed = (Date.now() ^ 0x11ee) >>> 0;
        const next = prng(seed);
        const bystander = await chain(store, 1);
        for (let i = 0; i < 8; i += 1) {
          const rotations = 1 + Math.floor(next() * 3);
          const ids = await chain(store, rotations);
          const at = Math.floor(next() * ids.length);
          await store.destroy(ids[at]!, ctx());
          await assertGone(store, ids, `seed ${seed}, chain of ${ids.length}, destroyed at ${at}`);
        }
        await assertLive(store, bystander, "an unrelated session");
      }));

    it("destroy with the old id in its grace window ends the new id, and the reverse", () =>
      withStore(make, async ({ store }) => {
        const forward = await chain(store, 1);
        await store.destroy(forward[0]!, ctx());
        await assertGone(store, forward, "destroy(old)");
        const backward = await chain(store, 1);
        await store.destroy(backward[1]!, ctx());
        await assertGone(store, backward, "destroy(new)");
        assert.equal(await store.apply(backward[1]!, change({ set: { late: "1" } }), ctx()), "missing");
      }));

    it("a logout with the old id after its grace window still ends the new id (the frozen record is kept as the link)", () =>
      withStore(make, async ({ store }) => {
        const nowMs = Date.now();
        for (const graceMs of [5_000, 0]) {
          const [oldId, newId] = [randomIdHash(), randomIdHash()];
          await store.create(oldId, record({ a: "1" }, { nowMs, ttlSeconds: 3_600 }), ctx(nowMs));
          assert.equal(await store.rotate(oldId, newId, change({ set: { b: "2" } }), nowMs + graceMs, ctx(nowMs)), "ok");
          const later = ctx(nowMs + graceMs + 60_000);
          assert.ok(await store.load(newId, later), "the new id is live");
          await store.destroy(oldId, later);
          assert.equal(await store.load(newId, later), undefined, `grace ${graceMs} ms: the logout reached the new id`);
          assert.equal(await store.apply(newId, change({ set: { late: "1" } }), later), "missing");
        }
      }));

    it("an old id near its own expiry, with a short grace, stays the link until the new record's first idle expiry", () =>
      withStore(make, async ({ store }) => {
        const nowMs = Date.now();
        const newExpiresAtMs = nowMs + 600_000;
        const rotated = async (): Promise<[string, string]> => {
          const [oldId, newId] = [randomIdHash(), randomIdHash()];
          // The old record expires in 2 s and the grace ends in 1 s; the new record lives 10 min.
          await store.create(oldId, record({ a: "1" }, { nowMs, expiresAtMs: nowMs + 2_000 }), ctx(nowMs));
          assert.equal(await store.rotate(oldId, newId, change({ set: { b: "2" }, expiresAtMs: newExpiresAtMs }), nowMs + 1_000, ctx(nowMs)), "ok");
          return [oldId, newId];
        };
        const [oldId, newId] = await rotated();
        const late = ctx(newExpiresAtMs - 1);
        const link = await store.load(oldId, late);
        assert.ok(link, "the old record is still there, past its own expiry and the grace");
        assert.equal(link.frozen, true, "frozen");
        assert.equal(link.successor, newId, "with its successor");
        assert.equal(link.readableUntilMs, nowMs + 1_000, "readable only until the grace ends");
        assert.equal(link.expiresAtMs, newExpiresAtMs, "kept until the new record's expiry");
        await store.destroy(oldId, late);
        assert.equal(await store.load(newId, late), undefined, "a logout through the old id ended the new record");
        assert.equal(await store.apply(newId, change({ set: { late: "1" } }), late), "missing");

        const [gone] = await rotated();
        assert.ok(await store.load(gone, ctx(newExpiresAtMs - 1)), "kept until just before the keep-until");
        assert.equal(await store.load(gone, ctx(newExpiresAtMs)), undefined, "gone at the keep-until");
        assert.equal(await store.load(gone, ctx(newExpiresAtMs + 1)), undefined, "and after it");
      }));

    it("destroyForUser follows links, keeps the excepted session whole, and counts sessions, not ids", async (t) => {
      await withStore(make, async ({ store }) => {
        if (!store.destroyForUser || !store.listForUser) return t.skip(`${store.name} declares no user index`);
        const current = await chain(store, 2, "uma");
        const other = await chain(store, 1, "uma");
        const plain = await chain(store, 0, "uma");
        const neighbour = await chain(store, 1, "vic");
        assert.equal((await store.listForUser("uma", ctx())).length, 3, "one listing per session, not per id");
        assert.equal(await store.destroyForUser("uma", current.at(-1), ctx()), 2);
        await assertLive(store, current, "the excepted session, old ids included");
        await assertGone(store, [...other, ...plain], "the user's other sessions");
        await assertLive(store, neighbour, "another user's session");
        assert.equal(await store.destroyForUser("uma", undefined, ctx()), 1);
        await assertGone(store, current, "the last session, with its old ids");
        assert.deepEqual(await store.listForUser("uma", ctx()), []);
      });
    });

    it("destroyForUser keeps the session named by the idHash a listing gave (for a raw-id store, its hash)", async (t) => {
      await withStore(make, async ({ store }) => {
        if (!store.destroyForUser || !store.listForUser) return t.skip(`${store.name} declares no user index`);
        const kept = await chain(store, 1, "wes");
        const others = [await chain(store, 0, "wes"), await chain(store, 2, "wes")];
        const listed = (await store.listForUser("wes", ctx())).map((s) => s.idHash);
        const except = listedId(store, kept.at(-1)!);
        assert.ok(listed.includes(except));
        assert.equal(await store.destroyForUser("wes", except, ctx()), 2);
        await assertLive(store, kept, "the session the listing named");
        await assertGone(store, others.flat(), "the others");
      });
    });

    it("log out everywhere ends every session of a user, more than the store's batch, and reports the true count", async (t) => {
      await withStore(make, async ({ store, userBatchSize }) => {
        if (!store.destroyForUser || !store.listForUser) return t.skip(`${store.name} declares no user index`);
        const n = manySessions(userBatchSize);
        const sessions: string[][] = [];
        // Every fifth one regenerated, so the walk meets links too.
        for (let i = 0; i < n; i += 1) sessions.push(await chain(store, i % 5 === 0 ? 1 : 0, "many"));
        const bystander = await chain(store, 0, "few");
        const listed = (await store.listForUser("many", ctx())).map((s) => s.idHash).sort();
        assert.deepEqual(listed, sessions.map((ids) => listedId(store, ids.at(-1)!)).sort(), `listForUser returns all ${n}`);
        const keep = sessions[7]!;
        assert.equal(await store.destroyForUser("many", keep.at(-1), ctx()), n - 1);
        for (const [i, ids] of sessions.entries()) {
          if (ids === keep) await assertLive(store, ids, "the excepted session");
          else await assertGone(store, ids, `session ${i}`);
        }
        assert.deepEqual((await store.listForUser("many", ctx())).map((s) => s.idHash), [listedId(store, keep.at(-1)!)]);
        await assertLive(store, bystander, "another user's session");
        assert.equal(await store.destroyForUser("many", undefined, ctx()), 1);
        assert.deepEqual(await store.listForUser("many", ctx()), []);
      });
    });
  });
}
