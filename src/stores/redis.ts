/**
 * `sessionkit/stores/redis`: sessions in Redis (or Redis Cluster), through a
 * node-redis v5 or ioredis client the app created and connected.
 *
 * One hash per session under `prefix + idHash`; every operation on a session
 * is one Lua script on that one key, so it is one round trip and atomic.
 * Expiry is the key's Redis TTL (from {@link ttlSecondsUntil} and core's
 * clock), and the scripts also compare the stored `expiresAtMs` with core's
 * `ctx.nowMs`, so a record is dead at its expiry to the millisecond.
 *
 * `rotate` touches two session keys, which live in different hash slots on a
 * cluster, so it is two scripts, each atomic: the first freezes the old
 * record (kept as a link until the latest of its expiry, the grace window
 * and the new record's expiry) and returns its fields, a snapshot no later write
 * can change; the second creates the new record from it, unless a destroy
 * that followed the old record's successor link left a tombstone there
 * first. Exactly one of many concurrent rotates wins the first step, and a
 * destroy racing a rotate never leaves a live successor behind. A "log out
 * everywhere" that meets a frozen old id ends its successor first (one
 * script on that key decides: the user's, or nothing yet, is ended; another
 * user's is left alone) and deletes the old id only after it.
 *
 * The user index (for "log out everywhere") is in redis/user-index.ts.
 */
import { ConfigError } from "../core/errors.js";
import { ttlSecondsUntil, type ApplyResult, type ChangeSet, type Store, type StoreContext, type StoredSessionInfo, type StoreRecord } from "../core/store.js";
import { batchSize, refuseRemovedOptions } from "./shared/options.js";
import { scriptRunner, type IoRedisLike, type NodeRedisLike, type ScriptRunner } from "./redis/client.js";
import { asArray, fromFields, toFields } from "./redis/fields.js";
import { SCRIPTS } from "./redis/scripts.js";
import { UserIndex, type SessionAccess } from "./redis/user-index.js";

export { type IoRedisLike, type NodeRedisLike } from "./redis/client.js";
export { redisErrorCode } from "./shared/redis-error.js";

/**
 * How long a tombstone lives, in seconds: far longer than the gap between a
 * rotate's two steps (one round trip), so a destroy that left one is never
 * outrun by the rotate it races.
 */
const TOMBSTONE_SECONDS = 600;

/** The state of one {@link RedisStore} destroy walk: live sessions ended, ids visited, the id it never crosses, core's time. */
interface EndWalk {
  live: number;
  readonly seen: Set<string>;
  readonly stopAt: string | undefined;
  readonly nowMs: number;
}

/**
 * Options of {@link RedisStore}.
 *
 * @example
 * const options: RedisStoreOptions = { client: await createClient().connect(), prefix: "myapp:sess:" };
 */
export interface RedisStoreOptions {
  /** A connected node-redis v5 client or cluster (`createClient`, `createCluster`), or an ioredis `Redis`/`Cluster`. Never closed by the store. */
  client: NodeRedisLike | IoRedisLike | object;
  /** Prefix of session keys (default `sk:sess:`). */
  prefix?: string;
  /** Prefix of user index keys (default `sk:user:`). */
  userPrefix?: string;
  /** How old an index entry must be before a reader may drop it as stale, in ms (default 60,000; far above any store timeout). */
  userIndexGraceMs?: number;
  /** How many index entries one step of `listForUser`/`destroyForUser` reads and handles (ZSCAN's COUNT; default 1000). */
  userBatchSize?: number;
}

/**
 * A {@link Store} on Redis or Redis Cluster.
 *
 * @example
 * import { createClient } from "redis";
 * import { RedisStore } from "sessionkit/stores/redis";
 * const client = await createClient({ url: process.env.REDIS_URL }).connect();
 * const sessions = createSessions({ secret, store: new RedisStore({ client }) });
 */
export class RedisStore implements Store {
  readonly name = "redis";
  readonly #redis: ScriptRunner;
  readonly #prefix: string;
  readonly #users: UserIndex;
  readonly #access: SessionAccess;

  constructor(options: RedisStoreOptions) {
    const runner = scriptRunner(options?.client);
    if (!runner) {
      throw new ConfigError("client", "pass a connected node-redis v5 client (createClient/createCluster from \"redis\") or an ioredis client.");
    }
    refuseRemovedOptions(options, {
      maxSessionsPerUser: "listForUser and destroyForUser now reach every session of a user, batch by batch (userBatchSize); remove it.",
    });
    this.#redis = runner;
    this.#prefix = options.prefix ?? "sk:sess:";
    const userPrefix = options.userPrefix ?? "sk:user:";
    if (typeof this.#prefix !== "string" || typeof userPrefix !== "string" || this.#prefix === userPrefix) {
      throw new ConfigError("prefix", "use two different strings for `prefix` and `userPrefix`.");
    }
    const graceMs = options.userIndexGraceMs ?? 60_000;
    if (!Number.isSafeInteger(graceMs) || graceMs < 0) throw new ConfigError("userIndexGraceMs", "use a whole number of milliseconds ≥ 0.");
    this.#users = new UserIndex(runner, userPrefix, graceMs, batchSize(options.userBatchSize, 1000, "userBatchSize"));
    this.#access = {
      key: (idHash) => this.#key(idHash),
      destroyOwned: async (idHash, userId, stopAt, nowMs) => (await this.#destroyLinked(idHash, userId, stopAt, nowMs)) > 0,
    };
  }

  async load(idHash: string, ctx: StoreContext): Promise<StoreRecord | undefined> {
    const record = fromFields(asArray(await this.#redis.run(SCRIPTS.load, [this.#key(idHash)], [])));
    return record !== undefined && record.expiresAtMs > ctx.nowMs ? record : undefined;
  }

  async create(idHash: string, record: StoreRecord, ctx: StoreContext): Promise<boolean> {
    const ttl = ttlSecondsUntil(record.expiresAtMs, ctx.nowMs);
    const { successor: _s, predecessor: _p, ...plain } = record;
    if (plain.userId !== undefined && plain.frozen !== true) await this.#users.add(plain.userId, idHash, ctx.nowMs, ttl);
    const args = [String(ctx.nowMs), String(ttl), ...toFields(plain)];
    return Number(await this.#redis.run(SCRIPTS.create, [this.#key(idHash)], args)) === 1;
  }

  async apply(idHash: string, change: ChangeSet, ctx: StoreContext): Promise<ApplyResult> {
    const ttl = change.expiresAtMs === undefined ? 1 : ttlSecondsUntil(change.expiresAtMs, ctx.nowMs);
    // Index first: the index may list a session that does not carry the
    // user (dropped later by readers), never the reverse.
    if (typeof change.userId === "string") await this.#users.add(change.userId, idHash, ctx.nowMs, ttl);
    const userMode = change.userId === undefined ? "" : change.userId === null ? "-" : "=";
    const args = [
      String(ctx.nowMs),
      String(ttl),
      change.clear ? "1" : "0",
      change.expiresAtMs === undefined ? "" : String(change.expiresAtMs),
      userMode,
      typeof change.userId === "string" ? change.userId : "",
      "",
      String(change.delete.length),
      ...change.delete.map((key) => `d:${key}`),
    ];
    for (const key of Object.keys(change.set)) args.push(`d:${key}`, change.set[key]!);
    const reply = asArray(await this.#redis.run(SCRIPTS.apply, [this.#key(idHash)], args));
    const status = String(reply[0]);
    if (status !== "ok") return status === "frozen" ? "frozen" : "missing";
    // A longer expiry must keep the user's index alive as long as the session.
    const userId = reply[1];
    if (typeof userId === "string" && change.expiresAtMs !== undefined && userId !== change.userId) {
      await this.#users.add(userId, idHash, ctx.nowMs, ttl);
    }
    return "ok";
  }

  async touch(idHash: string, expiresAtMs: number, ctx: StoreContext): Promise<boolean> {
    const ttl = ttlSecondsUntil(expiresAtMs, ctx.nowMs);
    const reply = asArray(await this.#redis.run(SCRIPTS.touch, [this.#key(idHash)], [String(ctx.nowMs), String(expiresAtMs), String(ttl)]));
    if (Number(reply[0]) !== 1) return false;
    if (typeof reply[1] === "string") await this.#users.add(reply[1], idHash, ctx.nowMs, ttl);
    return true;
  }

  async rotate(oldIdHash: string, newIdHash: string, change: ChangeSet, graceUntilMs: number, ctx: StoreContext): Promise<ApplyResult> {
    const nextExpiry = change.expiresAtMs === undefined ? "" : String(change.expiresAtMs);
    const frozen = asArray(await this.#redis.run(SCRIPTS.freeze, [this.#key(oldIdHash)], [String(ctx.nowMs), newIdHash, String(graceUntilMs), nextExpiry]));
    if (String(frozen[0]) !== "ok") return String(frozen[0]) === "frozen" ? "frozen" : "missing";
    const old = fromFields(asArray(frozen[1]))!;
    const data = Object.create(null) as Record<string, string>;
    if (change.clear !== true) for (const key of Object.keys(old.data)) data[key] = old.data[key]!;
    for (const key of change.delete) delete data[key];
    for (const key of Object.keys(change.set)) data[key] = change.set[key]!;
    const next: StoreRecord = {
      data,
      createdAtMs: change.createdAtMs ?? old.createdAtMs,
      expiresAtMs: change.expiresAtMs ?? old.expiresAtMs,
      userId: change.userId === undefined ? old.userId : change.userId ?? undefined,
      predecessor: oldIdHash,
    };
    const ttl = ttlSecondsUntil(next.expiresAtMs, ctx.nowMs);
    if (next.userId !== undefined) await this.#users.add(next.userId, newIdHash, ctx.nowMs, ttl);
    const created = Number(await this.#redis.run(SCRIPTS.createRotated, [this.#key(newIdHash)], [String(ttl), ...toFields(next)])) === 1;
    // The frozen old record keeps its index entry: a "log out everywhere"
    // that read the index before the new entry was added reaches the session
    // through it (it follows the successor link, or leaves the tombstone
    // that refuses the new record above). Readers drop it once it expires.
    if (!created && next.userId !== undefined) await this.#users.remove(next.userId, newIdHash);
    // Not created: a destroy reached the new id through the frozen record's link first. The logout won.
    return created ? "ok" : "missing";
  }

  async destroy(idHash: string, ctx: StoreContext): Promise<void> {
    await this.#destroyLinked(idHash, undefined, undefined, ctx.nowMs);
  }

  async listForUser(userId: string, ctx: StoreContext): Promise<StoredSessionInfo[]> {
    return this.#users.list(userId, this.#access, ctx.nowMs, ctx.progress);
  }

  async destroyForUser(userId: string, exceptIdHash: string | undefined, ctx: StoreContext): Promise<number> {
    return this.#users.destroyAll(userId, exceptIdHash, this.#access, ctx.nowMs, ctx.progress);
  }

  /**
   * Destroy `idHash` (only if it carries `ownerId`, when given) and every id
   * linked to it, transitively, never `stopAt`; resolves how many live
   * sessions went.
   */
  async #destroyLinked(idHash: string, ownerId: string | undefined, stopAt: string | undefined, nowMs: number): Promise<number> {
    const walk = { live: 0, seen: new Set<string>(), stopAt, nowMs };
    await this.#end(idHash, ownerId, false, walk);
    return walk.live;
  }

  /**
   * One step of {@link RedisStore.#destroyLinked}: end `id`, then the ids
   * linked to it; resolves false when the session `id` leads to was left
   * alone (`stopAt`, or it does not carry `ownerId`). Following a successor
   * link to an empty key leaves a tombstone there, so a rotate still between
   * its two steps cannot create it: that session counts as ended. With
   * `ownerId`, a frozen record (an old id) is not this user's by its own
   * `m:u`, which it keeps: its session is the one its successor chain leads
   * to. So the successor is ended first, in one script that decides on that
   * key alone (the new record carries the user: ended; nothing there yet: a
   * tombstone ends the rotate on its way; another user, or none: a login
   * that finished first took the session, left alone), and the frozen record
   * goes only after its successor went. A frozen record is never rewritten,
   * so what it said when kept still holds when it is deleted.
   */
  async #end(id: string, ownerId: string | undefined, tombstone: boolean, walk: EndWalk): Promise<boolean> {
    if (id === walk.stopAt) return false;
    if (walk.seen.has(id)) return true;
    walk.seen.add(id);
    const hold = ownerId === undefined ? "0" : "1";
    const args = [String(walk.nowMs), tombstone ? String(TOMBSTONE_SECONDS) : "0", ownerId ?? "", String(TOMBSTONE_SECONDS), hold];
    const [what, userId, successor, predecessor, deleted] = asArray(await this.#redis.run(SCRIPTS.destroy, [this.#key(id)], args));
    if (Number(what) === 3) {
      if (!(await this.#end(String(successor), ownerId, true, walk))) return false;
      // The session it led to is ended: the old id goes too, and the ids before it.
      walk.seen.delete(id);
      return this.#end(id, undefined, false, walk);
    }
    // 2: a rotate of this session was on its way to this id; the tombstone ends it.
    if (Number(what) === 1 || Number(what) === 2) walk.live += 1;
    if (Number(deleted) !== 1) return Number(what) !== 4;
    // The record is gone for good (ids are never reused), so its index entry can go at once.
    if (typeof userId === "string") await this.#users.remove(userId, id);
    if (typeof successor === "string") await this.#end(successor, ownerId, true, walk);
    if (typeof predecessor === "string") await this.#end(predecessor, undefined, false, walk);
    return true;
  }

  #key(idHash: string): string {
    return this.#prefix + idHash;
  }
}
