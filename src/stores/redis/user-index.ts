/**
 * The Redis store's user index ("log out everywhere"), kept beside the
 * sessions so that it works on Redis Cluster, where one script cannot touch
 * a session key and a user key living in different hash slots:
 *
 * - a sorted set per user, `userPrefix + "{" + userId + "}"` (the braces make
 *   it one hash tag), member = idHash, score = when the entry was (re)added;
 * - the entry is added BEFORE the session write that sets the user, so the
 *   index is always a superset of the sessions that carry the user;
 * - a regenerated session's frozen old record keeps its entry (and its
 *   `m:u`) until it expires (the latest of its own expiry, the grace end and
 *   the new record's expiry): a walk that read the index before the rotate
 *   added the new id still reaches the session, through the old one's link,
 *   and ends it only while the new id carries the user (the store decides
 *   that on the new id's key, before it deletes the old one). When the new
 *   record keeps the user, the rotate's add of its entry keeps the set alive
 *   as long as that link (past the grace end, the set and the link outlive
 *   the new record alike); when it does not, the session is no longer this
 *   user's and the set need not outlive it;
 * - readers verify each entry against the session's own `m:u` and expiry,
 *   list only unfrozen ones, and drop entries that fail the check, but only those whose
 *   score is older than `graceMs`: a fresh entry may belong to a write that
 *   is still on its way, and dropping it would hide a live session;
 * - the set's TTL is kept at least as long as its longest session;
 * - walks (list, destroy all) go through the set with ZSCAN, `batchSize`
 *   entries at a time, so no user's index is ever read whole into memory,
 *   and there is no cap on how many sessions one user may have.
 */
import type { StoredSessionInfo } from "../../core/store.js";
import type { ScriptRunner } from "./client.js";
import { asArray } from "./fields.js";
import { SCRIPTS } from "./scripts.js";

/** How the index reaches sessions: their keys, and how to destroy one (with its links). */
export interface SessionAccess {
  key(idHash: string): string;
  /**
   * Destroy the session `idHash` leads to if it is still `userId`'s, with
   * every linked id but `stopAt`; resolves whether it was a live session.
   * An old (frozen) id leads to the session its successor chain ends in:
   * that session goes, this id with it, only while it carries `userId`; one
   * that reaches `stopAt`, or that another user's login took, is left whole.
   */
  destroyOwned(idHash: string, userId: string, stopAt: string | undefined, nowMs: number): Promise<boolean>;
}

/** Upper bound of ZSCAN steps in one walk: far beyond any real index, it only guards a broken server. */
const MAX_STEPS = 10_000_000;

/**
 * The per-user sorted sets of one Redis store.
 *
 * @example
 * const index = new UserIndex(runner, "sk:user:", 60_000, 1000);
 * await index.add("alice", idHash, Date.now(), 3_600);
 */
export class UserIndex {
  readonly #redis: ScriptRunner;
  readonly #prefix: string;
  readonly #graceMs: number;
  readonly #batchSize: number;

  constructor(redis: ScriptRunner, prefix: string, graceMs: number, batchSize: number) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#graceMs = graceMs;
    this.#batchSize = batchSize;
  }

  #key(userId: string): string {
    return `${this.#prefix}{${userId}}`;
  }

  /** Add (or refresh) an entry, keeping the set alive at least `ttlSeconds` plus the grace. */
  async add(userId: string, idHash: string, nowMs: number, ttlSeconds: number): Promise<void> {
    const ttlMs = ttlSeconds * 1_000 + this.#graceMs;
    await this.#redis.run(SCRIPTS.userAdd, [this.#key(userId)], [idHash, String(nowMs), String(ttlMs)]);
  }

  /** Remove an entry at once: for a record that can never come back under that user. */
  async remove(userId: string, idHash: string): Promise<void> {
    await this.#redis.run(SCRIPTS.userRemove, [this.#key(userId)], [idHash]);
  }

  /** Every live, unfrozen session carrying `userId`; drops stale entries older than the grace. */
  async list(userId: string, sessions: SessionAccess, nowMs: number, progress?: () => void): Promise<StoredSessionInfo[]> {
    const seen = new Set<string>(); // ZSCAN may return an entry twice
    const live: StoredSessionInfo[] = [];
    await this.#walk(userId, progress, async (entries) => {
      const fresh = entries.filter((e) => !seen.has(e.idHash));
      for (const e of fresh) seen.add(e.idHash);
      // One script per session: they live in different slots on a cluster.
      const metas = await Promise.all(fresh.map((e) => this.#redis.run(SCRIPTS.meta, [sessions.key(e.idHash)], [])));
      const stale: string[] = [];
      fresh.forEach((entry, i) => {
        const [created, expires, owner, frozen] = asArray(metas[i]);
        const expiresAtMs = Number(expires);
        const mine = owner === userId && typeof expires === "string" && expiresAtMs > nowMs;
        // A frozen record of the user keeps its entry (the link a log out everywhere follows) but is not a session of its own.
        if (mine && typeof frozen !== "string") {
          live.push({ idHash: entry.idHash, createdAtMs: Number(created), expiresAtMs, userId });
        } else if (!mine && entry.score <= nowMs - this.#graceMs) {
          stale.push(entry.idHash);
        }
      });
      if (stale.length > 0) await this.#redis.run(SCRIPTS.userRemoveStale, [this.#key(userId)], [String(nowMs - this.#graceMs), ...stale]);
    });
    return live.sort((a, b) => a.createdAtMs - b.createdAtMs || (a.idHash < b.idHash ? -1 : 1));
  }

  /** Destroy every session carrying `userId` but `exceptIdHash`, batch by batch; resolves how many were live. */
  async destroyAll(userId: string, exceptIdHash: string | undefined, sessions: SessionAccess, nowMs: number, progress?: () => void): Promise<number> {
    let removed = 0;
    await this.#walk(userId, progress, async (entries) => {
      const targets = entries.filter((e) => e.idHash !== exceptIdHash);
      const results = await Promise.all(targets.map((e) => sessions.destroyOwned(e.idHash, userId, exceptIdHash, nowMs)));
      removed += results.filter(Boolean).length;
    });
    return removed;
  }

  /** ZSCAN the user's set, `batchSize` entries a step, handing each batch to `visit` before reading the next; `progress` after each. */
  async #walk(userId: string, progress: (() => void) | undefined, visit: (entries: Array<{ idHash: string; score: number }>) => Promise<void>): Promise<void> {
    let cursor = "0";
    for (let step = 0; step < MAX_STEPS; step += 1) {
      const [next, flat] = asArray(await this.#redis.run(SCRIPTS.userScan, [this.#key(userId)], [cursor, String(this.#batchSize)]));
      const pairs = asArray(flat);
      const entries: Array<{ idHash: string; score: number }> = [];
      for (let i = 0; i + 1 < pairs.length; i += 2) entries.push({ idHash: String(pairs[i]), score: Number(pairs[i + 1]) });
      if (entries.length > 0) await visit(entries);
      progress?.();
      cursor = String(next);
      if (cursor === "0") return;
    }
  }
}
