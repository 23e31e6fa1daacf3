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

/** The state of one destroy walk: live sessions ended, ids visited, the id it never crosses, core's time. */
interface EndWalk {
  live: number;
  readonly seen: Set<string>;
  readonly stopAt: string | undefined;
  readonly nowMs: number;
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
    const walk: EndWalk = { live: 0, seen: new Set(), stopAt: exceptIdHash, nowMs: ctx.nowMs };
    for (const idHash of entry ? (JSON.parse(entry.value) as string[]) : []) this.#end(idHash, userId, walk);
    return walk.live;
  }

  /**
   * End `id` and the ids linked to it; false when the session it leads to
   * was left alone (`stopAt`, or it does not carry `owner`). Each decision
   * is made on the version read, and the delete is a compare-and-set on that
   * version: a rotate that claimed the record in between makes it decide
   * again. With `owner`, a frozen record (an old id) is not the user's by its
   * own user, which it keeps: its session is the one its successor chain
   * leads to, so the successor is decided and ended first (another user's,
   * or none: a login that finished first took the session, left alone), and
   * the frozen record goes only after it. A frozen record is never
   * rewritten, so what it said still holds then.
   */
  #end(id: string, ownerId: string | undefined, walk: EndWalk): boolean {
    if (id === walk.stopAt) return false;
    if (walk.seen.has(id)) return true;
    walk.seen.add(id);
    let owner = ownerId;
    for (;;) {
      const entry = this.#map.get(sessionKey(id));
      if (entry === undefined) return true;
      const record = parse(entry.value);
      if (owner !== undefined && record.frozen === true && record.successor !== undefined) {
        if (!this.#end(record.successor, owner, walk)) return false;
        owner = undefined; // its session is ended: the old id goes too, whoever it named
      }
      if (owner !== undefined && record.userId !== owner) return false;
      if (!this.#map.cas(sessionKey(id), entry.version, undefined)) continue; // changed under us: decide again
      this.#index(record.userId, id, false);
      if (record.expiresAtMs > walk.nowMs && record.frozen !== true) walk.live += 1;
      if (record.successor !== undefined) this.#end(record.successor, owner, walk);
      if (record.predecessor !== undefined) this.#end(record.predecessor, undefined, walk);
      return true;
    }
  }
}
