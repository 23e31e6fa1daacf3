/**
 * The shared suite's race of "log out everywhere" with regenerates: a
 * user's sessions, some of them rotating (regenerate, login) at the very
 * moment `destroyForUser` walks the user's index, started at generated
 * offsets (microtask turns, event-loop turns, milliseconds) so that the walk meets each
 * rotate at every step of it: before, between and after its writes. A
 * rotate keeps the user, hands the session to another user (a login as
 * someone else) or to none: one that finishes before the walk reaches the
 * session takes it out of the user's, and the logout must leave it whole
 * (new id live, old ids frozen and linked, not counted); otherwise the
 * session ends under every id and counts once (issue #14).
 * Registered by {@link testStore}.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ChangeSet, Store } from "../core/store.js";
import { withStore, type MakeStore } from "./fixture.js";
import { change, ctx, listedId, prng, randomIdHash, record } from "./records.js";

/**
 * What a racer's rotate does to the session's user: no rotate at all; keep
 * the user (the change-set says nothing, or names the same user); hand the
 * session to another user (a login as someone else); or remove the user
 * (`userId: null`). The last two take the session out of the user's: if the
 * rotate finishes first, the logout must leave it whole.
 */
type Move = "none" | "keep" | "same" | "other" | "nobody";

/** One session of the race: its ids so far (the last one is live), what its racing rotate does, and the id it moves it to. */
interface Racer {
  ids: string[];
  move: Move;
  rotateTo: string | undefined;
}

/** A generated move: a rotate for three racers in four, a third of those to another user, a sixth to none. */
function pickMove(next: () => number): Move {
  const x = next();
  if (x < 0.25) return "none";
  if (x < 0.4) return "keep";
  if (x < 0.5) return "same";
  return x < 0.8 ? "other" : "nobody";
}

/** The user a rotate of `move` leaves on the new record (`undefined`: none). */
function userAfter(move: Move, user: string, other: string): string | undefined {
  if (move === "other") return other;
  return move === "nobody" ? undefined : user;
}

/** The change-set a racing rotate of `move` writes. */
function moveChange(move: Move, user: string, other: string, nowMs: number): ChangeSet {
  if (move === "other") return change({ set: { b: "2" }, userId: other, createdAtMs: nowMs });
  if (move === "nobody") return change({ set: { b: "2" }, userId: null });
  return change(move === "same" ? { set: { b: "2" }, userId: user } : { set: { b: "2" } });
}

/**
 * How many cases one run races (default 40), and the widest offset in
 * milliseconds (default 12): `STORE_RACE_CASES` and `STORE_RACE_MAX_MS`
 * raise them for a soak run (a window of a few round trips, such as a SQL
 * transaction's between its locking read and its commit, is then met more
 * often); `STORE_RACE_SEED` replays a failing run.
 */
function knob(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  return Number.isSafeInteger(value) && value > 0 ? value : fallback;
}

/**
 * Wait `n` event-loop turns (n < 16), or `n - 16` milliseconds: both scales
 * of a store's round trips; or, when `micro`, `n` microtask turns: the scale
 * of an in-process store, whose awaits never leave the event-loop turn (a
 * walk that yields only there can only be met by a racer started in the
 * same turn).
 */
async function pause(n: number, micro: boolean): Promise<void> {
  if (micro) {
    for (let i = 0; i < n; i += 1) await undefined;
    return;
  }
  if (n >= 16) return new Promise((resolve) => setTimeout(resolve, n - 16));
  let p = Promise.resolve();
  for (let i = 0; i < n; i += 1) p = p.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
  return p;
}

async function setUp(store: Store, next: () => number, user: string, nowMs: number): Promise<Racer[]> {
  const racers: Racer[] = [];
  const count = 1 + Math.floor(next() * 3);
  for (let s = 0; s < count; s += 1) {
    const ids = [randomIdHash()];
    await store.create(ids[0]!, record({ a: String(s) }, { userId: user, nowMs }), ctx(nowMs));
    // Some sessions were regenerated before: the walk meets their frozen old ids too.
    if (next() < 0.4) {
      ids.push(randomIdHash());
      assert.equal(await store.rotate(ids[0]!, ids[1]!, change({ set: { r: "0" } }), nowMs + (next() < 0.5 ? 0 : 60_000), ctx(nowMs)), "ok");
    }
    const move = pickMove(next);
    racers.push({ ids, move, rotateTo: move === "none" ? undefined : randomIdHash() });
  }
  return racers;
}

/** The grace end the racing rotate of racer `k` sets (even: none, odd: a minute). */
function graceOf(k: number, nowMs: number): number {
  return nowMs + (k % 2 === 0 ? 0 : 60_000);
}

/**
 * A session a rotate took out of the user's before the logout reached it:
 * whole. The new id is live with the user the rotate set; every old id
 * loads frozen, linked to the next, the racing rotate's readable until its
 * grace end; a write through the new id still lands.
 */
async function assertWhole(store: Store, r: Racer, expectedUser: string | undefined, graceUntilMs: number, nowMs: number, label: string): Promise<void> {
  const ids = [...r.ids, r.rotateTo!];
  const current = await store.load(r.rotateTo!, ctx(nowMs));
  assert.ok(current, `${label}: the new id is live`);
  assert.notEqual(current.frozen, true, `${label}: the new id is not frozen`);
  assert.equal(current.userId, expectedUser, `${label}: the new id carries the user the rotate set`);
  for (let j = 0; j < ids.length - 1; j += 1) {
    const old = await store.load(ids[j]!, ctx(nowMs));
    assert.ok(old, `${label}: old id ${j} is still there`);
    assert.equal(old.frozen, true, `${label}: old id ${j} is frozen`);
    assert.equal(old.successor, ids[j + 1], `${label}: old id ${j} links to its successor`);
  }
  const link = await store.load(r.ids.at(-1)!, ctx(nowMs));
  assert.equal(link?.readableUntilMs, graceUntilMs, `${label}: the rotated id is readable until its grace end`);
  assert.equal(await store.apply(r.rotateTo!, change({ set: { late: "1" } }), ctx(nowMs)), "ok", `${label}: a write through the new id lands`);
}

/** @internal Registered by testStore. */
export function registerRaceTests(make: MakeStore): void {
  describe("races: log out everywhere during regenerates", () => {
    it("destroyForUser racing rotates (keeping the user, to another user, to none): once all have returned, no session of the user is live but the excepted one and those a rotate took away first (whole), each ended one counted once (generated orderings)", async (t) => {
      await withStore(make, async ({ store }) => {
        if (!store.destroyForUser || !store.listForUser) return t.skip(`${store.name} declares no user index`);
        const seed = Number(process.env.STORE_RACE_SEED ?? (Date.now() ^ 0x7ace) >>> 0);
        const next = prng(seed);
        const cases = knob("STORE_RACE_CASES", 40);
        const span = 16 + knob("STORE_RACE_MAX_MS", 12);
        for (let i = 0; i < cases; i += 1) {
          const nowMs = Date.now();
          const tag = randomIdHash().slice(0, 6);
          const user = `racer-${i}-${tag}`;
          const other = `other-${i}-${tag}`;
          const racers = await setUp(store, next, user, nowMs);
          // Sometimes a session is spared (its current id, as core passes it) and never rotates.
          const spared = next() < 0.3 ? racers[Math.floor(next() * racers.length)] : undefined;
          if (spared) Object.assign(spared, { move: "none", rotateTo: undefined });
          // About a case in three starts everyone in the same event-loop turn, microtasks apart.
          const micro = next() < 0.3;
          const width = micro ? 4 : span;
          const offsets = [Math.floor(next() * width), ...racers.map(() => Math.floor(next() * width))];
          const label = `seed ${seed}, case ${i} (${racers.length} sessions, moves ${racers.map((r) => r.move).join(",")}, ${micro ? "microtask " : ""}offsets ${offsets.join(",")}${spared ? ", one spared" : ""})`;
          const [count, ...results] = await Promise.all([
            pause(offsets[0]!, micro).then(() => store.destroyForUser!(user, spared?.ids.at(-1), ctx(nowMs))),
            ...racers.map((r, k) =>
              r.rotateTo === undefined
                ? Promise.resolve(undefined)
                : pause(offsets[k + 1]!, micro).then(() => store.rotate(r.ids.at(-1)!, r.rotateTo!, moveChange(r.move, user, other, nowMs), graceOf(k, nowMs), ctx(nowMs))),
            ),
          ]);
          let ended = 0;
          const handedOver: string[] = [];
          for (const [k, r] of racers.entries()) {
            const result = results[k];
            const at = `${label}: session ${k} (${r.move}, rotate ${String(result)})`;
            if (result !== undefined) assert.ok(result === "ok" || result === "missing", `${at} says ${result}`);
            const newUser = userAfter(r.move, user, other);
            if (result === "ok" && newUser !== user) {
              // The rotate took the session away before the logout reached it.
              await assertWhole(store, r, newUser, graceOf(k, nowMs), nowMs, at);
              if (newUser !== undefined) handedOver.push(listedId(store, r.rotateTo!));
              continue;
            }
            if (r !== spared) ended += 1;
            const ids = r.rotateTo === undefined ? r.ids : [...r.ids, r.rotateTo];
            for (const id of ids) {
              const loaded = await store.load(id, ctx(nowMs));
              if (r === spared) assert.ok(loaded, `${label}: the spared session keeps every id`);
              else assert.equal(loaded, undefined, `${at} left an id behind`);
            }
            if (r.rotateTo !== undefined) assert.equal(await store.apply(r.rotateTo, change({ set: { late: "1" } }), ctx(nowMs)), "missing", at);
          }
          assert.equal(count, ended, `${label}: every session the logout ended counted once, whichever id it had then, none a rotate took away first`);
          const listed: string[] = (await store.listForUser(user, ctx(nowMs))).map((s) => s.idHash);
          assert.deepEqual(listed, spared ? [listedId(store, spared.ids.at(-1)!)] : [], `${label}: the listing after`);
          const theirs: string[] = (await store.listForUser(other, ctx(nowMs))).map((s) => s.idHash);
          assert.deepEqual(theirs.sort(), handedOver.sort(), `${label}: the other user's listing holds exactly the sessions handed over`);
        }
      });
    });
  });
}
