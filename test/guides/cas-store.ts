/**
 * A store written from ARCHITECTURE.md's "Adding a store" guide, over the
 * weakest backend that can keep sessionkit's promises: a key-value map with
 * versions and compare-and-set (the shape of Memcached's `gets`/`cas`, or
 * of an object store's conditional writes). Atomic apply and rotate are
 * compare-and-set loops; rotate claims the old record first, then creates
 * the new one and checks that no logout removed the old one in between.
 *
 * Test-only: it proves the guide, and is the model for a real CAS store.
 */
import { applyChangeSet, linkKeptUntilMs, ttlSecondsUntil, type ApplyResult, type ChangeSet, type Store, type StoreContext, type StoredSessionInfo, type StoreRecord } from "../../src/index.js";

/** The backend: values with versions, and a write that succeeds only if the version is still the one read. */
export class VersionedMap {
  readonly #entries = new Map<string, { value: string; version: number; ttlSeconds?: number }>();
  #next = 1;

  get(key: string): { value: string; version: number } | undefined {
    return this.#entries.get(key);
  }

  /** Write `value` (or delete, when undefined) if the key's version is `version` (0: the key must be absent). */
  cas(key: string, version: number, value: string | undefined, ttlSeconds?: number): boolean {
    if ((this.#entries.get(key)?.version ?? 0) !== version) return false;
    if (value === undefined) this.#entries.delete(key);
    else this.#entries.set(key, { value, version: this.#next++, ...(ttlSeconds === undefined ? {} : { ttlSeconds }) });
    return true;
  }

  get size(): number {
    return this.#entries.size;
  }
}

const sessionKey = (idHash: string): string => `s:${idHash}`;
const userKey = (userId: string): string => `u:${userId}`;

function parse(text: string): StoreRecord {
  const raw = JSON.parse(text) as StoreRecord;
  return { ...raw, data: Object.assign(Object.create(null) as Record<string, string>, raw.data) };
}

/**
 * A Store on a {@link VersionedMap}.
 *
 * @example
 * const sessions = createSessions({ secret, store: new CasStore({ map: new VersionedMap() }) });
 */
export class CasStore implements Store {
  readonly name = "cas";
  readonly #map: VersionedMap;

  constructor(options: { map: VersionedMap }) {
    this.#map = options.map;
  }

  /** The live record and its version, or undefined. */
  #read(idHash: string, nowMs: number): { record: StoreRecord; version: number } | undefined {
    const entry = this.#map.get(sessionKey(idHash));
    if (entry === undefined) return undefined;
    const record = parse(entry.value);
    return record.expiresAtMs > nowMs ? { record, version: entry.version } : undefined;
  }

  #write(idHash: string, version: number, record: StoreRecord, nowMs: number): boolean {
    return this.#map.cas(sessionKey(idHash), version, JSON.stringify(record), ttlSecondsUntil(record.expiresAtMs, nowMs));
  }

  /** Add or remove `idHash` in a user's index: a compare-and-set loop of its own. */
  #index(userId: string | undefined, idHash: string, add: boolean): void {
    if (userId === undefined) return;
    for (;;) {
      const entry = this.#map.get(userKey(userId));
      const ids = new Set<string>(entry ? (JSON.parse(entry.value) as string[]) : []);
      if (add) ids.add(idHash);
      else ids.delete(idHash);
      if (this.#map.cas(userKey(userId), entry?.version ?? 0, ids.size > 0 ? JSON.stringify([...ids]) : undefined)) return;
    }
  }

  async load(idHash: string, ctx: StoreContext): Promise<StoreRecord | undefined> {
    return this.#read(idHash, ctx.nowMs)?.record;
  }

  async create(idHash: string, record: StoreRecord, ctx: StoreContext): Promise<boolean> {
    const existing = this.#map.get(sessionKey(idHash));
    if (existing !== undefined && parse(existing.value).expiresAtMs > ctx.nowMs) return false;
    if (!this.#write(idHash, existing?.version ?? 0, record, ctx.nowMs)) return false;
    this.#index(record.userId, idHash, true);
    return true;
  }

  async apply(idHash: string, change: ChangeSet, ctx: StoreContext): Promise<ApplyResult> {
    for (;;) {
      if (ctx.abandoned) throw new Error("abandoned before the write started");
      const current = this.#read(idHash, ctx.nowMs);
      if (current === undefined) return "missing";
      if (current.record.frozen) return "frozen";
      const next = applyChangeSet(current.record, change);
      if (!this.#write(idHash, current.version, next, ctx.nowMs)) continue; // someone wrote in between: read again
      if (next.userId !== current.record.userId) {
        this.#index(current.record.userId, idHash, false);
        this.#index(next.userId, idHash, true);
      }
      return "ok";
    }
  }

  async touch(idHash: string, expiresAtMs: number, ctx: StoreContext): Promise<boolean> {
    for (;;) {
      const current = this.#read(idHash, ctx.nowMs);
      if (current === undefined || current.record.frozen) return false;
      if (this.#write(idHash, current.version, { ...current.record, expiresAtMs }, ctx.nowMs)) return true;
    }
  }

  async rotate(oldIdHash: string, newIdHash: string, change: ChangeSet, graceUntilMs: number, ctx: StoreContext): Promise<ApplyResult> {
    for (;;) {
      if (ctx.abandoned) throw new Error("abandoned before the write started");
      const current = this.#read(oldIdHash, ctx.nowMs);
      if (current === undefined) return "missing";
      if (current.record.frozen) return "frozen";
      // 1. Claim the old record: frozen, pointing at its successor, readable in the grace window and
      //    kept (even with no grace) until the latest of its own expiry, the grace end and the new
      //    record's expiry (linkKeptUntilMs), as the link a logout with the old id follows.
      //    It keeps its user and its index entry, so a "log out everywhere" that read the index before
      //    step 2 still reaches the session through it.
      const frozen: StoreRecord = {
        ...current.record,
        frozen: true,
        successor: newIdHash,
        readableUntilMs: graceUntilMs,
        expiresAtMs: linkKeptUntilMs(current.record.expiresAtMs, change, graceUntilMs),
      };
      if (!this.#write(oldIdHash, current.version, frozen, ctx.nowMs)) continue;
      // 2. Create the successor.
      const next = applyChangeSet({ ...current.record, frozen: undefined, successor: undefined, readableUntilMs: undefined }, change);
      next.predecessor = oldIdHash;
      this.#index(next.userId, newIdHash, true);
      this.#write(newIdHash, 0, next, ctx.nowMs);
      // 3. A logout that removed the old record between 1 and 2 could not see the successor: undo it.
      const claimed = this.#read(oldIdHash, ctx.nowMs);
      if (claimed === undefined || claimed.record.successor !== newIdHash) {
        await this.destroy(newIdHash, ctx);
        return "missing";
      }
      return "ok";
    }
  }

  async destroy(idHash: string, _ctx: StoreContext): Promise<void> {
    const seen = new Set<string>();
    const queue = [idHash];
    while (queue.length > 0) {
      const id = queue.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const entry = this.#map.get(sessionKey(id));
      if (entry === undefined) continue;
      const record = parse(entry.value);
      if (!this.#map.cas(sessionKey(id), entry.version, undefined)) {
        seen.delete(id);
        queue.push(id); // changed under us: read it again
        continue;
      }
      this.#index(record.userId, id, false);
      for (const link of [record.successor, record.predecessor]) if (link !== undefined) queue.push(link);
    }
  }

  async listForUser(userId: string, ctx: StoreContext): Promise<StoredSessionInfo[]> {
    const entry = this.#map.get(userKey(userId));
    const out: StoredSessionInfo[] = [];
    for (const idHash of entry ? (JSON.parse(entry.value) as string[]) : []) {
      const record = this.#read(idHash, ctx.nowMs)?.record;
      if (record !== undefined && !record.frozen) out.push({ idHash, createdAtMs: record.createdAtMs, expiresAtMs: record.expiresAtMs, userId });
    }
    return out;
  }

  async destroyForUser(userId: string, exceptIdHash: string | undefined, ctx: StoreContext): Promise<number> {
    const entry = this.#map.get(userKey(userId));
    const heads = new Map<string, boolean>();
    for (const idHash of entry ? (JSON.parse(entry.value) as string[]) : []) {
      // Each entry ends its session through its successor chain: an old (frozen) id leads to the current one.
      const head = this.#head(idHash, exceptIdHash);
      if (head === undefined) continue;
      const record = this.#read(head, ctx.nowMs)?.record;
      // Another user's login took the session since (but a successor not written yet is a rotate in flight: ended).
      if (record !== undefined && (record.userId !== userId || record.frozen)) continue;
      heads.set(head, record !== undefined || (idHash !== head && this.#map.get(sessionKey(head)) === undefined));
    }
    let ended = 0;
    for (const [head, live] of heads) {
      const at = this.#map.get(sessionKey(head));
      // A rotate in flight (its successor not written yet) is ended through the old record.
      await this.destroy(at === undefined ? this.#predecessorOf(head, entry) ?? head : head, ctx);
      if (live) ended++;
    }
    return ended;
  }

  /** The last id of `idHash`'s successor chain, or undefined when the chain reaches `exceptIdHash` (that session is spared whole). */
  #head(idHash: string, exceptIdHash: string | undefined): string | undefined {
    let id = idHash;
    for (let hop = 0; hop < 64; hop++) {
      if (id === exceptIdHash) return undefined;
      const entry = this.#map.get(sessionKey(id));
      const successor = entry === undefined ? undefined : parse(entry.value).successor;
      if (successor === undefined) return id;
      id = successor;
    }
    return id;
  }

  /** The indexed id whose record names `idHash` as its successor. */
  #predecessorOf(idHash: string, entry: { value: string } | undefined): string | undefined {
    for (const id of entry ? (JSON.parse(entry.value) as string[]) : []) {
      const at = this.#map.get(sessionKey(id));
      if (at !== undefined && parse(at.value).successor === idHash) return id;
    }
    return undefined;
  }
}
