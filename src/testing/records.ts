/**
 * Small builders shared by the store suites: ids, records, change-sets and
 * unicode strings, so that every store is tested with the same inputs.
 */
import { randomBytes } from "node:crypto";
import { hashSessionId } from "../core/ids.js";
import { storeContext, type ChangeSet, type Store, type StoreContext, type StoreRecord } from "../core/store.js";

/**
 * A random id hash shaped like the ones core passes to a store
 * (base64url of 32 bytes: 43 characters).
 *
 * @example
 * await store.create(randomIdHash(), record({ a: "1" }), ctx());
 */
export function randomIdHash(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * The context core would pass at `nowMs` (default: now), never abandoned.
 *
 * @example
 * await store.load(idHash, ctx());
 */
export function ctx(nowMs: number = Date.now()): StoreContext {
  return storeContext(nowMs);
}

/**
 * The `idHash` a listing (`listForUser`, `list`) shows for the record stored
 * under `key`: the key itself, or its SHA-256 for a store with `rawIds`,
 * whose keys are live session ids that a listing must never give out.
 *
 * @example
 * assert.deepEqual((await store.listForUser("u", ctx())).map((s) => s.idHash), [listedId(store, key)]);
 */
export function listedId(store: Store, key: string): string {
  return store.rawIds === true ? hashSessionId(key) : key;
}

/**
 * A null-prototype data object, as core builds it, from plain entries.
 * Built key by key with `Object.defineProperty`-free assignment on a
 * null-prototype object so `__proto__` stays a plain key.
 *
 * @example
 * const data = nullData([["__proto__", '"x"']]); // Object.keys(data) → ["__proto__"]
 */
export function nullData(entries: Iterable<[string, string]> | Record<string, string> = []): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  const list = Symbol.iterator in entries ? (entries as Iterable<[string, string]>) : Object.entries(entries);
  for (const [key, value] of list) out[key] = value;
  return out;
}

/**
 * A record valid for `ttlSeconds` from now (or from `nowMs`).
 *
 * @example
 * const r = record({ user: '"alice"' }, { ttlSeconds: 60, userId: "u1" });
 */
export function record(
  data: Iterable<[string, string]> | Record<string, string> = [],
  options: { ttlSeconds?: number; nowMs?: number; userId?: string; frozen?: boolean; expiresAtMs?: number } = {},
): StoreRecord {
  const nowMs = options.nowMs ?? Date.now();
  const out: StoreRecord = {
    data: nullData(data),
    createdAtMs: nowMs,
    expiresAtMs: options.expiresAtMs ?? nowMs + (options.ttlSeconds ?? 3_600) * 1_000,
  };
  if (options.userId !== undefined) out.userId = options.userId;
  if (options.frozen !== undefined) out.frozen = options.frozen;
  return out;
}

/**
 * A change-set with defaults filled in.
 *
 * @example
 * await store.apply(id, change({ set: { a: "2" } }), ctx());
 */
export function change(partial: Partial<Omit<ChangeSet, "set">> & { set?: Record<string, string> | Iterable<[string, string]> } = {}): ChangeSet {
  return { ...partial, set: nullData(partial.set ?? []), delete: partial.delete ?? [] };
}

/**
 * A deterministic PRNG (mulberry32), so a failing unicode case can be
 * replayed from the seed printed in the assertion message.
 *
 * @example
 * const next = prng(42); next(); // 0 ≤ x < 1
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

// Ranges chosen to hit every UTF-8 length (1–4 bytes) and the awkward spots:
// C0 controls, the BMP edge just below the surrogates, the private use area,
// U+FFFF, and astral planes (emoji, CJK extension B, the last code point).
const RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x20, 0x7e],
  [0x01, 0x1f],
  [0x80, 0x7ff],
  [0x800, 0xd7ff],
  [0xe000, 0xffff],
  [0x1f300, 0x1faff],
  [0x20000, 0x2a6df],
  [0x10fff0, 0x10ffff],
];

/**
 * A random well-formed (no lone surrogate) string of `length` code points,
 * never containing U+0000 (tested on its own, see the suite).
 *
 * @example
 * const s = unicodeString(prng(1), 20); Buffer.from(s).toString() === s; // true
 */
export function unicodeString(next: () => number, length: number): string {
  let out = "";
  for (let i = 0; i < length; i += 1) {
    const range = RANGES[Math.floor(next() * RANGES.length)] ?? RANGES[0]!;
    out += String.fromCodePoint(range[0] + Math.floor(next() * (range[1] - range[0] + 1)));
  }
  return out;
}
