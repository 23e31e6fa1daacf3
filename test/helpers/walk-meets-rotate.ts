/**
 * The three orders in which "log out everywhere" (`destroyForUser`) can meet
 * a rotate of one of the user's sessions at the walk's step on its old id,
 * for stores whose walk takes that step as one atomic call (a Redis script,
 * a Memcached compare-and-set): the walk is held just before that call, the
 * rotate runs (or only its first step), then the walk goes on. Each store
 * test supplies how to hold its walk and how to pause its rotate between
 * its two steps; the cases and their checks are the same for every store.
 *
 * @example
 * describeWalkMeetsRotate({ plain, walkerMeeting, rotatingPaused, nowMs, graceUntilMs });
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import type { Store } from "../../src/core/store.js";
import { change, ctx, randomIdHash, record } from "../../src/testing/index.js";

/** How one store's test holds its walk and its rotate. */
export interface WalkMeetsRotate {
  /** The store the checks read through (never held). */
  plain: Store;
  /** A store whose first step that would end `idHash` in `destroyForUser` waits for `before` first. */
  walkerMeeting(idHash: string, before: () => Promise<void>): Store;
  /** A store whose rotate to `newIdHash` stops before its second step until `release`; `atSecondStep` resolves when it got there. */
  rotatingPaused(newIdHash: string): { store: Store; atSecondStep: Promise<void>; release: () => void };
  nowMs: number;
  graceUntilMs: number;
}

/**
 * Register the three cases (inside the caller's `describe`).
 *
 * @example
 * describe("destroyForUser meeting a rotate at the old id", () => describeWalkMeetsRotate(setup));
 */
export function describeWalkMeetsRotate(s: WalkMeetsRotate): void {
  const { plain, nowMs, graceUntilMs } = s;

  async function aliceSession(): Promise<{ oldId: string; newId: string }> {
    const oldId = randomIdHash();
    assert.equal(await plain.create(oldId, record({ a: "1" }, { userId: "alice", nowMs }), ctx(nowMs)), true);
    return { oldId, newId: randomIdHash() };
  }

  it("a rotate to another user that finished first takes the session away: the old id stays, read-only, and nothing is counted", async () => {
    const { oldId, newId } = await aliceSession();
    const walker = s.walkerMeeting(oldId, async () => {
      assert.equal(await plain.rotate(oldId, newId, change({ userId: "bob" }), graceUntilMs, ctx(nowMs)), "ok");
    });
    assert.equal(await walker.destroyForUser!("alice", undefined, ctx(nowMs)), 0);
    const old = await plain.load(oldId, ctx(nowMs));
    assert.equal(old?.frozen, true, "the old id is still there, frozen");
    assert.equal(old?.successor, newId);
    assert.equal((await plain.load(newId, ctx(nowMs)))?.userId, "bob");
    assert.deepEqual((await plain.listForUser!("bob", ctx(nowMs))).map((x) => x.idHash), [newId]);
    await plain.destroy(newId, ctx(nowMs));
  });

  it("a rotate that keeps the user and finished first is ended under both ids, counted once", async () => {
    const { oldId, newId } = await aliceSession();
    const walker = s.walkerMeeting(oldId, async () => {
      assert.equal(await plain.rotate(oldId, newId, change({ set: { b: "2" } }), graceUntilMs, ctx(nowMs)), "ok");
    });
    assert.equal(await walker.destroyForUser!("alice", undefined, ctx(nowMs)), 1);
    assert.equal(await plain.load(oldId, ctx(nowMs)), undefined);
    assert.equal(await plain.load(newId, ctx(nowMs)), undefined);
    assert.deepEqual(await plain.listForUser!("alice", ctx(nowMs)), []);
  });

  it("a rotate to another user still between its two steps is ended: it resolves missing and no id is left", async () => {
    const { oldId, newId } = await aliceSession();
    const rotating = s.rotatingPaused(newId);
    let rotated: Promise<string> = Promise.resolve("not started");
    const walker = s.walkerMeeting(oldId, async () => {
      rotated = rotating.store.rotate(oldId, newId, change({ userId: "bob" }), graceUntilMs, ctx(nowMs));
      await rotating.atSecondStep;
    });
    assert.equal(await walker.destroyForUser!("alice", undefined, ctx(nowMs)), 1);
    rotating.release();
    assert.equal(await rotated, "missing");
    assert.equal(await plain.load(oldId, ctx(nowMs)), undefined);
    assert.equal(await plain.load(newId, ctx(nowMs)), undefined);
    assert.deepEqual(await plain.listForUser!("bob", ctx(nowMs)), []);
  });
}
