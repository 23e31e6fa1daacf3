/**
 * The sessions `npm run bench:scale` stores: session `i` has a fixed id
 * hash, a small record and a user. Users have four sessions each (a phone,
 * a laptop, …), except one: `heavy`, with one session in every `heavyEvery`
 * (10,000 of them in all), spread through the whole id space, whose "log
 * out everywhere" is measured among all the others.
 */
import { createHash } from "node:crypto";
import type { StoreRecord } from "sessionkit";

/** The user whose many sessions are logged out at once. */
export const HEAVY_USER = "heavy-user";
/** How many sessions the heavy user has, at most (fewer in a run of under 100 per session of theirs). */
export const HEAVY_SESSIONS = 10_000;
/** How long every session lives: a day, so that a prune two days on finds all of them expired. */
export const LIFETIME_MS = 86_400_000;

/** One store's population: its final size fixes where the heavy user's sessions sit. */
export interface Population {
  readonly tag: string;
  readonly final: number;
  readonly heavyEvery: number;
  readonly heavyCount: number;
}

/**
 * The population of a store that will hold `final` sessions.
 *
 * @example
 * const p = population("scale_42", 10_000_000); // p.heavyEvery === 1000, p.heavyCount === 10_000
 */
export function population(tag: string, final: number): Population {
  const heavyCount = Math.min(HEAVY_SESSIONS, Math.floor(final / 100));
  return Object.freeze({ tag, final, heavyEvery: Math.floor(final / heavyCount), heavyCount });
}

/**
 * A deterministic 43-char id hash for session `i` (what core would pass a store).
 *
 * @example
 * idHashOf(p, 0).length === 43;
 */
export function idHashOf(p: Population, i: number): string {
  return createHash("sha256").update(`${p.tag}:${i}`).digest("base64url");
}

/**
 * Session `i`'s user.
 *
 * @example
 * userOf(p, p.heavyEvery - 1) === HEAVY_USER;
 */
export function userOf(p: Population, i: number): string {
  return i % p.heavyEvery === p.heavyEvery - 1 && i < p.heavyEvery * p.heavyCount ? HEAVY_USER : `user-${Math.floor(i / 4)}`;
}

/**
 * Session `i` as core would hand it to `create`: a user name, a counter and a
 * CSRF token as data (each value JSON text, as core serializes it), and its
 * user. Pass `idHash` when it is at hand: hashing ten million ids twice costs.
 *
 * @example
 * await store.create(idHashOf(p, 7), recordAt(p, 7, Date.now()), storeContext());
 */
export function recordAt(p: Population, i: number, nowMs: number, idHash = idHashOf(p, i)): StoreRecord {
  const userId = userOf(p, i);
  const data = Object.create(null) as Record<string, string>;
  data.user = JSON.stringify(userId);
  data.n = String(i);
  data.csrf = JSON.stringify(idHash.slice(0, 32));
  return { data, createdAtMs: nowMs, expiresAtMs: nowMs + LIFETIME_MS, userId };
}
