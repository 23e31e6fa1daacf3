/**
 * `sessionkit/stores/memcached`: sessions in Memcached, through a client
 * with compare-and-set (memcache-client's `MemcacheClient`) the app created.
 * One item per session under `<prefix>s:<idHash>`, expired by Memcached
 * itself; every write is a compare-and-set loop, so concurrent writers to
 * different keys of one session both keep their change.
 */
import { ConfigError } from "../core/errors.js";
import { applyChangeSet, linkKeptUntilMs, storeContext, type ApplyResult, type ChangeSet, type Store, type StoreContext, type StoreRecord, type StoredSessionInfo } from "../core/store.js";
import { batchSize, refuseRemovedOptions } from "./shared/options.js";
import { commands, exptime, type Commands, type MemcachedClientLike } from "./memcached/client.js";
import { Batcher, type Pending } from "./memcached/batcher.js";
import { MemcachedStoreError, abandoned } from "./memcached/errors.js";
import { TOMBSTONE, TOMBSTONE_SECONDS, decode, encodeRecord, liveRecord } from "./memcached/records.js";
import { UserIndex, itemBytes } from "./memcached/user-index.js";

export { MemcachedStoreError, type MemcachedErrorCode } from "./memcached/errors.js";
export { WriteAbandonedError } from "./shared/abandoned.js";
export type { MemcachedClientLike } from "./memcached/client.js";

/**
 * Options of {@link MemcachedStore}.
 *
 * @example
 * const options: MemcachedStoreOptions = { client: new MemcacheClient({ server: "127.0.0.1:11211" }), prefix: "myapp:" };
 */
export interface MemcachedStoreOptions {
  /** A memcache-client `MemcacheClient` (or anything with its `gets`, `add` and `cas`). The store never closes it. */
  client: MemcachedClientLike;
  /** Prefix of every key (default `sessionkit:`): printable ASCII without spaces, at most 64 characters. */
  prefix?: string;
  /** The server's item size limit, memcached's `-I` (default 1 MiB): larger writes are refused before they are sent. */
  maxItemBytes?: number;
  /** How many sessions one multi-get reads when listing or ending a user's sessions (default 100). */
  userBatchSize?: number;
}

/** A prefix that cannot break the text protocol: printable ASCII, no space. */
const PREFIX = /^[!-~]{0,64}$/;
/** Core's id hashes: base64url. Checked because a key is written into the protocol's command line. */
const ID_HASH = /^[A-Za-z0-9_-]{1,128}$/;
/** After this many lost compare-and-sets in a row, a call gives up (retryable). */
const MAX_ATTEMPTS = 2_000;

/** The state of one {@link MemcachedStore} destroy walk: live sessions ended, ids visited, the id it never crosses. */
interface EndWalk {
  live: number;
  readonly seen: Set<string>;
  readonly stopAt: string | undefined;
  /** Also take each record from its user's index (destroyForUser does that per batch). */
  readonly deindex: boolean;
  readonly ctx: StoreContext;
}

/**
 * A {@link Store} on Memcached.
 *
 * - `create` is `add` (or a compare-and-set over a destroyed or expired
 *   value): it never overwrites a live record.
 * - `apply`, `touch` and `rotate` read with `gets` and write with `cas`,
 *   reading again when another writer got there first.
 * - `rotate` claims the old record (frozen, linked to its successor) before
 *   it writes the new one (never over a logout's tombstone), then checks
 *   that no logout removed the old one in between (and undoes the new one if
 *   so).
 * - `destroy` replaces each linked record by a tombstone, by compare-and-set
 *   on the value it decided from. "Log out everywhere" decides a frozen old
 *   id by its successor first and ends the old id only after it.
 * - No `prune`: Memcached expires items itself. A user index is kept in an
 *   item of its own (see docs/stores.md for its limits).
 *
 * @example
 * import { MemcacheClient } from "memcache-client";
 * import { MemcachedStore } from "sessionkit/stores/memcached";
 * const client = new MemcacheClient({ server: "127.0.0.1:11211" });
 * const sessions = createSessions({ secret, store: new MemcachedStore({ client }) });
 */
export class MemcachedStore implements Store {
  readonly name = "memcached";
  readonly #mc: Commands;
  readonly #prefix: string;
  readonly #maxItemBytes: number;
  readonly #batch: number;
  readonly #index: UserIndex;
  readonly #applies = new Batcher<ApplyResult>((idHash, batch) => this.#applyBatch(idHash, batch));

  constructor(options: MemcachedStoreOptions) {
    const client = options?.client as Partial<MemcachedClientLike> | undefined;
    if (typeof client?.gets !== "function" || typeof client.cas !== "function" || typeof client.add !== "function") {
      throw new ConfigError("client", 'pass a memcache-client client: new MemcachedStore({ client: new MemcacheClient({ server: "host:11211" }) }).');
    }
    refuseRemovedOptions(options);
    const prefix = options.prefix ?? "sessionkit:";
    if (typeof prefix !== "string" || !PREFIX.test(prefix)) throw new ConfigError("prefix", "use at most 64 printable ASCII characters, no spaces.");
    const maxItemBytes = options.maxItemBytes ?? 1_048_576;
    if (!Number.isSafeInteger(maxItemBytes) || maxItemBytes < 1024) throw new ConfigError("maxItemBytes", "use memcached's -I in bytes (a whole number ≥ 1024).");
    this.#mc = commands(client as MemcachedClientLike);
    this.#prefix = prefix;
    this.#maxItemBytes = maxItemBytes;
    this.#batch = batchSize(options.userBatchSize, 100, "userBatchSize");
    this.#index = new UserIndex({
      mc: this.#mc,
      prefix,
      maxItemBytes,
      batch: this.#batch,
      sessionKey: (idHash) => this.#key(idHash),
      contended: (attempt, ctx) => contended(attempt, ctx),
    });
  }

  async load(idHash: string, ctx: StoreContext): Promise<StoreRecord | undefined> {
    return liveRecord((await this.#mc.read(this.#key(idHash)))?.value, ctx.nowMs);
  }

  async create(idHash: string, record: StoreRecord, ctx: StoreContext): Promise<boolean> {
    const key = this.#key(idHash);
    const value = this.#fit(key, encodeRecord(record));
    if (record.userId !== undefined) await this.#index.add(record.userId, idHash, ctx);
    for (let attempt = 0; ; attempt += 1) {
      const entry = await this.#mc.read(key);
      if (liveRecord(entry?.value, ctx.nowMs) !== undefined) return false;
      if (ctx.abandoned) throw abandoned();
      const lifetime = exptime(record.expiresAtMs, ctx.nowMs);
      // Absent: add. A tombstone or an expired record: gone for every reader, so it is replaced.
      if (entry === undefined ? await this.#mc.add(key, value, lifetime) : await this.#mc.cas(key, value, entry.casUniq, lifetime)) return true;
      await contended(attempt, ctx);
    }
  }

  async apply(idHash: string, change: ChangeSet, ctx: StoreContext): Promise<ApplyResult> {
    this.#key(idHash);
    return this.#applies.submit(idHash, change, ctx);
  }

  /** One compare-and-set loop for every apply waiting on a session (see ./memcached/batcher.ts). */
  async #applyBatch(idHash: string, batch: Pending<ApplyResult>[]): Promise<void> {
    const key = this.#key(idHash);
    let waiting = batch;
    for (let attempt = 0; ; attempt += 1) {
      // An apply core gave up on is dropped, never written late.
      for (const entry of waiting) if (entry.ctx.abandoned) entry.reject(abandoned());
      waiting = waiting.filter((entry) => !entry.ctx.abandoned);
      if (waiting.length === 0) return;
      const nowMs = Math.max(...waiting.map((entry) => entry.ctx.nowMs));
      const settle = (result: ApplyResult): void => waiting.forEach((entry) => entry.resolve(result));
      const entry = await this.#mc.read(key);
      const current = liveRecord(entry?.value, nowMs);
      if (entry === undefined || current === undefined) return settle("missing");
      if (current.frozen) return settle("frozen");
      const next = waiting.reduce((record, pending) => applyChangeSet(record, pending.change), current);
      const value = this.#fit(key, encodeRecord(next));
      const moved = next.userId !== current.userId;
      // An index entry without its session is harmless, so joining the index never waits on a deadline.
      if (moved && next.userId !== undefined) await this.#index.add(next.userId, idHash, storeContext(nowMs));
      if (waiting.some((pending) => pending.ctx.abandoned)) continue;
      if (await this.#mc.cas(key, value, entry.casUniq, exptime(next.expiresAtMs, nowMs))) {
        if (moved && current.userId !== undefined) await this.#index.remove(current.userId, [idHash]);
        return settle("ok");
      }
      await contended(attempt, undefined);
    }
  }

  async touch(idHash: string, expiresAtMs: number, ctx: StoreContext): Promise<boolean> {
    const key = this.#key(idHash);
    for (let attempt = 0; ; attempt += 1) {
      const entry = await this.#mc.read(key);
      const current = liveRecord(entry?.value, ctx.nowMs);
      // A frozen record's expiry keeps the link a logout follows: a touch never moves it.
      if (entry === undefined || current === undefined || current.frozen) return false;
      if (ctx.abandoned) throw abandoned();
      if (await this.#mc.cas(key, encodeRecord({ ...current, expiresAtMs }), entry.casUniq, exptime(expiresAtMs, ctx.nowMs))) return true;
      await contended(attempt, ctx);
    }
  }

  async rotate(oldIdHash: string, newIdHash: string, change: ChangeSet, graceUntilMs: number, ctx: StoreContext): Promise<ApplyResult> {
    const [oldKey, newKey] = [this.#key(oldIdHash), this.#key(newIdHash)];
    let current: StoreRecord;
    let fresh: StoreRecord;
    // 1. Claim the old record: frozen, linked to its successor. A second rotate now sees "frozen".
    for (let attempt = 0; ; attempt += 1) {
      const entry = await this.#mc.read(oldKey);
      const live = liveRecord(entry?.value, ctx.nowMs);
      if (entry === undefined || live === undefined) return "missing";
      if (live.frozen) return "frozen";
      const next = applyChangeSet(live, change);
      fresh = { data: next.data, createdAtMs: next.createdAtMs, expiresAtMs: next.expiresAtMs, userId: next.userId, predecessor: oldIdHash };
      // Kept as the link until the latest of its expiry, the grace end and the new record's expiry.
      const keptUntilMs = linkKeptUntilMs(live.expiresAtMs, change, graceUntilMs);
      // The frozen record keeps its user and index entry: a log out everywhere that read the index before
      // the new id joined it still reaches the session through the successor link.
      const frozen: StoreRecord = { ...live, frozen: true, readableUntilMs: graceUntilMs, expiresAtMs: keptUntilMs, successor: newIdHash };
      this.#fit(newKey, encodeRecord(fresh));
      if (fresh.userId !== undefined) await this.#index.add(fresh.userId, newIdHash, ctx);
      if (ctx.abandoned) throw abandoned();
      if (await this.#mc.cas(oldKey, this.#fit(oldKey, encodeRecord(frozen)), entry.casUniq, exptime(keptUntilMs, ctx.nowMs))) {
        current = live;
        break;
      }
      await contended(attempt, ctx);
    }
    // 2. Write the successor (its id is fresh: 256 random bits), unless a logout that followed the link got there first.
    if (!(await this.#putSuccessor(newKey, encodeRecord(fresh), exptime(fresh.expiresAtMs, ctx.nowMs), ctx))) return "missing";
    // 3. A logout that removed the old record between 1 and 2 could not see the successor: undo it.
    const claimed = await this.#mc.read(oldKey);
    const stored = claimed === undefined ? undefined : decode(claimed.value);
    if (stored?.kind !== "record" || stored.record.successor !== newIdHash) {
      await this.#destroyLinked(newIdHash, undefined, undefined, ctx, true);
      return "missing";
    }
    return "ok";
  }

  async destroy(idHash: string, ctx: StoreContext): Promise<void> {
    await this.#destroyLinked(idHash, undefined, undefined, ctx, true);
  }

  async listForUser(userId: string, ctx: StoreContext): Promise<StoredSessionInfo[]> {
    const ids = await this.#index.ids(userId);
    const out: StoredSessionInfo[] = [];
    for (let start = 0; start < ids.length; start += this.#batch) {
      const batch = ids.slice(start, start + this.#batch);
      const found = await this.#mc.readMany(batch.map((id) => this.#key(id)));
      for (const idHash of batch) {
        const record = liveRecord(found.get(this.#key(idHash))?.value, ctx.nowMs);
        if (record === undefined || record.frozen || record.userId !== userId) continue;
        out.push({ idHash, createdAtMs: record.createdAtMs, expiresAtMs: record.expiresAtMs, userId });
      }
    }
    return out.sort((a, b) => a.createdAtMs - b.createdAtMs || (a.idHash < b.idHash ? -1 : 1));
  }

  async destroyForUser(userId: string, exceptIdHash: string | undefined, ctx: StoreContext): Promise<number> {
    const visited = new Set<string>();
    let removed = 0;
    // Passes until one finds no new id: sessions that joined the index meanwhile are ended too.
    for (;;) {
      const ids = (await this.#index.ids(userId)).filter((id) => id !== exceptIdHash && !visited.has(id));
      if (ids.length === 0) return removed;
      for (let start = 0; start < ids.length; start += this.#batch) {
        const batch = ids.slice(start, start + this.#batch);
        const found = await this.#mc.readMany(batch.map((id) => this.#key(id)));
        for (const idHash of batch) {
          visited.add(idHash);
          const record = liveRecord(found.get(this.#key(idHash))?.value, ctx.nowMs);
          // A first look; the walk decides again from the value it replaces (see #end).
          if (record?.userId === userId) removed += await this.#destroyLinked(idHash, userId, exceptIdHash, ctx, false);
        }
        await this.#index.remove(userId, batch, ctx);
        ctx.progress?.();
      }
    }
  }

  /**
   * Replace `start` and every record linked to it by tombstones, never
   * crossing `except`; resolves how many live, unfrozen sessions went. With
   * `ownerId`, only the session `start` leads to while it carries that user
   * (see {@link MemcachedStore.#end}).
   */
  async #destroyLinked(start: string, ownerId: string | undefined, except: string | undefined, ctx: StoreContext, deindex: boolean): Promise<number> {
    const walk: EndWalk = { live: 0, seen: new Set(), stopAt: except, deindex, ctx };
    await this.#end(start, ownerId, false, walk);
    return walk.live;
  }

  /**
   * One step of {@link MemcachedStore.#destroyLinked}: end `id`, then the
   * ids linked to it; resolves false when the session `id` leads to was left
   * alone (`stopAt`, or it does not carry `ownerId`). Each decision is made
   * on the value read, and the tombstone replaces that value by
   * compare-and-set: a rotate that claimed the record in between makes it
   * read and decide again.
   *
   * - A successor link (`forward`) to nothing at all is a rotate between its
   *   claim and its write: a tombstone `add`ed there refuses its write (it
   *   resolves "missing"), so that session counts as ended.
   * - With `ownerId`, a frozen record (an old id) is not the user's by its
   *   own user, which it keeps: its session is the one its successor chain
   *   leads to. So the successor is decided and ended first (it carries the
   *   user: ended; nothing there yet: the tombstone above; another user, or
   *   none: a login that finished first took the session, left alone), and
   *   the frozen record goes only after it. A frozen record is never
   *   rewritten, so what it said then still holds when it is replaced.
   */
  async #end(id: string, ownerId: string | undefined, forward: boolean, walk: EndWalk): Promise<boolean> {
    if (id === walk.stopAt) return false;
    if (walk.seen.has(id)) return true;
    walk.seen.add(id);
    const key = this.#key(id);
    let owner = ownerId;
    for (let attempt = 0; ; attempt += 1) {
      const entry = await this.#mc.read(key);
      if (entry === undefined) {
        if (!forward) return true;
        if (await this.#mc.add(key, TOMBSTONE, TOMBSTONE_SECONDS)) {
          walk.live += 1;
          return true;
        }
        await contended(attempt, walk.ctx);
        continue; // the rotate wrote it first: decide on what it wrote
      }
      const stored = decode(entry.value);
      if (stored.kind !== "record") return true;
      const { record } = stored;
      if (owner !== undefined && record.frozen === true && record.successor !== undefined) {
        if (!(await this.#end(record.successor, owner, true, walk))) return false;
        owner = undefined; // its session is ended: the old id goes too, whoever it named
      }
      if (owner !== undefined && record.userId !== owner) return false;
      if (!(await this.#mc.cas(key, TOMBSTONE, entry.casUniq, TOMBSTONE_SECONDS))) {
        await contended(attempt, walk.ctx);
        continue; // changed under us (a rotate claimed it?): read its links again
      }
      if (record.expiresAtMs > walk.ctx.nowMs && record.frozen !== true) walk.live += 1;
      if (walk.deindex && record.userId !== undefined) await this.#index.remove(record.userId, [id], walk.ctx);
      if (record.successor !== undefined) await this.#end(record.successor, owner, true, walk);
      if (record.predecessor !== undefined) await this.#end(record.predecessor, undefined, false, walk);
      return true;
    }
  }

  /**
   * Write a rotate's new record under `key`: add, or compare-and-set over
   * what is there; false, writing nothing, when a logout's tombstone is
   * there (it followed the old record's link before this write).
   */
  async #putSuccessor(key: string, value: string, lifetime: number, ctx: StoreContext): Promise<boolean> {
    for (let attempt = 0; ; attempt += 1) {
      const entry = await this.#mc.read(key);
      if (entry !== undefined && decode(entry.value).kind === "tombstone") return false;
      if (entry === undefined ? await this.#mc.add(key, value, lifetime) : await this.#mc.cas(key, value, entry.casUniq, lifetime)) return true;
      await contended(attempt, ctx);
    }
  }

  #key(idHash: string): string {
    if (typeof idHash !== "string" || !ID_HASH.test(idHash)) {
      throw new MemcachedStoreError("SESSIONKIT_BAD_ID_HASH", "an id hash is not base64url text, so it cannot be part of a key.");
    }
    return `${this.#prefix}s:${idHash}`;
  }

  /** `value`, if the item fits the server's size limit; else a typed refusal, nothing sent. */
  #fit(key: string, value: string): string {
    if (itemBytes(key, value) > this.#maxItemBytes) {
      throw new MemcachedStoreError("SESSIONKIT_ITEM_TOO_LARGE", `a session would pass the item size limit (maxItemBytes ${this.#maxItemBytes}); keep less in it, or raise memcached's -I and maxItemBytes.`);
    }
    return value;
  }
}

/**
 * After a lost compare-and-set: retry at once the first times, then after a
 * short random pause so that many writers on one session stop colliding;
 * give up (retryable, nothing written) after MAX_ATTEMPTS or once core did.
 */
async function contended(attempt: number, ctx: StoreContext | undefined): Promise<void> {
  if (ctx?.abandoned === true) throw abandoned();
  if (attempt >= MAX_ATTEMPTS) {
    throw new MemcachedStoreError("SESSIONKIT_CAS_CONTENDED", "too many concurrent writers on one session; nothing was written, try again.", { retryable: true });
  }
  if (attempt >= 2) await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(20, attempt)));
}
