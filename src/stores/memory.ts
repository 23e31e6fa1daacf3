/**
 * An in-process store: for development, tests and single-process apps that
 * accept losing every session on restart. Bounded, so a flood of new
 * sessions cannot eat the heap: the least recently used record goes first.
 */
import { ConfigError } from "../core/errors.js";
import { refuseRemovedOptions } from "./shared/options.js";
import { linkKeptUntilMs, type ApplyResult, type ChangeSet, type Store, type StoreContext, type StoredSessionInfo, type StoreRecord } from "../core/store.js";

/**
 * Options of {@link MemoryStore}.
 *
 * @example
 * const options: MemoryStoreOptions = { maxEntries: 50_000 };
 */
export interface MemoryStoreOptions {
  /** Most records kept; the least recently used is evicted first. Default 10,000. */
  maxEntries?: number;
}

interface Entry {
  data: Map<string, string>;
  createdAtMs: number;
  expiresAtMs: number;
  userId: string | undefined;
  frozen: boolean;
  readableUntilMs: number | undefined;
  successor: string | undefined;
  predecessor: string | undefined;
}

let warnedInProduction = false;

/**
 * Sessions in a `Map` in this process. Every call is synchronous inside, so
 * each one is atomic (rotate included); records are copied in and out, so
 * nothing the caller holds aliases stored state. Time comes from core
 * (`ctx.nowMs`): the store has no clock.
 *
 * @example
 * import { MemoryStore } from "sessionkit/stores/memory";
 * const sessions = createSessions({ secret, store: new MemoryStore({ maxEntries: 50_000 }) });
 */
export class MemoryStore implements Store {
  readonly name = "memory";
  readonly #entries = new Map<string, Entry>();
  readonly #users = new Map<string, Set<string>>();
  readonly #maxEntries: number;
  /** The key last in #entries (the most recently used), when known: using it again moves nothing. */
  #newest: string | undefined;

  constructor(options: MemoryStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? 10_000;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new ConfigError("maxEntries", "must be a whole number of at least 1.");
    }
    refuseRemovedOptions(options);
    this.#maxEntries = maxEntries;
    // Production apps usually run several processes, where a memory store
    // logs visitors out at random; say so once, without failing.
    if (process.env.NODE_ENV === "production" && !warnedInProduction) {
      warnedInProduction = true;
      process.emitWarning(
        "sessionkit: MemoryStore keeps sessions in this process only: they are lost on restart and not shared between processes. Use a Redis, SQL or file store in production.",
        { code: "SESSIONKIT_MEMORY_STORE" },
      );
    }
  }

  /** Number of records held, expired ones included until they are seen or pruned. */
  get size(): number {
    return this.#entries.size;
  }

  async load(idHash: string, ctx: StoreContext): Promise<StoreRecord | undefined> {
    const entry = this.#live(idHash, ctx.nowMs);
    if (!entry) return undefined;
    const data = Object.create(null) as Record<string, string>;
    for (const [key, value] of entry.data) data[key] = value;
    const out: StoreRecord = { data, createdAtMs: entry.createdAtMs, expiresAtMs: entry.expiresAtMs };
    if (entry.userId !== undefined) out.userId = entry.userId;
    if (entry.frozen) out.frozen = true;
    if (entry.readableUntilMs !== undefined) out.readableUntilMs = entry.readableUntilMs;
    if (entry.successor !== undefined) out.successor = entry.successor;
    if (entry.predecessor !== undefined) out.predecessor = entry.predecessor;
    return out;
  }

  async create(idHash: string, record: StoreRecord, ctx: StoreContext): Promise<boolean> {
    if (this.#live(idHash, ctx.nowMs)) return false;
    this.#insert(idHash, {
      data: new Map(Object.entries(record.data)),
      createdAtMs: record.createdAtMs,
      expiresAtMs: record.expiresAtMs,
      userId: record.userId ?? undefined,
      frozen: record.frozen === true,
      readableUntilMs: record.readableUntilMs,
      successor: undefined,
      predecessor: undefined,
    });
    return true;
  }

  async apply(idHash: string, change: ChangeSet, ctx: StoreContext): Promise<ApplyResult> {
    const entry = this.#live(idHash, ctx.nowMs);
    if (!entry) return "missing";
    if (entry.frozen) return "frozen";
    applyData(entry.data, change);
    if (change.expiresAtMs !== undefined) entry.expiresAtMs = change.expiresAtMs;
    if (change.userId !== undefined && change.userId !== entry.userId) {
      if (entry.userId !== undefined) this.#unindex(entry.userId, idHash);
      entry.userId = change.userId ?? undefined;
      if (entry.userId !== undefined) this.#index(entry.userId, idHash);
    }
    return "ok";
  }

  async touch(idHash: string, expiresAtMs: number, ctx: StoreContext): Promise<boolean> {
    const entry = this.#live(idHash, ctx.nowMs);
    // A frozen record's expiry is its grace window; extending it would keep a
    // replaced id alive, so a touch never moves it.
    if (!entry || entry.frozen) return false;
    entry.expiresAtMs = expiresAtMs;
    return true;
  }

  async rotate(oldIdHash: string, newIdHash: string, change: ChangeSet, graceUntilMs: number, ctx: StoreContext): Promise<ApplyResult> {
    const old = this.#live(oldIdHash, ctx.nowMs);
    if (!old) return "missing";
    if (old.frozen) return "frozen";
    const data = new Map(old.data);
    applyData(data, change);
    const next: Entry = {
      data,
      createdAtMs: change.createdAtMs ?? old.createdAtMs,
      expiresAtMs: change.expiresAtMs ?? old.expiresAtMs,
      userId: change.userId === undefined ? old.userId : change.userId ?? undefined,
      frozen: false,
      readableUntilMs: undefined,
      successor: undefined,
      predecessor: oldIdHash,
    };
    // The old record stays, read-only, as the link a logout sent with the old
    // id follows (at least as long as the new record's first idle window);
    // core serves it only until the grace ends.
    if (old.userId !== undefined) this.#unindex(old.userId, oldIdHash);
    old.frozen = true;
    old.readableUntilMs = graceUntilMs;
    old.expiresAtMs = linkKeptUntilMs(old.expiresAtMs, change, graceUntilMs);
    old.successor = newIdHash;
    this.#insert(newIdHash, next);
    return "ok";
  }

  async destroy(idHash: string, _ctx: StoreContext): Promise<void> {
    this.#removeLinked(idHash, undefined);
  }

  async listForUser(userId: string, ctx: StoreContext): Promise<StoredSessionInfo[]> {
    const out: StoredSessionInfo[] = [];
    // A copy of the index entries: #live may drop an expired one while we walk.
    for (const idHash of [...(this.#users.get(userId) ?? [])]) {
      const entry = this.#live(idHash, ctx.nowMs, false);
      if (entry) out.push({ idHash, createdAtMs: entry.createdAtMs, expiresAtMs: entry.expiresAtMs, userId });
    }
    return out;
  }

  async destroyForUser(userId: string, exceptIdHash: string | undefined, ctx: StoreContext): Promise<number> {
    let removed = 0;
    // Each pass takes one indexed id that is not the excepted one; removing it
    // drops it from the index, so the loop ends when only `exceptIdHash` is left.
    for (;;) {
      const set = this.#users.get(userId);
      let target: string | undefined;
      for (const idHash of set ?? []) {
        if (idHash !== exceptIdHash) {
          target = idHash;
          break;
        }
      }
      if (target === undefined) return removed;
      const entry = this.#entries.get(target);
      if (entry !== undefined && entry.expiresAtMs > ctx.nowMs) removed += 1;
      this.#removeLinked(target, exceptIdHash);
      set?.delete(target); // an index entry without a record would otherwise loop forever
    }
  }

  async prune(nowMs: number, limit = Number.POSITIVE_INFINITY): Promise<number> {
    let removed = 0;
    for (const [idHash, entry] of this.#entries) {
      if (removed >= limit) break;
      if (entry.expiresAtMs <= nowMs) {
        this.#remove(idHash);
        removed += 1;
      }
    }
    return removed;
  }

  async list(options: { nowMs: number; limit?: number; userId?: string }): Promise<StoredSessionInfo[]> {
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const out: StoredSessionInfo[] = [];
    for (const [idHash, entry] of this.#entries) {
      if (out.length >= limit) break;
      // Live sessions only: a frozen record is an old id of a session listed under its new one.
      if (entry.expiresAtMs <= options.nowMs || entry.frozen) continue;
      if (options.userId !== undefined && entry.userId !== options.userId) continue;
      const info: StoredSessionInfo = { idHash, createdAtMs: entry.createdAtMs, expiresAtMs: entry.expiresAtMs };
      if (entry.userId !== undefined) info.userId = entry.userId;
      out.push(info);
    }
    return out;
  }

  /** The entry if present and unexpired at `nowMs` (an expired one is dropped); refreshes its recency when `use`. */
  #live(idHash: string, nowMs: number, use = true): Entry | undefined {
    const entry = this.#entries.get(idHash);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= nowMs) {
      this.#remove(idHash);
      return undefined;
    }
    if (use && idHash !== this.#newest) {
      // Map keeps insertion order: re-inserting moves the entry to the
      // most-recently-used end, so eviction can take the first key. A
      // commit's write to the record its request just loaded finds it there.
      this.#entries.delete(idHash);
      this.#entries.set(idHash, entry);
      this.#newest = idHash;
    }
    return entry;
  }

  /** Store a new entry, evicting the least recently used ones first when full. */
  #insert(idHash: string, entry: Entry): void {
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#remove(oldest.value);
    }
    this.#entries.delete(idHash); // a key already there would keep its place
    this.#entries.set(idHash, entry);
    this.#newest = idHash;
    if (entry.userId !== undefined && !entry.frozen) this.#index(entry.userId, idHash);
  }

  /**
   * Remove a record and every record linked to it by `successor` or
   * `predecessor`, transitively (expired or not: a dead link costs nothing).
   * `stopAt` is never removed nor crossed (the session destroyForUser keeps).
   */
  #removeLinked(idHash: string, stopAt: string | undefined): void {
    const pending = [idHash];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      if (next === stopAt) continue;
      const entry = this.#entries.get(next);
      if (!entry) continue;
      this.#remove(next);
      if (entry.successor !== undefined) pending.push(entry.successor);
      if (entry.predecessor !== undefined) pending.push(entry.predecessor);
    }
  }

  #remove(idHash: string): void {
    const entry = this.#entries.get(idHash);
    if (!entry) return;
    this.#entries.delete(idHash);
    if (idHash === this.#newest) this.#newest = undefined;
    if (entry.userId !== undefined) this.#unindex(entry.userId, idHash);
  }

  #index(userId: string, idHash: string): void {
    let set = this.#users.get(userId);
    if (!set) this.#users.set(userId, (set = new Set()));
    set.add(idHash);
  }

  #unindex(userId: string, idHash: string): void {
    const set = this.#users.get(userId);
    if (!set) return;
    set.delete(idHash);
    if (set.size === 0) this.#users.delete(userId);
  }
}

/** A change-set's keys applied in place: `clear`, then `delete`, then `set`. */
function applyData(data: Map<string, string>, change: ChangeSet): void {
  if (change.clear) data.clear();
  for (const key of change.delete) data.delete(key);
  for (const key of Object.keys(change.set)) data.set(key, change.set[key]!);
}
