/**
 * An in-process store: for development, tests and single-process apps that
 * accept losing every session on restart. Bounded, so a flood of new
 * sessions cannot eat the heap: the least recently used record goes first.
 */
import { ConfigError } from "../core/errors.js";
import type { ApplyResult, ChangeSet, Store, StoredSessionInfo, StoreRecord } from "../core/store.js";

/**
 * Options of {@link MemoryStore}.
 *
 * @example
 * const options: MemoryStoreOptions = { maxEntries: 50_000 };
 */
export interface MemoryStoreOptions {
  /** Most records kept; the least recently used is evicted first. Default 10,000. */
  maxEntries?: number;
  /** Clock in ms used to decide expiry (tests inject one). Default `Date.now`. */
  now?: () => number;
}

interface Entry {
  data: Map<string, string>;
  createdAtMs: number;
  expiresAtMs: number;
  userId: string | undefined;
  frozen: boolean;
}

let warnedInProduction = false;

/**
 * Sessions in a `Map` in this process. Every call is synchronous inside, so
 * each one is atomic; records are copied in and out, so nothing the caller
 * holds aliases stored state.
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
  readonly #now: () => number;

  constructor(options: MemoryStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? 10_000;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new ConfigError("maxEntries", "must be a whole number of at least 1.");
    }
    this.#maxEntries = maxEntries;
    this.#now = options.now ?? Date.now;
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

  async load(idHash: string): Promise<StoreRecord | undefined> {
    const entry = this.#live(idHash);
    if (!entry) return undefined;
    const data = Object.create(null) as Record<string, string>;
    for (const [key, value] of entry.data) data[key] = value;
    const out: StoreRecord = { data, createdAtMs: entry.createdAtMs, expiresAtMs: entry.expiresAtMs };
    if (entry.userId !== undefined) out.userId = entry.userId;
    if (entry.frozen) out.frozen = true;
    return out;
  }

  async create(idHash: string, record: StoreRecord, _ttlSeconds: number): Promise<boolean> {
    if (this.#live(idHash)) return false;
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#remove(oldest.value);
    }
    const entry: Entry = {
      data: new Map(Object.entries(record.data)),
      createdAtMs: record.createdAtMs,
      expiresAtMs: record.expiresAtMs,
      userId: record.userId ?? undefined,
      frozen: record.frozen === true,
    };
    this.#entries.set(idHash, entry);
    if (entry.userId !== undefined) this.#index(entry.userId, idHash);
    return true;
  }

  async apply(idHash: string, change: ChangeSet, _ttlSeconds: number): Promise<ApplyResult> {
    const entry = this.#live(idHash);
    if (!entry) return "missing";
    if (entry.frozen) return "frozen";
    if (change.clear) entry.data.clear();
    for (const key of change.delete) entry.data.delete(key);
    for (const [key, value] of Object.entries(change.set)) entry.data.set(key, value);
    if (change.expiresAtMs !== undefined) entry.expiresAtMs = change.expiresAtMs;
    if (change.frozen) entry.frozen = true;
    if (change.userId !== undefined && change.userId !== entry.userId) {
      if (entry.userId !== undefined) this.#unindex(entry.userId, idHash);
      entry.userId = change.userId ?? undefined;
      if (entry.userId !== undefined) this.#index(entry.userId, idHash);
    }
    return "ok";
  }

  async touch(idHash: string, expiresAtMs: number, _ttlSeconds: number): Promise<boolean> {
    const entry = this.#live(idHash);
    // A frozen record's expiry is its grace window; extending it would keep a
    // replaced id alive, so a touch never moves it.
    if (!entry || entry.frozen) return false;
    entry.expiresAtMs = expiresAtMs;
    return true;
  }

  async destroy(idHash: string): Promise<void> {
    this.#remove(idHash);
  }

  async listForUser(userId: string): Promise<StoredSessionInfo[]> {
    const out: StoredSessionInfo[] = [];
    for (const idHash of [...(this.#users.get(userId) ?? [])]) {
      const entry = this.#live(idHash, false);
      if (entry) out.push({ idHash, createdAtMs: entry.createdAtMs, expiresAtMs: entry.expiresAtMs, userId });
    }
    return out;
  }

  async destroyForUser(userId: string, exceptIdHash?: string): Promise<number> {
    let removed = 0;
    for (const idHash of [...(this.#users.get(userId) ?? [])]) {
      if (idHash === exceptIdHash) continue;
      if (this.#live(idHash, false)) removed += 1;
      this.#remove(idHash);
    }
    return removed;
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

  async list(options: { limit?: number; userId?: string } = {}): Promise<StoredSessionInfo[]> {
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const out: StoredSessionInfo[] = [];
    for (const [idHash, entry] of this.#entries) {
      if (out.length >= limit) break;
      if (entry.expiresAtMs <= this.#now()) continue;
      if (options.userId !== undefined && entry.userId !== options.userId) continue;
      const info: StoredSessionInfo = { idHash, createdAtMs: entry.createdAtMs, expiresAtMs: entry.expiresAtMs };
      if (entry.userId !== undefined) info.userId = entry.userId;
      out.push(info);
    }
    return out;
  }

  /** The entry if present and unexpired (an expired one is dropped); refreshes its recency when `use`. */
  #live(idHash: string, use = true): Entry | undefined {
    const entry = this.#entries.get(idHash);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= this.#now()) {
      this.#remove(idHash);
      return undefined;
    }
    if (use) {
      // Map keeps insertion order: re-inserting moves the entry to the
      // most-recently-used end, so eviction can take the first key.
      this.#entries.delete(idHash);
      this.#entries.set(idHash, entry);
    }
    return entry;
  }

  #remove(idHash: string): void {
    const entry = this.#entries.get(idHash);
    if (!entry) return;
    this.#entries.delete(idHash);
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
