/**
 * `sessionkit/stores/flask-session`: server-side sessions shared with a Flask
 * app that uses Flask-Session 0.8 with `SESSION_TYPE = "redis"`, through one
 * Redis. Records are exactly Flask-Session's (docs/flask-format.md §10): the key is
 * `SESSION_KEY_PREFIX` + the raw session id, the value is msgspec's msgpack
 * of the whole session dict, the Redis TTL is the session lifetime.
 *
 * What this mode gives up, compared with the other stores:
 * - **raw ids**: Flask-Session keys records by the cookie's id itself, so a
 *   dump of this Redis yields live cookies. The store sets `rawIds`, and core
 *   hands it raw ids. What it hands out is hashed, as every other store's:
 *   `listForUser` gives base64url(SHA-256(id)), never the id, and
 *   `destroyForUser`'s `exceptIdHash`, {@link FlaskSessionRedisStore.loadListed}
 *   and {@link FlaskSessionRedisStore.destroyListed} take that hash.
 * - **value types**: msgspec has no tuple, Markup, UUID or sub-second
 *   datetime; they come back as list, str, str and whole seconds, as in Flask.
 * - **metadata**: the record has no room for the creation time, the user id
 *   or the frozen flag of a regenerated session, and nothing may be added to
 *   it (Flask-Session would hand it to the app as session data). They live in
 *   a hash beside the record (`metaPrefix`), with the links of a regenerate. A session Flask-Session created,
 *   or one only Flask-Session kept alive past that hash's TTL, has no
 *   creation time: its absolute timeout counts from the moment sessionkit
 *   loads it (so it is never enforced for it), and it is in no user's index.
 */
import { ConfigError } from "../core/errors.js";
import { ttlSecondsUntil, type ApplyResult, type ChangeSet, type Store, type StoreContext, type StoredSessionInfo, type StoreRecord } from "../core/store.js";
import { batchSize, refuseRemovedOptions } from "./shared/options.js";
import { redisErrorCode } from "./shared/redis-error.js";
import { MsgpackDecodeError, decodeMsgpackMapEntries, encodeMsgpack } from "./flask-session/msgpack.js";
import { SCRIPTS, type LuaScript } from "./flask-session/scripts.js";
import { FlaskUserIndex, userArg } from "./flask-session/user-index.js";
import { msgpackToValueText, valueTextToMsgpack } from "./flask-session/values.js";

type RedisArgument = string | Buffer;

/**
 * The part of a node-redis v5 client the store uses (`createClient` from "redis").
 *
 * @example
 * import { createClient } from "redis";
 * const client: FlaskSessionRedisClient = await createClient().connect();
 */
export interface FlaskSessionRedisClient {
  evalSha(sha1: string, options: { keys: string[]; arguments: RedisArgument[] }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: RedisArgument[] }): Promise<unknown>;
  withTypeMapping(mapping: Record<number, unknown>): FlaskSessionRedisClient;
}

/**
 * Options of {@link FlaskSessionRedisStore}.
 *
 * @example
 * const options: FlaskSessionRedisStoreOptions = { client, keyPrefix: "session:" };
 */
export interface FlaskSessionRedisStoreOptions {
  /** A connected node-redis v5 client, on the Redis the Flask app's `SESSION_REDIS` uses. Never closed by the store. */
  client: FlaskSessionRedisClient | object;
  /** Flask-Session's `SESSION_KEY_PREFIX` (default `"session:"`). */
  keyPrefix?: string;
  /** Prefix of sessionkit's metadata keys; must not start with `keyPrefix` (default `"sessionkit:" + keyPrefix`). */
  metaPrefix?: string;
  /** How many members of a user's set one step of `listForUser`/`destroyForUser` handles (SSCAN's COUNT; default 1000). */
  userBatchSize?: number;
}

// RESP_TYPES.BLOB_STRING of node-redis, as a number so that this file never imports the driver.
const BLOB_STRING = 36;

/**
 * A {@link Store} that reads and writes Flask-Session 0.8's Redis records, so
 * a Flask app and a sessionkit app share server-side sessions both ways.
 * Needs Redis ≥ 7.0 (PEXPIRETIME) on a single node, as Flask-Session uses.
 *
 * @example
 * import { createClient } from "redis";
 * import { FlaskSessionRedisStore } from "sessionkit/stores/flask-session";
 * const client = await createClient({ url: process.env.REDIS_URL }).connect();
 * const sessions = createSessions({
 *   secret, lifetime: "31d",                    // PERMANENT_SESSION_LIFETIME
 *   cookie: { name: "session" },               // SESSION_COOKIE_NAME
 *   store: new FlaskSessionRedisStore({ client, keyPrefix: "session:" }),
 * });
 */
export class FlaskSessionRedisStore implements Store {
  readonly name = "flask-session";
  /** Flask-Session keys records by the raw id: core must not hash it. */
  readonly rawIds = true;
  readonly #client: FlaskSessionRedisClient;
  readonly #prefix: string;
  readonly #metaPrefix: string;
  readonly #userPrefix: string;
  readonly #users: FlaskUserIndex;

  constructor(options: FlaskSessionRedisStoreOptions) {
    const client = options?.client as Partial<FlaskSessionRedisClient> | undefined;
    if (!client || typeof client.evalSha !== "function" || typeof client.withTypeMapping !== "function") {
      throw new ConfigError("client", 'pass a connected node-redis v5 client (createClient from "redis").');
    }
    // Replies as Buffers: a msgpack record is bytes, not UTF-8 text.
    this.#client = (client as FlaskSessionRedisClient).withTypeMapping({ [BLOB_STRING]: Buffer });
    this.#prefix = options.keyPrefix ?? "session:";
    if (typeof this.#prefix !== "string") throw new ConfigError("keyPrefix", "use a string, Flask-Session's SESSION_KEY_PREFIX.");
    const base = options.metaPrefix ?? `sessionkit:${this.#prefix}`;
    // A metadata key under the session prefix would be loadable by Flask-Session as a session.
    if (typeof base !== "string" || base.startsWith(this.#prefix)) {
      throw new ConfigError("metaPrefix", "use a string that does not start with `keyPrefix`, or Flask-Session could read metadata as a session.");
    }
    this.#metaPrefix = `${base}m:`;
    this.#userPrefix = `${base}u:`;
    refuseRemovedOptions(options, {
      maxSessionsPerUser: "listForUser and destroyForUser now reach every session of a user, batch by batch (userBatchSize); remove it.",
    });
    this.#users = new FlaskUserIndex((script, keys, args) => this.#run(script, keys, args), {
      keyPrefix: this.#prefix,
      metaPrefix: this.#metaPrefix,
      userPrefix: this.#userPrefix,
      batchSize: batchSize(options.userBatchSize, 1000, "userBatchSize"),
    });
  }

  async #run(script: LuaScript, keys: string[], args: RedisArgument[]): Promise<unknown> {
    try {
      return await this.#client.evalSha(script.sha1, { keys, arguments: args });
    } catch (error) {
      if (redisErrorCode(error) !== "NOSCRIPT") throw error;
      return this.#client.eval(script.source, { keys, arguments: args });
    }
  }

  #keys(id: string): string[] {
    return [this.#prefix + id, this.#metaPrefix + id];
  }

  async load(id: string, ctx: StoreContext): Promise<StoreRecord | undefined> {
    const reply = await this.#run(SCRIPTS.load, this.#keys(id), []);
    if (!Array.isArray(reply)) return undefined;
    const [bytes, expireTime, c, e, x, u, f, succ, pred, readable] = reply as [Buffer, number, ...Buffer[]];
    const nowMs = ctx.nowMs;
    const meta = (b: Buffer | undefined): string | undefined => (b && b.length > 0 ? b.toString("utf8") : undefined);
    // sessionkit's expiry holds while the key's expiry is still the one it set; else Flask-Session rewrote the record.
    // A frozen link whose record is gone (past its grace window) keeps only its metadata: its own expiry, no data.
    const link = bytes.length === 0 && meta(f) === "1";
    const own = meta(e) !== undefined && ((meta(x) !== undefined && Number(meta(x)) === expireTime) || link);
    const expiresAtMs = own ? Number(meta(e)) : expireTime > 0 ? expireTime : Number.MAX_SAFE_INTEGER;
    if (!(expiresAtMs > nowMs)) return undefined;
    let data: Record<string, string>;
    try {
      data = Object.create(null) as Record<string, string>;
      if (!link) for (const [key, value] of decodeMsgpackMapEntries(bytes)) data[key] = msgpackToValueText(value);
    } catch (error) {
      // Not msgspec msgpack (the JSON format, a pre-0.7 pickle, garbage): a fresh
      // session, never an unpickle (R75 in docs/security-model.md).
      if (error instanceof MsgpackDecodeError) return undefined;
      throw error;
    }
    const createdAtMs = meta(c) !== undefined ? Number(meta(c)) : nowMs;
    const out: StoreRecord = { data, createdAtMs, expiresAtMs };
    const userId = meta(u);
    if (userId !== undefined) out.userId = userId.slice(1);
    if (meta(f) === "1") out.frozen = true;
    const successor = meta(succ);
    const predecessor = meta(pred);
    if (successor !== undefined) out.successor = successor;
    if (predecessor !== undefined) out.predecessor = predecessor;
    if (meta(readable) !== undefined) out.readableUntilMs = Number(meta(readable));
    return out;
  }

  async create(id: string, record: StoreRecord, ctx: StoreContext): Promise<boolean> {
    const body = encodeRecord(record.data);
    const args: RedisArgument[] = [
      body,
      String(ttlSecondsUntil(record.expiresAtMs, ctx.nowMs)),
      String(record.createdAtMs),
      String(record.expiresAtMs),
      userArg(record.userId),
      record.frozen ? "1" : "",
      id,
      this.#userPrefix,
    ];
    return Number(await this.#run(SCRIPTS.create, this.#keys(id), args)) === 1;
  }

  async apply(id: string, change: ChangeSet, ctx: StoreContext): Promise<ApplyResult> {
    const args: RedisArgument[] = [
      String(ctx.nowMs),
      change.expiresAtMs === undefined ? "1" : String(ttlSecondsUntil(change.expiresAtMs, ctx.nowMs)),
      change.expiresAtMs === undefined ? "" : String(change.expiresAtMs),
      change.clear ? "1" : "",
      "",
      change.userId === undefined ? "" : change.userId === null ? "-" : userArg(change.userId),
      id,
      this.#userPrefix,
      ...changeArgs(change),
    ];
    const result = String(await this.#run(SCRIPTS.apply, this.#keys(id), args));
    // A record that is not msgpack is one `load` would not return either: nothing was written.
    if (result === "corrupt") return "missing";
    return result as ApplyResult;
  }

  async touch(id: string, expiresAtMs: number, ctx: StoreContext): Promise<boolean> {
    const args = [String(ctx.nowMs), String(expiresAtMs), String(ttlSecondsUntil(expiresAtMs, ctx.nowMs)), this.#userPrefix];
    return Number(await this.#run(SCRIPTS.touch, this.#keys(id), args)) === 1;
  }

  async rotate(oldId: string, newId: string, change: ChangeSet, graceUntilMs: number, ctx: StoreContext): Promise<ApplyResult> {
    const args: RedisArgument[] = [
      String(ctx.nowMs),
      oldId,
      newId,
      String(graceUntilMs),
      change.createdAtMs === undefined ? "" : String(change.createdAtMs),
      change.expiresAtMs === undefined ? "" : String(change.expiresAtMs),
      change.userId === undefined ? "" : change.userId === null ? "-" : userArg(change.userId),
      change.clear ? "1" : "",
      this.#prefix,
      this.#metaPrefix,
      this.#userPrefix,
      ...changeArgs(change),
    ];
    const result = String(await this.#run(SCRIPTS.rotate, [...this.#keys(oldId), ...this.#keys(newId)], args));
    if (result === "corrupt") return "missing";
    return result as ApplyResult;
  }

  async destroy(id: string, ctx: StoreContext): Promise<void> {
    await this.#run(SCRIPTS.destroy, this.#keys(id), [id, String(ctx.nowMs), this.#prefix, this.#metaPrefix, this.#userPrefix]);
  }

  /** The user's live sessions, each under the SHA-256 of its id (never the id: it is a live cookie). */
  async listForUser(userId: string, ctx: StoreContext): Promise<StoredSessionInfo[]> {
    return this.#users.list(userId, ctx.nowMs, ctx.progress);
  }

  /**
   * End every session of `userId` except one, batch by batch. `exceptIdHash`
   * may be the raw id (what core passes for this store) or the hash a listing
   * gave.
   */
  async destroyForUser(userId: string, exceptIdHash: string | undefined, ctx: StoreContext): Promise<number> {
    return this.#users.destroyAll(userId, exceptIdHash, ctx.nowMs, ctx.progress);
  }

  /**
   * Load the session a listing named by `idHash` (its SHA-256), looked up in
   * `userId`'s index: for operator tools such as the CLI's `sessions show`,
   * which only ever see hashes. Never reachable from a cookie: core calls
   * `load` with the cookie's own id.
   *
   * @example
   * const [first] = await store.listForUser("alice", storeContext());
   * const record = await store.loadListed("alice", first.idHash, storeContext());
   */
  async loadListed(userId: string, idHash: string, ctx: StoreContext): Promise<StoreRecord | undefined> {
    const id = await this.#users.find(userId, idHash, ctx.nowMs);
    return id === undefined ? undefined : this.load(id, ctx);
  }

  /**
   * Destroy the session a listing named by `idHash`, with its linked ids;
   * resolves whether one was found in `userId`'s index.
   *
   * @example
   * await store.destroyListed("alice", idHash, storeContext());
   */
  async destroyListed(userId: string, idHash: string, ctx: StoreContext): Promise<boolean> {
    const id = await this.#users.find(userId, idHash, ctx.nowMs);
    if (id === undefined) return false;
    await this.destroy(id, ctx);
    return true;
  }
}

/** A change-set's keys as the scripts take them: nSet, name/msgpack pairs, nDelete, names. */
function changeArgs(change: ChangeSet): RedisArgument[] {
  const sets = Object.keys(change.set);
  const out: RedisArgument[] = [String(sets.length)];
  for (const key of sets) out.push(key, valueTextToMsgpack(change.set[key]!));
  out.push(String(change.delete.length), ...change.delete);
  return out;
}


/** A whole record: the msgpack map of every value, in core's key order. */
function encodeRecord(data: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  const keys = Object.keys(data);
  parts.push(encodeMapHeader(keys.length));
  for (const key of keys) parts.push(encodeMsgpack(key), valueTextToMsgpack(data[key]!));
  return Buffer.concat(parts);
}

function encodeMapHeader(n: number): Buffer {
  if (n < 16) return Buffer.from([0x80 | n]);
  if (n < 65_536) return Buffer.from([0xde, n >> 8, n & 255]);
  const b = Buffer.alloc(5);
  b[0] = 0xdf;
  b.writeUInt32BE(n, 1);
  return b;
}
