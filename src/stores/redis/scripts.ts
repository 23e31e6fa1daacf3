/**
 * The Lua scripts of the Redis store. Each one touches exactly one key (its
 * KEYS[1]), so each runs atomically on Redis Cluster too, where a script may
 * only use keys of one hash slot.
 *
 * A session is one hash: user data in fields `d:<key>`, metadata in
 * `m:c` (createdAtMs), `m:e` (expiresAtMs), `m:u` (userId), `m:f` (frozen),
 * `m:r` (readableUntilMs), `m:s` (successor) and `m:p` (predecessor). The prefixes keep user keys and
 * metadata apart, whatever the app names its keys. A hash holding only `m:x`
 * is a tombstone: a destroy found the key empty while following a successor
 * link, so a rotate still on its way may not create it. Expiry: the key's own
 * TTL removes it, and the scripts compare `m:e` with core's clock (ARGV[1])
 * so a record is dead at `expiresAtMs` exactly, whatever the TTL rounding.
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
if e and tonumber(e) > tonumber(ARGV[1]) then return 0 end
redis.call('DEL', key)
chunked('HSET', key, ARGV, 3, #ARGV, 1000)
redis.call('EXPIRE', key, ARGV[2])
return 1`),

  /**
   * KEYS: session. ARGV: nowMs, ttlSeconds, clear ('1'|'0'), expiresAtMs or '',
   * user mode ('' keep | '=' set | '-' remove), userId, unused, n deletes,
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

  /**
   * Step one of a rotate. KEYS: the old session. ARGV: nowMs, newIdHash,
   * graceUntilMs, the new record's expiresAtMs from the change-set ('' when
   * it keeps the stored one). When the record is live and not frozen: freeze
   * it (successor link, readable until the grace ends, kept, TTL included,
   * until the latest of its expiry, the grace and the new record's expiry as
   * the link a logout follows; it keeps its user,
   * and its entry in the user's index, so that a "log out everywhere" walking
   * the index meets the session whatever step of the rotate it is at) and return {'ok', its fields as HGETALL gives them}: the snapshot
   * the new record is made from. No write can land on it after this, so the
   * snapshot is final. Else {'missing'} | {'frozen'}.
   */
  freeze: script(`
local key = KEYS[1]
local now = tonumber(ARGV[1])
local meta = redis.call('HMGET', key, 'm:e', 'm:f')
if not meta[1] or tonumber(meta[1]) <= now then return {'missing'} end
if meta[2] then return {'frozen'} end
local flat = redis.call('HGETALL', key)
local kept = math.max(tonumber(meta[1]), tonumber(ARGV[3]), tonumber(ARGV[4]) or tonumber(meta[1]))
redis.call('HSET', key, 'm:f', '1', 'm:s', ARGV[2], 'm:r', ARGV[3], 'm:e', string.format('%.0f', kept))
redis.call('EXPIRE', key, math.max(1, math.ceil((kept - now) / 1000)))
return {'ok', flat}`),

  /**
   * Step two of a rotate. KEYS: the new session. ARGV: ttlSeconds, field,
   * value, … Returns 1 when written, 0 when anything is already there (a
   * tombstone: a destroy of the old id got here first).
   */
  createRotated: script(`${CHUNKED}
local key = KEYS[1]
if redis.call('EXISTS', key) == 1 then return 0 end
chunked('HSET', key, ARGV, 2, #ARGV, 1000)
redis.call('EXPIRE', key, ARGV[1])
return 1`),

  /**
   * KEYS: session. ARGV: nowMs, tombstone TTL in seconds ('0': none), userId
   * or '' (then delete only a session carrying that user), the TTL of the
   * tombstone a deleted new id leaves, '1' to keep a frozen record (with a
   * successor) instead of deleting it, else '0'. Returns {what it was,
   * userId or false, successor or false, predecessor or false, 1 if deleted
   * else 0}, where what it was is 1 for a live unfrozen session, 2 for
   * nothing at all when a tombstone was asked for (a rotate still on its way
   * to this id: the tombstone ends it), 3 for a frozen record kept as asked
   * (the caller ends its successor first, then deletes it), 4 for a record
   * that does not carry the given user (left alone), else 0 (nothing there,
   * or a record that was not live). An absent key gets a tombstone when
   * asked (following a successor link). A record with a predecessor (the
   * new id of a rotate) leaves a tombstone too when it goes, so that a
   * second walk reaching it through its old id knows it was ended already
   * and counts it once.
   */
  destroy: script(`
local key = KEYS[1]
local meta = redis.call('HMGET', key, 'm:e', 'm:u', 'm:s', 'm:p', 'm:f', 'm:x')
if not meta[1] then
  if not meta[6] and ARGV[2] ~= '0' then
    redis.call('HSET', key, 'm:x', '1')
    redis.call('EXPIRE', key, ARGV[2])
    return {2, false, false, false, 0}
  end
  return {0, false, false, false, 0}
end
if ARGV[3] ~= '' and meta[2] ~= ARGV[3] then return {4, meta[2], false, false, 0} end
if ARGV[5] == '1' and meta[5] and meta[3] then return {3, meta[2], meta[3], meta[4], 0} end
redis.call('DEL', key)
if meta[4] then
  redis.call('HSET', key, 'm:x', '1')
  redis.call('EXPIRE', key, ARGV[4])
end
local live = 0
if tonumber(meta[1]) > tonumber(ARGV[1]) and not meta[5] then live = 1 end
return {live, meta[2], meta[3], meta[4], 1}`),

  /** KEYS: session. Returns {createdAtMs, expiresAtMs, userId, frozen, successor} (false where absent). */
  meta: script(`return redis.call('HMGET', KEYS[1], 'm:c', 'm:e', 'm:u', 'm:f', 'm:s')`),

  /** KEYS: user index. ARGV: idHash, nowMs (the score), ttlMs. Keeps the index's TTL at least ttlMs. */
  userAdd: script(`
local key = KEYS[1]
redis.call('ZADD', key, ARGV[2], ARGV[1])
if redis.call('PTTL', key) < tonumber(ARGV[3]) then redis.call('PEXPIRE', key, ARGV[3]) end
return 1`),

  /**
   * KEYS: user index. ARGV: cursor, count. One ZSCAN step: {next cursor,
   * member/score pairs}. Every entry present for a whole walk is returned at
   * least once, whatever is added or removed meanwhile.
   */
  userScan: script(`return redis.call('ZSCAN', KEYS[1], ARGV[1], 'COUNT', ARGV[2])`),

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
