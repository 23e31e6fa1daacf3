/**
 * `sessionkit/stores/redis`: sessions in Redis (or Redis Cluster), through a
 * node-redis v5 or ioredis client the app created and connected.
 *
 * One hash per session under `prefix + idHash`; every operation is one Lua
 * script on that one key, so it is one round trip and atomic. Expiry is the
 * key's Redis TTL, and the scripts also compare the stored `expiresAtMs` with
 * the store's clock so a record is dead at its expiry to the millisecond.
 *
 * The user index (for "log out everywhere") must work on Redis Cluster,
 * where one script cannot touch a session key and a user key living in
 * different hash slots. So it is kept beside the sessions, not inside the
 * same atomic step:
 * - a sorted set per user, `userPrefix + "{" + userId + "}"` (the braces make
 *   it one hash tag), member = idHash, score = when the entry was (re)added;
 * - the entry is added BEFORE the session write that sets the user, so the
 *   index is always a superset of the sessions that carry the user;
 * - readers verify each entry against the session's own `m:u` and expiry,
 *   and drop entries that fail the check, but only those whose score is
 *   older than `userIndexGraceMs`: a fresh entry may belong to a write that
 *   is still on its way, and dropping it would hide a live session;
 * - the set's TTL is kept at least as long as its longest session.
 */
import { ConfigError } from "../core/errors.js";
import type { ApplyResult, ChangeSet, Store, StoredSessionInfo, StoreRecord } from "../core/store.js";
import { scriptRunner, type IoRedisLike, type NodeRedisLike, type ScriptRunner } from "./redis/client.js";
import { SCRIPTS } from "./redis/scripts.js";

export { type IoRedisLike, type NodeRedisLike } from "./redis/client.js";
export { redisErrorCode } from "./shared/redis-error.js";

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
  /** Most sessions listed per user (default 10,000). */
  maxSessionsPerUser?: number;
  /** Clock used to decide expiry, in ms. Pass the same clock as `createSessions({ now })` when you inject one. */
  now?: () => number;
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
  readonly #userPrefix: string;
  readonly #graceMs: number;
  readonly #maxPerUser: number;
  readonly #now: () => number;

  constructor(options: RedisStoreOptions) {
    const runner = scriptRunner(options?.client);
    if (!runner) {
      throw new ConfigError("client", "pass a connected node-redis v5 client (createClient/createCluster from \"redis\") or an ioredis client.");
    }
    this.#redis = runner;
    this.#prefix = options.prefix ?? "sk:sess:";
    this.#userPrefix = options.userPrefix ?? "sk:user:";
    if (typeof this.#prefix !== "string" || typeof this.#userPrefix !== "string" || this.#prefix === this.#userPrefix) {
      throw new ConfigError("prefix", "use two different strings for `prefix` and `userPrefix`.");
    }
    this.#graceMs = options.userIndexGraceMs ?? 60_000;
    this.#maxPerUser = options.maxSessionsPerUser ?? 10_000;
    if (!Number.isSafeInteger(this.#graceMs) || this.#graceMs < 0) throw new ConfigError("userIndexGraceMs", "use a whole number of milliseconds ≥ 0.");
    if (!Number.isSafeInteger(this.#maxPerUser) || this.#maxPerUser < 1) throw new ConfigError("maxSessionsPerUser", "use a whole number ≥ 1.");
    this.#now = options.now ?? Date.now;
  }

  async load(idHash: string): Promise<StoreRecord | undefined> {
    const flat = asArray(await this.#redis.run(SCRIPTS.load, [this.#key(idHash)], []));
    const data = Object.create(null) as Record<string, string>;
    let createdAtMs: number | undefined;
    let expiresAtMs: number | undefined;
    let userId: string | undefined;
    let frozen = false;
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const field = String(flat[i]);
      const value = String(flat[i + 1]);
      if (field.startsWith("d:")) data[field.slice(2)] = value;
      else if (field === "m:c") createdAtMs = Number(value);
      else if (field === "m:e") expiresAtMs = Number(value);
      else if (field === "m:u") userId = value;
      else if (field === "m:f") frozen = true;
    }
    // No metadata: not a record this store wrote (or none at all).
    if (createdAtMs === undefined || expiresAtMs === undefined || !(expiresAtMs > this.#now())) return undefined;
    const out: StoreRecord = { data, createdAtMs, expiresAtMs };
    if (userId !== undefined) out.userId = userId;
    if (frozen) out.frozen = true;
    return out;
  }

  async create(idHash: string, record: StoreRecord, ttlSeconds: number): Promise<boolean> {
    const ttl = wholeSeconds(ttlSeconds);
    if (record.userId !== undefined) await this.#indexUser(record.userId, idHash, ttl);
    const args = [String(this.#now()), String(ttl), "m:c", String(record.createdAtMs), "m:e", String(record.expiresAtMs)];
    if (record.userId !== undefined) args.push("m:u", record.userId);
    if (record.frozen) args.push("m:f", "1");
    for (const key of Object.keys(record.data)) args.push(`d:${key}`, record.data[key]!);
    return Number(await this.#redis.run(SCRIPTS.create, [this.#key(idHash)], args)) === 1;
  }

  async apply(idHash: string, change: ChangeSet, ttlSeconds: number): Promise<ApplyResult> {
    const ttl = wholeSeconds(ttlSeconds);
    // Index first: the index may list a session that does not carry the
    // user (dropped later by readers), never the reverse.
    if (typeof change.userId === "string") await this.#indexUser(change.userId, idHash, ttl);
    const userMode = change.userId === undefined ? "" : change.userId === null ? "-" : "=";
    const args = [
      String(this.#now()),
      String(ttl),
      change.clear ? "1" : "0",
      change.expiresAtMs === undefined ? "" : String(change.expiresAtMs),
      userMode,
      typeof change.userId === "string" ? change.userId : "",
      change.frozen ? "1" : "",
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
      await this.#indexUser(userId, idHash, ttl);
    }
    return "ok";
  }

  async touch(idHash: string, expiresAtMs: number, ttlSeconds: number): Promise<boolean> {
    const ttl = wholeSeconds(ttlSeconds);
    const reply = asArray(
      await this.#redis.run(SCRIPTS.touch, [this.#key(idHash)], [String(this.#now()), String(expiresAtMs), String(ttl)]),
    );
    if (Number(reply[0]) !== 1) return false;
    if (typeof reply[1] === "string") await this.#indexUser(reply[1], idHash, ttl);
    return true;
  }

  async destroy(idHash: string): Promise<void> {
    await this.#destroy(idHash);
  }

  async listForUser(userId: string): Promise<StoredSessionInfo[]> {
    const userKey = this.#userKey(userId);
    const flat = asArray(await this.#redis.run(SCRIPTS.userList, [userKey], [String(this.#maxPerUser)]));
    const nowMs = this.#now();
    const cutoff = nowMs - this.#graceMs;
    const entries: Array<{ idHash: string; score: number }> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) entries.push({ idHash: String(flat[i]), score: Number(flat[i + 1]) });
    // One script per session: they live in different slots on a cluster.
    const metas = await Promise.all(entries.map((e) => this.#redis.run(SCRIPTS.meta, [this.#key(e.idHash)], [])));
    const live: StoredSessionInfo[] = [];
    const stale: string[] = [];
    entries.forEach((entry, i) => {
      const [created, expires, owner] = asArray(metas[i]);
      const expiresAtMs = Number(expires);
      if (owner === userId && expires !== null && expires !== false && expiresAtMs > nowMs) {
        live.push({ idHash: entry.idHash, createdAtMs: Number(created), expiresAtMs, userId });
      } else if (entry.score <= cutoff) {
        stale.push(entry.idHash);
      }
    });
    if (stale.length > 0) await this.#redis.run(SCRIPTS.userRemoveStale, [userKey], [String(cutoff), ...stale]);
    return live;
  }

  async destroyForUser(userId: string, exceptIdHash?: string): Promise<number> {
    const sessions = await this.listForUser(userId);
    const destroyed = await Promise.all(
      sessions.filter((s) => s.idHash !== exceptIdHash).map((s) => this.#destroy(s.idHash)),
    );
    return destroyed.filter(Boolean).length;
  }

  /** Delete the session; resolves whether it was live. */
  async #destroy(idHash: string): Promise<boolean> {
    const reply = asArray(await this.#redis.run(SCRIPTS.destroy, [this.#key(idHash)], [String(this.#now())]));
    // The record is gone for good (ids are never reused), so its index entry
    // can go at once, with no grace.
    if (typeof reply[1] === "string") await this.#redis.run(SCRIPTS.userRemove, [this.#userKey(reply[1])], [idHash]);
    return Number(reply[0]) === 1;
  }

  async #indexUser(userId: string, idHash: string, ttlSeconds: number): Promise<void> {
    const ttlMs = ttlSeconds * 1_000 + this.#graceMs;
    await this.#redis.run(SCRIPTS.userAdd, [this.#userKey(userId)], [idHash, String(this.#now()), String(ttlMs)]);
  }

  #key(idHash: string): string {
    return this.#prefix + idHash;
  }

  #userKey(userId: string): string {
    return `${this.#userPrefix}{${userId}}`;
  }
}

/** Redis EXPIRE takes whole seconds ≥ 1. */
function wholeSeconds(ttlSeconds: number): number {
  return Number.isFinite(ttlSeconds) ? Math.max(1, Math.ceil(ttlSeconds)) : 1;
}

/** Script replies are arrays in RESP2 and RESP3; anything else is treated as empty. */
function asArray(reply: unknown): unknown[] {
  return Array.isArray(reply) ? reply : [];
}
