/**
 * The Memcached store's typed errors: a stable `code`, a message in words,
 * never a key (it holds a session id hash) nor a value.
 */

import { WriteAbandonedError } from "../shared/abandoned.js";

/** The store's own failure codes. */
export type MemcachedErrorCode =
  | "SESSIONKIT_BAD_ID_HASH"
  | "SESSIONKIT_CORRUPT_RECORD"
  | "SESSIONKIT_ITEM_TOO_LARGE"
  | "SESSIONKIT_USER_INDEX_FULL"
  | "SESSIONKIT_CAS_CONTENDED"
  | "SESSIONKIT_MEMCACHED_REPLY"
  | "SESSIONKIT_MEMCACHED_FAILED";

/**
 * A Memcached store call failed for a reason the store names: a session or
 * user index over the item size limit, a server error reply, a record it
 * cannot read. `retryable` is true
 * when trying again may succeed (nothing was written).
 *
 * @example
 * catch (e) { if (e instanceof StoreError && (e.cause as MemcachedStoreError)?.code === "SESSIONKIT_USER_INDEX_FULL") … }
 */
export class MemcachedStoreError extends Error {
  override readonly name = "MemcachedStoreError";
  readonly code: MemcachedErrorCode;
  readonly retryable: boolean;
  /** The server's reply word (`SERVER_ERROR`, `CLIENT_ERROR`, `ERROR`), for SESSIONKIT_MEMCACHED_REPLY. */
  readonly reply: string | undefined;
  constructor(code: MemcachedErrorCode, message: string, options: { cause?: unknown; retryable?: boolean; reply?: string } = {}) {
    super(`sessionkit memcached store: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.reply = options.reply;
  }
}

/**
 * The error for a write dropped because core gave up on the call (the stores' shared WriteAbandonedError).
 *
 * @example
 * if (ctx.abandoned) throw abandoned();
 */
export function abandoned(): WriteAbandonedError {
  return new WriteAbandonedError("memcached");
}

/**
 * The error for a stored value the store cannot read.
 *
 * @example
 * throw corrupt("it is not JSON");
 */
export function corrupt(why: string): MemcachedStoreError {
  return new MemcachedStoreError("SESSIONKIT_CORRUPT_RECORD", `a stored value could not be read (${why}); another program writes under the store's prefix.`);
}
