/**
 * What `npm run bench:scale` measures on one store, through the store API
 * only: `load` and `apply` latency at growing sizes, then the heavy user's
 * `listForUser` and `destroyForUser` among everyone else, then `prune`.
 */
import assert from "node:assert/strict";
import { loadavg } from "node:os";
import { storeContext, type Store } from "sessionkit";
import { verify } from "./bulk.js";
import { HEAVY_USER, LIFETIME_MS, idHashOf, recordAt, type Population } from "./population.js";

/** p50 and p99 in ms. */
export interface Percentiles {
  p50: number;
  p99: number;
}

/** One size a store was measured at. */
export interface Point {
  sessions: number;
  load: Percentiles;
  apply: Percentiles;
  /** 1-minute load average when the point was measured (2 cores, shared). */
  loadAvg: number;
}

/** Everything measured on one store. */
export interface ScaleRow {
  store: string;
  points: Point[];
  fillMs: number;
  heavy: { sessions: number; listMs: number; logoutMs: number; loadAvg: number } | { failed: string } | undefined;
  prune: { ms: number; removed: number } | undefined;
  footprint: string;
  note: string;
}

/** How a store grows from `from` to `to` sessions, and what it takes in memory or on disk. */
export interface Filler {
  fill(from: number, to: number): Promise<void>;
  footprint(): Promise<string>;
}

const percentiles = (times: number[]): Percentiles => {
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(times.length * 0.5)] ?? Number.NaN, p99: times[Math.floor(times.length * 0.99)] ?? Number.NaN };
};

/** `samples` sequential loads of random existing sessions among the first `count`. */
async function loadLatency(store: Store, p: Population, count: number, samples: number): Promise<Percentiles> {
  const times: number[] = [];
  for (let s = 0; s < samples; s++) {
    const i = Math.floor(Math.random() * count);
    const t0 = performance.now();
    const record = await store.load(idHashOf(p, i), storeContext());
    times.push(performance.now() - t0);
    if (record === undefined) throw new Error(`${store.name}: session ${i} of ${count} is missing`);
  }
  return percentiles(times);
}

/**
 * `samples` sequential `apply`s (what a commit of a changed session costs the
 * store) on random existing sessions. Each rewrites the counter with the
 * value it holds: the full write path runs, and the records stay what
 * {@link verify} expects.
 */
async function applyLatency(store: Store, p: Population, count: number, samples: number): Promise<Percentiles> {
  const times: number[] = [];
  for (let s = 0; s < samples; s++) {
    const i = Math.floor(Math.random() * count);
    const set = Object.create(null) as Record<string, string>;
    set.n = String(i);
    const t0 = performance.now();
    const result = await store.apply(idHashOf(p, i), { set, delete: [] }, storeContext());
    times.push(performance.now() - t0);
    if (result !== "ok") throw new Error(`${store.name}: apply to session ${i} of ${count} was ${result}`);
  }
  return percentiles(times);
}

/**
 * Grow `store` through each of `sizes`, measuring at each; then the heavy
 * user's sessions are listed and logged out, and everything is pruned.
 *
 * @example
 * const row = await measureStore(store, p, filler, [1_000, 1_000_000], { samples: 2_000, note: "", log });
 */
export async function measureStore(store: Store, p: Population, filler: Filler, sizes: number[], o: { samples: number; bornMs: number; note: string; log: (line: string) => void }): Promise<ScaleRow> {
  const points: Point[] = [];
  let fillMs = 0;
  let have = 0;
  for (const size of sizes) {
    o.log(`${store.name}: filling to ${size.toLocaleString("en-US")}`);
    const t0 = performance.now();
    await filler.fill(have, size);
    fillMs += performance.now() - t0;
    have = size;
    await verify(store, p, size, o.bornMs);
    const load = await loadLatency(store, p, size, o.samples);
    const apply = await applyLatency(store, p, size, o.samples);
    points.push({ sessions: size, load, apply, loadAvg: loadavg()[0]! });
    o.log(`${store.name} at ${size}: load p50 ${load.p50.toFixed(3)} p99 ${load.p99.toFixed(3)} ms, apply p50 ${apply.p50.toFixed(3)} p99 ${apply.p99.toFixed(3)} ms`);
  }
  const footprint = await filler.footprint();
  let heavy: ScaleRow["heavy"];
  if (store.listForUser && store.destroyForUser) {
    heavy = await logOutHeavy(store, p, o.log).catch((error: unknown) => {
      // Reported in the row: the sizes' numbers stand, and the prune still runs.
      const failed = error instanceof Error ? `${error.name}: ${error.message.slice(0, 200)}` : "error";
      o.log(`${store.name}: ${failed}`);
      return { failed };
    });
  }
  let prune: ScaleRow["prune"];
  if (store.prune) {
    // Every record expires a day after it was born: a prune two days on finds all of them expired.
    const t0 = performance.now();
    const removed = await store.prune(o.bornMs + 2 * LIFETIME_MS);
    prune = { ms: performance.now() - t0, removed };
    // A logout that failed part way ended some of the heavy user's sessions: any number of them.
    const most = have - (heavy !== undefined && "sessions" in heavy ? heavy.sessions : 0);
    const least = heavy !== undefined && "failed" in heavy ? have - p.heavyCount : most;
    if (removed < least || removed > most) throw new Error(`${store.name}: prune removed ${removed}, not ${least === most ? most : `${least} to ${most}`}`);
  }
  return { store: store.name, points, fillMs, heavy, prune, footprint, note: o.note };
}

/** The heavy user's sessions listed, then logged out everywhere; each call timed and its result checked. */
async function logOutHeavy(store: Store, p: Population, log: (line: string) => void): Promise<{ sessions: number; listMs: number; logoutMs: number; loadAvg: number }> {
  const step = (what: string) => (error: unknown) => {
    if (error instanceof Error) error.message = `${what}: ${error.message}`;
    throw error;
  };
  {
    const t0 = performance.now();
    const listed = await store.listForUser!(HEAVY_USER, storeContext()).catch(step("listForUser"));
    const listMs = performance.now() - t0;
    assert.equal(listed.length, p.heavyCount, `${store.name}: listForUser found ${listed.length} of ${p.heavyCount}`);
    const loadAvg = loadavg()[0]!;
    const t1 = performance.now();
    const ended = await store.destroyForUser!(HEAVY_USER, undefined, storeContext()).catch(step("destroyForUser"));
    const logoutMs = performance.now() - t1;
    assert.equal(ended, p.heavyCount, `${store.name}: destroyForUser ended ${ended} of ${p.heavyCount}`);
    assert.equal((await store.listForUser!(HEAVY_USER, storeContext())).length, 0);
    assert.equal(await store.load(idHashOf(p, p.heavyEvery - 1), storeContext()), undefined, `${store.name}: a logged-out session still loads`);
    assert.ok(await store.load(idHashOf(p, p.heavyEvery - 2), storeContext()), `${store.name}: the logout ended someone else's session`);
    log(`${store.name}: listForUser ${listMs.toFixed(0)} ms, destroyForUser of ${ended} ${logoutMs.toFixed(0)} ms`);
    return { sessions: p.heavyCount, listMs, logoutMs, loadAvg };
  }
}

/**
 * Create sessions `from` to `to` through `store.create`, `window` at a time.
 *
 * @example
 * await createAll(store, p, 0, 1_000, 64, bornMs);
 */
export async function createAll(store: Store, p: Population, range: { from: number; to: number; window: number; bornMs: number }): Promise<void> {
  for (let i = range.from; i < range.to; i += range.window) {
    const pending: Array<Promise<boolean>> = [];
    for (let j = i; j < Math.min(i + range.window, range.to); j++) pending.push(store.create(idHashOf(p, j), recordAt(p, j, range.bornMs), storeContext(range.bornMs)));
    if ((await Promise.all(pending)).includes(false)) throw new Error(`${store.name}: a create collided; is the table or prefix fresh?`);
  }
}
