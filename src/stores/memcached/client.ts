/**
 * The Memcached commands the store uses, over an injected client
 * (memcache-client's `MemcacheClient`): `gets` and compare-and-set (`cas`),
 * `add`, with each reply turned into an outcome the store branches on.
 *
 * memcache-client rejects a NOT_STORED, EXISTS or NOT_FOUND reply with an
 * error carrying the reply's words as `cmdTokens`; the store reads the first
 * token (the protocol's reply code), never an error message.
 */
import { MemcachedStoreError } from "./errors.js";

/**
 * The part of a memcache-client `MemcacheClient` the store uses.
 *
 * @example
 * import { MemcacheClient } from "memcache-client";
 * const client: MemcachedClientLike = new MemcacheClient({ server: "127.0.0.1:11211" });
 */
export interface MemcachedClientLike {
  gets(key: string | string[]): Promise<unknown>;
  add(key: string, value: string, options: { lifetime: number }): Promise<unknown>;
  cas(key: string, value: string, options: { casUniq: string | number; lifetime: number }): Promise<unknown>;
}

/** A value read with its compare-and-set token. */
export interface Versioned {
  value: string;
  casUniq: string | number;
}

/** Memcached reads an expiry above 30 days as a Unix time, not a number of seconds. */
const MAX_RELATIVE_SECONDS = 60 * 60 * 24 * 30;

/**
 * The exptime to store a value under until `expiresAtMs`: seconds from now
 * (rounded up, ≥ 1) up to 30 days, else the Unix time itself (the server's
 * clock then decides, so keep it in sync with the app's).
 *
 * @example
 * exptime(nowMs + 1_500, nowMs); // 2
 */
export function exptime(expiresAtMs: number, nowMs: number): number {
  const seconds = Math.max(1, Math.ceil((expiresAtMs - nowMs) / 1000));
  return seconds <= MAX_RELATIVE_SECONDS ? seconds : Math.ceil(expiresAtMs / 1000);
}

/** The protocol reply word of a rejected command, if the client gave one. */
function replyOf(error: unknown): string | undefined {
  const tokens = (error as { cmdTokens?: unknown } | null)?.cmdTokens;
  return Array.isArray(tokens) && typeof tokens[0] === "string" ? tokens[0] : undefined;
}

/**
 * A client failure as the store reports it: an error reply (SERVER_ERROR,
 * CLIENT_ERROR, ERROR) as a MemcachedStoreError naming only the reply word;
 * a socket error (it has an errno `code`) as it is; anything else wrapped.
 */
function failure(error: unknown): unknown {
  const reply = replyOf(error);
  if (reply !== undefined) {
    return new MemcachedStoreError("SESSIONKIT_MEMCACHED_REPLY", `the server answered ${reply}.`, { cause: error, reply });
  }
  if (typeof (error as { code?: unknown } | null)?.code === "string") return error;
  return new MemcachedStoreError("SESSIONKIT_MEMCACHED_FAILED", "the client lost its connection or got no answer in time.", { cause: error, retryable: true });
}

function versioned(entry: unknown): Versioned | undefined {
  if (entry === undefined || entry === null) return undefined;
  const { value, casUniq } = entry as { value?: unknown; casUniq?: unknown };
  if (typeof casUniq !== "string" && typeof casUniq !== "number") return undefined;
  // A value another program stored with a type flag comes back as a number, object or Buffer.
  return { value: typeof value === "string" ? value : "\u0000not-text", casUniq };
}

/**
 * The Memcached commands, with replies as outcomes.
 *
 * @example
 * const mc = commands(client);
 * const entry = await mc.read("sessionkit:s:abc");
 */
export function commands(client: MemcachedClientLike) {
  return {
    /** The value and its CAS token, or undefined when the key is absent. */
    async read(key: string): Promise<Versioned | undefined> {
      try {
        return versioned(await client.gets(key));
      } catch (error) {
        throw failure(error);
      }
    },

    /** Several keys in one round trip: those present, by key. */
    async readMany(keys: string[]): Promise<Map<string, Versioned>> {
      const found = new Map<string, Versioned>();
      if (keys.length === 0) return found;
      let results: unknown;
      try {
        results = await client.gets(keys);
      } catch (error) {
        throw failure(error);
      }
      for (const key of keys) {
        const entry = versioned((results as Record<string, unknown> | undefined)?.[key]);
        if (entry) found.set(key, entry);
      }
      return found;
    },

    /** Store `value` only if the key is absent: false when it is there. */
    async add(key: string, value: string, lifetime: number): Promise<boolean> {
      try {
        await client.add(key, value, { lifetime });
        return true;
      } catch (error) {
        if (replyOf(error) === "NOT_STORED") return false;
        throw failure(error);
      }
    },

    /** Store `value` only if the key is unchanged since it was read: false when it changed or went. */
    async cas(key: string, value: string, casUniq: string | number, lifetime: number): Promise<boolean> {
      try {
        await client.cas(key, value, { casUniq, lifetime });
        return true;
      } catch (error) {
        const reply = replyOf(error);
        if (reply === "EXISTS" || reply === "NOT_FOUND") return false;
        throw failure(error);
      }
    },
  };
}

/** The commands bound to one client; see {@link commands}. */
export type Commands = ReturnType<typeof commands>;
