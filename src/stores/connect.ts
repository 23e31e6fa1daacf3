/**
 * `sessionkit/stores/connect`: any express-session (connect) store —
 * connect-redis, memorystore, connect-mongo, … — as a sessionkit store, so
 * an app can move to sessionkit without moving its session storage first.
 */
import { ConfigError } from "../core/errors.js";
import { applyChangeSet, linkKeptUntilMs, type ApplyResult, type ChangeSet, type Store, type StoreContext, type StoreRecord, type StoredSessionInfo } from "../core/store.js";
import { WriteAbandonedError } from "./shared/abandoned.js";
import { refuseRemovedOptions } from "./shared/options.js";
import { callbackCall } from "./connect/callbacks.js";
import { allRecords, fromSession, toInfo, toSession } from "./connect/mapping.js";
import { KeyedQueue } from "./shared/keyed-queue.js";

export { ConnectCallTimeoutError } from "./connect/callbacks.js";
export { WriteAbandonedError } from "./shared/abandoned.js";
export { NAMESPACE, type ConnectSessionData } from "./connect/mapping.js";

type Callback = (err?: unknown, result?: unknown) => void;

/** The state of one {@link ConnectStore} destroy walk: live sessions ended, ids visited, the id it never crosses, core's time. */
interface EndWalk {
  live: number;
  readonly seen: Set<string>;
  readonly stopAt: string | undefined;
  readonly nowMs: number;
}

/** What one queue slot of a destroy walk found and did. */
type EndStep = { kind: "gone" } | { kind: "kept" } | { kind: "frozen"; successor: string } | { kind: "ended"; record: StoreRecord };

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
 *   is never rewritten, `create` never overwrites, and `rotate` (read the
 *   old record, write the new one, freeze the old one) runs in the old id's
 *   queue slot, so a destroy queued behind it follows the link it leaves.
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
  readonly #queue = new KeyedQueue();

  /** Present when the wrapped store has `all()`; scans every session. */
  readonly listForUser?: (userId: string, ctx: StoreContext) => Promise<StoredSessionInfo[]>;
  /** Present when the wrapped store has `all()`; scans every session. */
  readonly destroyForUser?: (userId: string, exceptIdHash: string | undefined, ctx: StoreContext) => Promise<number>;
  /** Present when the wrapped store has `all()`. */
  readonly list?: (options: { nowMs: number; limit?: number; userId?: string }) => Promise<StoredSessionInfo[]>;

  constructor(options: ConnectStoreOptions) {
    const store = options?.store;
    if (store === null || typeof store !== "object" || typeof store.get !== "function" || typeof store.set !== "function" || typeof store.destroy !== "function") {
      throw new ConfigError("store", "pass an express-session store (with get, set and destroy), such as new RedisStore({ client }) from connect-redis.");
    }
    const timeoutMs = options.callTimeoutMs ?? 5000;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) throw new ConfigError("callTimeoutMs", "use a whole number of milliseconds ≥ 1.");
    refuseRemovedOptions(options);
    this.name = options.name ?? "connect";
    this.#store = store;
    this.#timeoutMs = timeoutMs;
    if (typeof store.all === "function") {
      this.listForUser = (userId, ctx) => this.#listForUser(userId, ctx.nowMs);
      this.destroyForUser = (userId, exceptIdHash, ctx) => this.#destroyForUser(userId, exceptIdHash, ctx.nowMs);
      this.list = (opts) => this.#list(opts);
    }
  }

  /**
   * Read a record; `undefined` when there is none, it has expired at
   * `ctx.nowMs`, or the stored session is not one of ours.
   *
   * @example
   * const record = await store.load(idHash, storeContext());
   */
  async load(idHash: string, ctx: StoreContext): Promise<StoreRecord | undefined> {
    return this.#live(await this.#call("get", [idHash]), ctx.nowMs);
  }

  /**
   * Write a new record unless a live one exists (checked and written in this process's per-session queue).
   *
   * @example
   * const created = await store.create(idHash, record, storeContext());
   */
  async create(idHash: string, record: StoreRecord, ctx: StoreContext): Promise<boolean> {
    return this.#queue.run(idHash, async () => {
      this.#checkNotAbandoned(ctx);
      if (this.#live(await this.#call("get", [idHash]), ctx.nowMs) !== undefined) return false;
      const { successor: _s, predecessor: _p, ...plain } = record;
      await this.#call("set", [idHash, toSession(plain, ctx.nowMs)]);
      return true;
    });
  }

  /**
   * Read, merge the change-set, write — one at a time per session in this process.
   *
   * @example
   * await store.apply(idHash, { set: { n: "2" }, delete: [] }, storeContext()); // "ok" | "missing" | "frozen"
   */
  async apply(idHash: string, change: ChangeSet, ctx: StoreContext): Promise<ApplyResult> {
    return this.#queue.run(idHash, async () => {
      this.#checkNotAbandoned(ctx);
      const current = this.#live(await this.#call("get", [idHash]), ctx.nowMs);
      if (current === undefined) return "missing";
      if (current.frozen === true) return "frozen";
      await this.#call("set", [idHash, toSession(applyChangeSet(current, change), ctx.nowMs)]);
      return "ok";
    });
  }

  /**
   * Move the expiry of a live, unfrozen record. The expiry lives inside the
   * record, so this rewrites it from a copy read in the same queue slot (the
   * wrapped `touch` only moves the store's TTL, not our `expiresAtMs`).
   *
   * @example
   * await store.touch(idHash, Date.now() + 3_600_000, storeContext());
   */
  async touch(idHash: string, expiresAtMs: number, ctx: StoreContext): Promise<boolean> {
    return this.#queue.run(idHash, async () => {
      this.#checkNotAbandoned(ctx);
      const current = this.#live(await this.#call("get", [idHash]), ctx.nowMs);
      if (current === undefined || current.frozen === true) return false;
      await this.#call("set", [idHash, toSession({ ...current, expiresAtMs }, ctx.nowMs)]);
      return true;
    });
  }

  /**
   * Give a session a new id, in the old id's queue slot: read the old record,
   * write the new one, then freeze the old one (kept as the link a logout follows). Atomic only
   * within this process; see the class notes for what other processes can do.
   *
   * @example
   * await store.rotate(oldIdHash, newIdHash, { set: {}, delete: [] }, Date.now() + 10_000, storeContext());
   */
  async rotate(oldIdHash: string, newIdHash: string, change: ChangeSet, graceUntilMs: number, ctx: StoreContext): Promise<ApplyResult> {
    return this.#queue.run(oldIdHash, async (): Promise<ApplyResult> => {
      this.#checkNotAbandoned(ctx);
      const old = this.#live(await this.#call("get", [oldIdHash]), ctx.nowMs);
      if (old === undefined) return "missing";
      if (old.frozen === true) return "frozen";
      const applied = applyChangeSet(old, change);
      const next: StoreRecord = { data: applied.data, createdAtMs: applied.createdAtMs, expiresAtMs: applied.expiresAtMs, userId: applied.userId, predecessor: oldIdHash };
      // The new id is fresh and unknown until this returns, so its own queue is not needed.
      await this.#call("set", [newIdHash, toSession(next, ctx.nowMs)]);
      // The frozen old record keeps its user: a "log out everywhere" whose scan of all() came before
      // the new record still meets the session through it, and follows its successor link.
      const expiresAtMs = linkKeptUntilMs(old.expiresAtMs, change, graceUntilMs);
      await this.#call("set", [oldIdHash, toSession({ ...old, frozen: true, successor: newIdHash, readableUntilMs: graceUntilMs, expiresAtMs }, ctx.nowMs)]);
      return "ok";
    });
  }

  /**
   * Remove a record and every record linked to it by a regenerate, each in
   * its own queue slot, so no write of this process queued before it can
   * bring one back.
   *
   * @example
   * await store.destroy(idHash, storeContext());
   */
  async destroy(idHash: string, ctx: StoreContext): Promise<void> {
    await this.#destroyLinked(idHash, undefined, ctx.nowMs);
  }

  async #listForUser(userId: string, nowMs: number): Promise<StoredSessionInfo[]> {
    return (await this.#all())
      .filter(([, r]) => r.userId === userId && r.expiresAtMs > nowMs && r.frozen !== true)
      .map(([sid, r]) => toInfo(sid, r))
      .sort((a, b) => a.createdAtMs - b.createdAtMs || (a.idHash < b.idHash ? -1 : 1));
  }

  /**
   * The scan of `all()` may come before a racing rotate wrote its new id: the
   * frozen old record keeps its user, so the session is met through it and
   * ended along its successor chain (the rotate runs in the old id's queue
   * slot, so a frozen record's successor is always written). Each session
   * counts once: the records a chain ended are gone when the scan reaches them.
   * Whose a record is gets decided in the queue slot that destroys it (see #end).
   */
  async #destroyForUser(userId: string, exceptIdHash: string | undefined, nowMs: number): Promise<number> {
    let removed = 0;
    for (const [sid, r] of await this.#all()) {
      if (r.userId !== userId || sid === exceptIdHash) continue;
      removed += await this.#destroyLinked(sid, exceptIdHash, nowMs, userId);
    }
    return removed;
  }

  async #list(options: { nowMs: number; limit?: number; userId?: string }): Promise<StoredSessionInfo[]> {
    return (await this.#all())
      .filter(([, r]) => r.expiresAtMs > options.nowMs && r.frozen !== true && (options.userId === undefined || r.userId === options.userId))
      .map(([sid, r]) => toInfo(sid, r))
      .slice(0, options.limit);
  }

  /**
   * Remove `idHash` and its links transitively, never `stopAt`; resolves how
   * many live, unfrozen sessions went. With `owner`, only the session
   * `idHash` leads to while it carries that user (see #end).
   */
  async #destroyLinked(idHash: string, stopAt: string | undefined, nowMs: number, owner?: string): Promise<number> {
    const walk: EndWalk = { live: 0, seen: new Set(), stopAt, nowMs };
    await this.#end(idHash, owner, walk);
    return walk.live;
  }

  /**
   * One step of {@link ConnectStore.#destroyLinked}: end `sid`, then the ids
   * linked to it; resolves false when the session `sid` leads to was left
   * alone (`stopAt`, or it does not carry `owner`). What a record is gets
   * decided in the same queue slot that destroys it, so no rotate or write
   * of this process comes between. With `owner`, a frozen record (an old id)
   * is not the user's by its own user, which it keeps: its session is the
   * one its successor chain leads to. So the successor is decided and ended
   * first (it carries the user: ended; another user, or none: a login that
   * finished first took the session, left alone), and the frozen record
   * goes only after it, in a slot of its own; a frozen record is never
   * rewritten, so what it said still holds then.
   */
  async #end(sid: string, owner: string | undefined, walk: EndWalk): Promise<boolean> {
    if (sid === walk.stopAt) return false;
    if (walk.seen.has(sid)) return true;
    walk.seen.add(sid);
    let step = await this.#queue.run(sid, async (): Promise<EndStep> => {
      const current = fromSession(await this.#call("get", [sid]));
      if (current === undefined) return { kind: "gone" };
      if (owner !== undefined && current.frozen === true && current.successor !== undefined) return { kind: "frozen", successor: current.successor };
      if (owner !== undefined && current.userId !== owner) return { kind: "kept" };
      await this.#call("destroy", [sid]);
      return { kind: "ended", record: current };
    });
    if (step.kind === "frozen") {
      if (!(await this.#end(step.successor, owner, walk))) return false;
      // Its session is ended: the old id goes too, whoever it named, and the ids before it.
      step = await this.#queue.run(sid, async (): Promise<EndStep> => {
        const current = fromSession(await this.#call("get", [sid]));
        if (current === undefined) return { kind: "gone" };
        await this.#call("destroy", [sid]);
        return { kind: "ended", record: current };
      });
    }
    if (step.kind === "kept") return false;
    if (step.kind !== "ended") return true;
    const { record } = step;
    if (record.expiresAtMs > walk.nowMs && record.frozen !== true) walk.live += 1;
    if (record.successor !== undefined) await this.#end(record.successor, owner, walk);
    if (record.predecessor !== undefined) await this.#end(record.predecessor, undefined, walk);
    return true;
  }

  /**
   * Writes wait in a per-session queue: one whose caller gave up meanwhile
   * (core's deadline passed, the app was told it failed) is dropped when its
   * turn comes. One already running is not undone: the wrapped API has no
   * way to (core's error says it may have been applied).
   */
  #checkNotAbandoned(ctx: StoreContext): void {
    if (ctx.abandoned) throw new WriteAbandonedError(this.name);
  }

  async #all(): Promise<Array<[string, StoreRecord]>> {
    return allRecords(await this.#call("all", []));
  }

  #live(sess: unknown, nowMs: number): StoreRecord | undefined {
    const record = fromSession(sess);
    return record !== undefined && record.expiresAtMs > nowMs ? record : undefined;
  }

  #call(method: "get" | "set" | "destroy" | "all", args: unknown[]): Promise<unknown> {
    const fn = this.#store[method] as ((...a: never[]) => unknown) | undefined;
    if (typeof fn !== "function") return Promise.reject(new TypeError(`the wrapped store has no ${method}()`));
    return callbackCall(this.#store, fn, method, args, this.#timeoutMs);
  }
}
