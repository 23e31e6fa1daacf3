/**
 * `sessionkit/stores/connect`: any express-session (connect) store —
 * connect-redis, memorystore, connect-mongo, … — as a sessionkit store, so
 * an app can move to sessionkit without moving its session storage first.
 */
import { ConfigError } from "../core/errors.js";
import { applyChangeSet, type ApplyResult, type ChangeSet, type Store, type StoreRecord, type StoredSessionInfo } from "../core/store.js";
import { callbackCall } from "./connect/callbacks.js";
import { allRecords, fromSession, toInfo, toSession } from "./connect/mapping.js";
import { KeyedQueue } from "./shared/keyed-queue.js";

export { ConnectCallTimeoutError } from "./connect/callbacks.js";
export { NAMESPACE, type ConnectSessionData } from "./connect/mapping.js";

type Callback = (err?: unknown, result?: unknown) => void;

/** The callback API of an express-session store (`express-session`'s `Store`). */
export interface ConnectStoreLike {
  get(sid: string, callback: Callback): unknown;
  set(sid: string, session: object, callback: Callback): unknown;
  destroy(sid: string, callback: Callback): unknown;
  touch?(sid: string, session: object, callback: Callback): unknown;
  all?(callback: Callback): unknown;
}

/** Options of {@link ConnectStore}. */
export interface ConnectStoreOptions {
  /** The express-session store instance to wrap (used as it is; never modified). */
  store: ConnectStoreLike;
  /** Name in errors and events (default `"connect"`). */
  name?: string;
  /** Deadline for each callback of the wrapped store, in ms (default 5000). */
  callTimeoutMs?: number;
  /** Clock used to hide expired records and compute `cookie.maxAge`, in ms. */
  now?: () => number;
}

/**
 * A {@link Store} over an express-session store.
 *
 * Each record is saved as an express-session session object: a `cookie` with
 * `expires` and `maxAge` (from which connect-redis, memorystore and others
 * compute their TTL) and our record under the one property `sessionkit`.
 *
 * What is guaranteed, and what is lost compared with the native stores:
 * - **Inside one process**: every operation on one session runs in a
 *   per-session queue, so change-sets are read-merge-written one at a time:
 *   concurrent requests keep each other's keys, a destroyed or frozen record
 *   is never rewritten, `create` never overwrites.
 * - **Across processes** (several Node processes or machines on one Redis):
 *   the wrapped API has only whole-object `get`/`set`, so two processes
 *   writing the same session at the same moment can lose one's keys (last
 *   write wins), a `destroy` racing another process's write can be undone by
 *   it, and two `create`s of one id could both succeed (harmless with 256-bit
 *   random ids). Use a native store (RedisStore, PostgresStore, …) where that
 *   matters.
 * - `listForUser`/`destroyForUser`/`list` exist only when the wrapped store
 *   has `all()`, and scan every session (O(n)). Expiry is the wrapped store's
 *   TTL; there is no `prune`.
 *
 * @example
 * import { createClient } from "redis";
 * import { RedisStore as ConnectRedis } from "connect-redis";
 * import { ConnectStore } from "sessionkit/stores/connect";
 * const client = await createClient().connect();
 * const store = new ConnectStore({ store: new ConnectRedis({ client, prefix: "myapp:" }) });
 * const sessions = createSessions({ secret, store });
 */
export class ConnectStore implements Store {
  readonly name: string;
  readonly #store: ConnectStoreLike;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #queue = new KeyedQueue();

  /** Present when the wrapped store has `all()`; scans every session. */
  readonly listForUser?: (userId: string) => Promise<StoredSessionInfo[]>;
  /** Present when the wrapped store has `all()`; scans every session. */
  readonly destroyForUser?: (userId: string, exceptIdHash?: string) => Promise<number>;
  /** Present when the wrapped store has `all()`. */
  readonly list?: (options?: { limit?: number; userId?: string }) => Promise<StoredSessionInfo[]>;

  constructor(options: ConnectStoreOptions) {
    const store = options?.store;
    if (store === null || typeof store !== "object" || typeof store.get !== "function" || typeof store.set !== "function" || typeof store.destroy !== "function") {
      throw new ConfigError("store", "pass an express-session store (with get, set and destroy), such as new RedisStore({ client }) from connect-redis.");
    }
    const timeoutMs = options.callTimeoutMs ?? 5000;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) throw new ConfigError("callTimeoutMs", "use a whole number of milliseconds ≥ 1.");
    this.name = options.name ?? "connect";
    this.#store = store;
    this.#timeoutMs = timeoutMs;
    this.#now = options.now ?? Date.now;
    if (typeof store.all === "function") {
      this.listForUser = (userId) => this.#listForUser(userId);
      this.destroyForUser = (userId, exceptIdHash) => this.#destroyForUser(userId, exceptIdHash);
      this.list = (opts) => this.#list(opts);
    }
  }

  /**
   * Read a record; `undefined` when there is none, it has expired, or the
   * stored session is not one of ours.
   *
   * @example
   * const record = await store.load(idHash);
   */
  async load(idHash: string): Promise<StoreRecord | undefined> {
    return this.#live(await this.#call("get", [idHash]));
  }

  /**
   * Write a new record unless a live one exists (checked and written in this process's per-session queue).
   *
   * @example
   * const created = await store.create(idHash, record, 3600);
   */
  async create(idHash: string, record: StoreRecord, _ttlSeconds: number): Promise<boolean> {
    return this.#queue.run(idHash, async () => {
      if (this.#live(await this.#call("get", [idHash])) !== undefined) return false;
      await this.#call("set", [idHash, toSession(record, this.#now())]);
      return true;
    });
  }

  /**
   * Read, merge the change-set, write — one at a time per session in this process.
   *
   * @example
   * await store.apply(idHash, { set: { n: "2" }, delete: [] }, 3600); // "ok" | "missing" | "frozen"
   */
  async apply(idHash: string, change: ChangeSet, _ttlSeconds: number): Promise<ApplyResult> {
    return this.#queue.run(idHash, async () => {
      const current = this.#live(await this.#call("get", [idHash]));
      if (current === undefined) return "missing";
      if (current.frozen === true) return "frozen";
      await this.#call("set", [idHash, toSession(applyChangeSet(current, change), this.#now())]);
      return "ok";
    });
  }

  /**
   * Move the expiry of a live, unfrozen record. The expiry lives inside the
   * record, so this rewrites it from a copy read in the same queue slot (the
   * wrapped `touch` only moves the store's TTL, not our `expiresAtMs`).
   *
   * @example
   * await store.touch(idHash, Date.now() + 3_600_000, 3600);
   */
  async touch(idHash: string, expiresAtMs: number, _ttlSeconds: number): Promise<boolean> {
    return this.#queue.run(idHash, async () => {
      const current = this.#live(await this.#call("get", [idHash]));
      if (current === undefined || current.frozen === true) return false;
      await this.#call("set", [idHash, toSession({ ...current, expiresAtMs }, this.#now())]);
      return true;
    });
  }

  /**
   * Remove a record; in the session's queue, so no write of this process queued before it can bring it back.
   *
   * @example
   * await store.destroy(idHash);
   */
  async destroy(idHash: string): Promise<void> {
    await this.#queue.run(idHash, () => this.#call("destroy", [idHash]));
  }

  async #listForUser(userId: string): Promise<StoredSessionInfo[]> {
    const nowMs = this.#now();
    return (await this.#all())
      .filter(([, r]) => r.userId === userId && r.expiresAtMs > nowMs)
      .map(([sid, r]) => toInfo(sid, r))
      .sort((a, b) => a.createdAtMs - b.createdAtMs || (a.idHash < b.idHash ? -1 : 1));
  }

  async #destroyForUser(userId: string, exceptIdHash?: string): Promise<number> {
    let removed = 0;
    for (const [sid, r] of await this.#all()) {
      if (r.userId !== userId || sid === exceptIdHash) continue;
      // Re-checked in the queue: the record may have changed user since the scan.
      const gone = await this.#queue.run(sid, async () => {
        if (fromSession(await this.#call("get", [sid]))?.userId !== userId) return false;
        await this.#call("destroy", [sid]);
        return true;
      });
      if (gone) removed += 1;
    }
    return removed;
  }

  async #list(options: { limit?: number; userId?: string } = {}): Promise<StoredSessionInfo[]> {
    return (await this.#all())
      .filter(([, r]) => options.userId === undefined || r.userId === options.userId)
      .map(([sid, r]) => toInfo(sid, r))
      .slice(0, options.limit ?? 1000);
  }

  async #all(): Promise<Array<[string, StoreRecord]>> {
    return allRecords(await this.#call("all", []));
  }

  #live(sess: unknown): StoreRecord | undefined {
    const record = fromSession(sess);
    return record !== undefined && record.expiresAtMs > this.#now() ? record : undefined;
  }

  #call(method: "get" | "set" | "destroy" | "all", args: unknown[]): Promise<unknown> {
    const fn = this.#store[method] as ((...a: never[]) => unknown) | undefined;
    if (typeof fn !== "function") return Promise.reject(new TypeError(`the wrapped store has no ${method}()`));
    return callbackCall(this.#store, fn, method, args, this.#timeoutMs);
  }
}
