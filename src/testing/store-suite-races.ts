/**
 * The shared suite's race of "log out everywhere" with regenerates: a
 * user's sessions, some of them rotating (regenerate, login) at the very
 * moment `destroyForUser` walks the user's index, started at generated
 * offsets (event-loop turns and milliseconds) so that the walk meets each
 * rotate at every step of it: before, between and after its writes.
 * Registered by {@link testStore}.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Store } from "../core/store.js";
import { withStore, type MakeStore } from "./fixture.js";
import { change, ctx, listedId, prng, randomIdHash, record } from "./records.js";

/** One session of the race: its ids so far (the last one is live), and the id a racing rotate moves it to. */
interface Racer {
  ids: string[];
  rotateTo: string | undefined;
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

/** Wait `n` event-loop turns (n < 16), or `n - 16` milliseconds: both scales of a store's round trips. */
function pause(n: number): Promise<void> {
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
    racers.push({ ids, rotateTo: next() < 0.75 ? randomIdHash() : undefined });
  }
  return racers;
}

/** @internal Registered by testStore. */
export function registerRaceTests(make: MakeStore): void {
  describe("races: log out everywhere during regenerates", () => {
    it("destroyForUser racing rotates: once all have returned, no session of the user is live but the excepted one, each counted once (generated orderings)", async (t) => {
      await withStore(make, async ({ store }) => {
        if (!store.destroyForUser || !store.listForUser) return t.skip(`${store.name} declares no user index`);
        const seed = Number(process.env.STORE_RACE_SEED ?? (Date.now() ^ 0x7ace) >>> 0);
        const next = prng(seed);
        const cases = knob("STORE_RACE_CASES", 40);
        const span = 16 + knob("STORE_RACE_MAX_MS", 12);
        for (let i = 0; i < cases; i += 1) {
          const nowMs = Date.now();
          const user = `racer-${i}-${randomIdHash().slice(0, 6)}`;
          const racers = await setUp(store, next, user, nowMs);
          // Sometimes a session is spared (its current id, as core passes it) and never rotates.
          const spared = next() < 0.3 ? racers[Math.floor(next() * racers.length)] : undefined;
          if (spared) spared.rotateTo = undefined;
          const offsets = [Math.floor(next() * span), ...racers.map(() => Math.floor(next() * span))];
          const label = `seed ${seed}, case ${i} (${racers.length} sessions, offsets ${offsets.join(",")}${spared ? ", one spared" : ""})`;
          const [count, ...results] = await Promise.all([
            pause(offsets[0]!).then(() => store.destroyForUser!(user, spared?.ids.at(-1), ctx(nowMs))),
            ...racers.map((r, k) =>
              r.rotateTo === undefined
                ? Promise.resolve(undefined)
                : pause(offsets[k + 1]!).then(() => store.rotate(r.ids.at(-1)!, r.rotateTo!, change({ set: { b: "2" } }), nowMs + (k % 2 === 0 ? 0 : 60_000), ctx(nowMs))),
            ),
          ]);
          for (const [k, result] of results.entries()) {
            if (result !== undefined) assert.ok(result === "ok" || result === "missing", `${label}: rotate ${k} says ${result}`);
          }
          assert.equal(count, racers.length - (spared ? 1 : 0), `${label}: every session of the user counted once, whichever id it had then`);
          for (const [k, r] of racers.entries()) {
            const ids = r.rotateTo === undefined ? r.ids : [...r.ids, r.rotateTo];
            for (const id of ids) {
              const loaded = await store.load(id, ctx(nowMs));
              if (r === spared) assert.ok(loaded, `${label}: the spared session keeps every id`);
              else assert.equal(loaded, undefined, `${label}: session ${k} (rotate ${String(results[k])}) left an id behind`);
            }
            if (r.rotateTo !== undefined) assert.equal(await store.apply(r.rotateTo, change({ set: { late: "1" } }), ctx(nowMs)), "missing", label);
          }
          const listed: string[] = (await store.listForUser(user, ctx(nowMs))).map((s) => s.idHash);
          assert.deepEqual(listed, spared ? [listedId(store, spared.ids.at(-1)!)] : [], `${label}: the listing after`);
        }
      });
    });
  });
}
