/**
 * The Lua scripts of the Redis store. Each one touches exactly one key (its
 * KEYS[1]), so each runs atomically on Redis Cluster too, where a script may
 * only use keys of one hash slot.
 *
 * A session is one hash: user data in fields `d:<key>`, metadata in
 * `m:c` (createdAtMs), `m:e` (expiresAtMs), `m:u` (userId), `m:f` (frozen).
 * The prefixes keep user keys and metadata apart, whatever the app names its
 * keys. Expiry: the key's own TTL (from `ttlSeconds`) removes it, and the
 * scripts compare `m:e` with the caller's clock (ARGV[1]) so a record is dead
 * at `expiresAtMs` exactly, whatever the TTL rounding.
 */
import { createHash } from "node:crypto";

/**
 * A Lua script with its SHA-1, for EVALSHA.
 *
 * @example
 * const s = script("return 1"); s.sha1.length === 40;
 */
export interface LuaScript {
  readonly source: string;
  readonly sha1: string;
}

function script(source: string): LuaScript {
  return Object.freeze({ source, sha1: createHash("sha1").update(source).digest("hex") });
}

// HSET/HDEL with many arguments go through unpack(), whose stack is limited
// (LUAI_MAXCSTACK, 8000), so large lists are written in chunks.
const CHUNKED = `
local function chunked(cmd, key, list, first, last, size)
  local i = first
  while i <= last do
    local j = math.min(i + size - 1, last)
    redis.call(cmd, key, unpack(list, i, j))
    i = j + 1
  end
end
`;

/**
 * Scripts, with their KEYS and ARGV.
 *
 * @example
 * await runner.run(SCRIPTS.load, [key], []);
 */
export const SCRIPTS = Object.freeze({
  /** KEYS: session. Returns HGETALL's flat field/value list (one round trip). */
  load: script(`return redis.call('HGETALL', KEYS[1])`),

  /** KEYS: session. ARGV: nowMs, ttlSeconds, field, value, … Returns 1 when created, 0 when a live record exists. */
  create: script(`${CHUNKED}
local key = KEYS[1]
local e = redis.call('HGET', key, 'm:e')
if e then
  if tonumber(e) > tonumber(ARGV[1]) then return 0 end
  redis.call('DEL', key)
end
chunked('HSET', key, ARGV, 3, #ARGV, 1000)
redis.call('EXPIRE', key, ARGV[2])
return 1`),

  /**
   * KEYS: session. ARGV: nowMs, ttlSeconds, clear ('1'|'0'), expiresAtMs or '',
   * user mode ('' keep | '=' set | '-' remove), userId, frozen ('1'|''), n deletes,
   * the n deleted fields, then field/value pairs to set.
   * Returns {'ok', userId or false} | {'missing'} | {'frozen'}.
   */
  apply: script(`${CHUNKED}
local key = KEYS[1]
local meta = redis.call('HMGET', key, 'm:e', 'm:f')
if not meta[1] or tonumber(meta[1]) <= tonumber(ARGV[1]) then return {'missing'} end
if meta[2] then return {'frozen'} end
if ARGV[3] == '1' then
  local drop = {}
  for _, f in ipairs(redis.call('HKEYS', key)) do
    if string.sub(f, 1, 2) == 'd:' then drop[#drop + 1] = f end
  end
  chunked('HDEL', key, drop, 1, #drop, 1000)
end
local n = tonumber(ARGV[8])
chunked('HDEL', key, ARGV, 9, 8 + n, 1000)
chunked('HSET', key, ARGV, 9 + n, #ARGV, 1000)
if ARGV[4] ~= '' then
  redis.call('HSET', key, 'm:e', ARGV[4])
  redis.call('EXPIRE', key, ARGV[2])
end
if ARGV[5] == '=' then redis.call('HSET', key, 'm:u', ARGV[6]) elseif ARGV[5] == '-' then redis.call('HDEL', key, 'm:u') end
if ARGV[7] == '1' then redis.call('HSET', key, 'm:f', '1') end
return {'ok', redis.call('HGET', key, 'm:u')}`),

  /**
   * KEYS: session. ARGV: nowMs, expiresAtMs, ttlSeconds. Returns {0} when
   * missing, expired or frozen (a frozen record's expiry is its grace window,
   * never extended), else {1, userId or false}.
   */
  touch: script(`
local key = KEYS[1]
local meta = redis.call('HMGET', key, 'm:e', 'm:f', 'm:u')
if not meta[1] or tonumber(meta[1]) <= tonumber(ARGV[1]) or meta[2] then return {0} end
redis.call('HSET', key, 'm:e', ARGV[2])
redis.call('EXPIRE', key, ARGV[3])
return {1, meta[3]}`),

  /** KEYS: session. ARGV: nowMs. Returns {1 if it was live else 0, userId or false}. */
  destroy: script(`
local meta = redis.call('HMGET', KEYS[1], 'm:e', 'm:u')
redis.call('DEL', KEYS[1])
local live = 0
if meta[1] and tonumber(meta[1]) > tonumber(ARGV[1]) then live = 1 end
return {live, meta[2]}`),

  /** KEYS: session. Returns {createdAtMs, expiresAtMs, userId} (false where absent). */
  meta: script(`return redis.call('HMGET', KEYS[1], 'm:c', 'm:e', 'm:u')`),

  /** KEYS: user index. ARGV: idHash, nowMs (the score), ttlMs. Keeps the index's TTL at least ttlMs. */
  userAdd: script(`
local key = KEYS[1]
redis.call('ZADD', key, ARGV[2], ARGV[1])
if redis.call('PTTL', key) < tonumber(ARGV[3]) then redis.call('PEXPIRE', key, ARGV[3]) end
return 1`),

  /** KEYS: user index. ARGV: limit. Returns member/score pairs, oldest first. */
  userList: script(`return redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1, 'WITHSCORES')`),

  /** KEYS: user index. ARGV: cutoff score, members… Removes each member whose score is still ≤ cutoff. */
  userRemoveStale: script(`
local key = KEYS[1]
local cutoff = tonumber(ARGV[1])
local removed = 0
for i = 2, #ARGV do
  local s = redis.call('ZSCORE', key, ARGV[i])
  if s and tonumber(s) <= cutoff then removed = removed + redis.call('ZREM', key, ARGV[i]) end
end
return removed`),

  /** KEYS: user index. ARGV: idHash. Unconditional: used after a destroy, when the record can never return. */
  userRemove: script(`return redis.call('ZREM', KEYS[1], ARGV[1])`),
});
