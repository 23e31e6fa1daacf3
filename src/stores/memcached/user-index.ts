/**
 * The Memcached store's user index. Memcached cannot list keys, so each
 * user's session ids live in one item of their own, `<prefix>u:<SHA-256 of
 * the user id>`, changed by compare-and-set loops like the sessions.
 *
 * - It is written before the session that joins it and cleared after the
 *   session that leaves it, so a live session is never missing from its
 *   user's index; an entry whose session went is skipped by every reader.
 * - Sessions expire without telling the index, so it is compacted (entries
 *   whose session is gone or another user's dropped) whenever it has doubled
 *   since the last compaction: amortized, a login costs O(1).
 * - It never expires (lifetime 0): a session can outlive any expiry given to
 *   it. Past the item size limit (1 MiB by default: about 23,000 live
 *   sessions of one user), joining it fails with SESSIONKIT_USER_INDEX_FULL
 *   rather than leave a session out of "log out everywhere".
 */
import { createHash } from "node:crypto";
import type { StoreContext } from "../../core/store.js";
import type { Commands } from "./client.js";
import { MemcachedStoreError, abandoned, corrupt } from "./errors.js";
import { TOMBSTONE_SECONDS, liveRecord } from "./records.js";

/** Compaction starts once an index holds this many ids. */
const COMPACT_FROM = 64;

interface IndexValue {
  /** Session id hashes. */
  i: string[];
  /** How many ids the last compaction kept. */
  n: number;
}

function parse(text: string): IndexValue {
  let value: Partial<IndexValue>;
  try {
    value = JSON.parse(text) as Partial<IndexValue>;
  } catch {
    throw corrupt("a user index is not JSON");
  }
  if (!Array.isArray(value?.i) || !value.i.every((id) => typeof id === "string")) throw corrupt("a user index has no list of ids");
  return { i: value.i, n: typeof value.n === "number" ? value.n : 0 };
}

/** What the index needs from the store. */
export interface IndexContext {
  readonly mc: Commands;
  readonly prefix: string;
  readonly maxItemBytes: number;
  readonly batch: number;
  sessionKey(idHash: string): string;
  /** Wait after a lost compare-and-set, and give up (retryable) after too many. */
  contended(attempt: number, ctx: StoreContext | undefined): Promise<void>;
}

/** A user index over one store's keys. */
export class UserIndex {
  readonly #c: IndexContext;

  constructor(context: IndexContext) {
    this.#c = context;
  }

  /** The key of `userId`'s index. */
  key(userId: string): string {
    return `${this.#c.prefix}u:${createHash("sha256").update(userId, "utf8").digest("base64url")}`;
  }

  /** The ids in `userId`'s index (sessions may have gone since). */
  async ids(userId: string): Promise<string[]> {
    const entry = await this.#c.mc.read(this.key(userId));
    return entry === undefined ? [] : parse(entry.value).i;
  }

  /** Put `idHash` in `userId`'s index (before the session is written). */
  async add(userId: string, idHash: string, ctx: StoreContext): Promise<void> {
    const key = this.key(userId);
    for (let attempt = 0; ; attempt += 1) {
      if (ctx.abandoned) throw abandoned();
      const entry = await this.#c.mc.read(key);
      const value = entry === undefined ? { i: [], n: 0 } : parse(entry.value);
      if (value.i.includes(idHash)) return;
      let next: IndexValue = { i: [...value.i, idHash], n: value.n };
      let text = JSON.stringify(next);
      if (next.i.length >= Math.max(COMPACT_FROM, 2 * next.n) || !this.#fits(key, text)) {
        next = await this.#compacted(userId, next, idHash, ctx.nowMs);
        text = JSON.stringify(next);
        if (!this.#fits(key, text)) {
          throw new MemcachedStoreError(
            "SESSIONKIT_USER_INDEX_FULL",
            `a user has so many live sessions that their index would pass the item size limit (maxItemBytes ${this.#c.maxItemBytes}); end some of them, or raise memcached's -I and maxItemBytes.`,
          );
        }
      }
      const written = entry === undefined ? await this.#c.mc.add(key, text, 0) : await this.#c.mc.cas(key, text, entry.casUniq, 0);
      if (written) return;
      await this.#c.contended(attempt, ctx);
    }
  }

  /** Take `ids` out of `userId`'s index (after their sessions left it). */
  async remove(userId: string, ids: readonly string[], ctx?: StoreContext): Promise<void> {
    if (ids.length === 0) return;
    const key = this.key(userId);
    const gone = new Set(ids);
    for (let attempt = 0; ; attempt += 1) {
      const entry = await this.#c.mc.read(key);
      if (entry === undefined) return;
      const value = parse(entry.value);
      const kept = value.i.filter((id) => !gone.has(id));
      if (kept.length === value.i.length) return;
      // An emptied index is left to expire, so that it costs nothing once its user has no session.
      const text = JSON.stringify({ i: kept, n: Math.min(value.n, kept.length) });
      if (await this.#c.mc.cas(key, text, entry.casUniq, kept.length === 0 ? TOMBSTONE_SECONDS : 0)) return;
      await this.#c.contended(attempt, ctx);
    }
  }

  /** The index with only live sessions of `userId` (and `keep`), read in batches. */
  async #compacted(userId: string, value: IndexValue, keep: string, nowMs: number): Promise<IndexValue> {
    const kept: string[] = [];
    for (let start = 0; start < value.i.length; start += this.#c.batch) {
      const ids = value.i.slice(start, start + this.#c.batch);
      const found = await this.#c.mc.readMany(ids.map((id) => this.#c.sessionKey(id)));
      for (const id of ids) {
        const record = liveRecord(found.get(this.#c.sessionKey(id))?.value, nowMs);
        if (id === keep || (record !== undefined && record.userId === userId)) kept.push(id);
      }
    }
    return { i: kept, n: kept.length };
  }

  #fits(key: string, text: string): boolean {
    return itemBytes(key, text) <= this.#c.maxItemBytes;
  }
}

/** Memcached's own bytes per item beyond the key and value (header, flags, CAS, line ends): a safe upper bound. */
const ITEM_OVERHEAD = 96;

/**
 * How many bytes an item takes against memcached's item size limit (`-I`).
 *
 * @example
 * itemBytes("sessionkit:s:abc", value) <= 1_048_576;
 */
export function itemBytes(key: string, value: string): number {
  return Buffer.byteLength(key) + Buffer.byteLength(value, "utf8") + ITEM_OVERHEAD;
}
