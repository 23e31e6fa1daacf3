/**
 * Reading a Redis error reply's code, for the two stores that talk to Redis
 * (`RedisStore`, `FlaskSessionRedisStore`), so neither imports the other.
 */

/**
 * The error code of a Redis error reply: by the RESP specification, the first
 * word of the reply ("NOSCRIPT", "WRONGTYPE", "MOVED", …) is a
 * machine-readable code, distinct from the human text after it. Neither
 * node-redis nor ioredis exposes it as a field, so this reads that first word
 * (and only it); it is the protocol's code, not a message to match on.
 *
 * @example
 * redisErrorCode(new Error("NOSCRIPT No matching script.")); // "NOSCRIPT"
 */
export function redisErrorCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const match = /^([A-Z][A-Z0-9_]*)(?:\s|$)/.exec(error.message);
  return match?.[1];
}
