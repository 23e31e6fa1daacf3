/**
 * The Lua scripts of the Flask-Session store. Each store operation is one
 * script, so it is one round trip and atomic on the Redis server.
 *
 * Why Lua splices the msgpack map itself, rather than a WATCH/MULTI loop or
 * Redis's `cmsgpack`: a change-set must merge into the record Flask-Session
 * may have written meanwhile without losing a concurrent key. An optimistic
 * WATCH loop needs a dedicated connection per attempt and, under N
 * concurrent writers, up to N retries each (the shared suite runs 100); a
 * script never retries. `cmsgpack` would decode into Lua tables and re-encode,
 * losing key order, the int/float distinction (Lua 5.1 numbers are doubles)
 * and the map/array distinction of empty tables. So the script walks the
 * top-level map byte by byte, keeps every untouched entry's bytes exactly as
 * they were, and splices in the entries the change-set sets (already encoded
 * by msgspec's rules in TypeScript).
 *
 * Keys (single Redis node, as Flask-Session itself uses one `redis.Redis`):
 * - `keyPrefix + id`: the record, exactly Flask-Session's;
 * - `metaBase + "m:" + id`: a hash sessionkit keeps beside it, never inside
 *   it: `c` createdAtMs, `e` expiresAtMs, `x` the record key's PEXPIRETIME
 *   when sessionkit last wrote it, `u` user id, `f` frozen, `s` successor
 *   and `p` predecessor (the ids a regenerate linked);
 * - `metaBase + "u:" + userId`: the set of that user's session ids, with no
 *   cap: walks over it go SSCAN step by step.
 *
 * `x` is how a script tells that Flask-Session rewrote the record since
 * (its `SET … EX` moves the key's expiry): `e` is then stale and the key's
 * own expiry is the truth. PEXPIRETIME needs Redis ≥ 7.0.
 */
import { createHash } from "node:crypto";
import { PRELUDE } from "./lua-prelude.js";

/** A script with its SHA-1, for EVALSHA. */
export interface LuaScript {
  readonly source: string;
  readonly sha1: string;
}


function script(body: string): LuaScript {
  const source = PRELUDE + body;
  return { source, sha1: createHash("sha1").update(source).digest("hex") };
}

/** Every script; the argument layout of each is written above its body. */
export const SCRIPTS = {
  // KEYS: record, meta. ARGV: none. → nil | {bytes, pexpiretime, c, e, x, u, f, s, p, r}
  // A regenerated session's old id past its grace window has no record (Flask-Session's key
  // lived only that long) but keeps its frozen metadata, the link: it loads with no bytes.
  load: script(`
local v = redis.call('GET', KEYS[1])
local m = redis.call('HMGET', KEYS[2], 'c', 'e', 'x', 'u', 'f', 's', 'p', 'r')
if not v then
  if m[5] ~= '1' then return false end
  v = ''
end
return {v, redis.call('PEXPIRETIME', KEYS[1]), m[1] or '', m[2] or '', m[3] or '', m[4] or '', m[5] or '', m[6] or '', m[7] or '', m[8] or ''}
`),

  // User ids travel and are kept as '=' .. id, so that an empty id is distinct from none.
  // KEYS: record, meta. ARGV: bytes, ttl, createdAtMs, expiresAtMs, user ('' | '=' .. id), frozen ('1' | ''), id, userBase.
  create: script(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], 'c', ARGV[3], 'e', ARGV[4])
if ARGV[6] == '1' then redis.call('HSET', KEYS[2], 'f', '1') end
local t = stamp(KEYS[1], KEYS[2])
if ARGV[5] ~= '' then
  local u = ARGV[5]
  redis.call('HSET', KEYS[2], 'u', u)
  redis.call('SADD', ARGV[8] .. u, ARGV[7])
  extend(ARGV[8] .. u, t)
end
return 1
`),

  // KEYS: record, meta. ARGV: nowMs, ttl, expiresAtMs | '', clear, unused, user ('' keep | '-' remove | '=' .. id),
  // id, userBase, nSet, (name, value bytes) × nSet, nDelete, name × nDelete. → 'ok' | 'missing' | 'frozen' | 'corrupt'
  apply: script(`
local m = redis.call('HMGET', KEYS[2], 'e', 'x', 'f', 'u')
-- Frozen first: past its grace window the record is gone, but its metadata is the kept link.
if m[3] == '1' then return 'frozen' end
local v = redis.call('GET', KEYS[1])
if not v then return 'missing' end
local xt = redis.call('PEXPIRETIME', KEYS[1])
local e = effective(m[1], m[2], xt)
if e and e <= tonumber(ARGV[1]) then return 'missing' end
local bytes = splice(v, ARGV[4], 9)
if not bytes then return 'corrupt' end
if ARGV[3] ~= '' then
  redis.call('SET', KEYS[1], bytes, 'EX', ARGV[2])
  redis.call('HSET', KEYS[2], 'e', ARGV[3])
else
  redis.call('SET', KEYS[1], bytes, 'KEEPTTL')
  if e then redis.call('HSET', KEYS[2], 'e', string.format('%.0f', e)) end
end
local user = m[4]
if ARGV[6] == '-' then
  if user then redis.call('SREM', ARGV[8] .. user, ARGV[7]); redis.call('HDEL', KEYS[2], 'u') end
  user = false
elseif ARGV[6] ~= '' then
  local u = ARGV[6]
  if user and user ~= u then redis.call('SREM', ARGV[8] .. user, ARGV[7]) end
  redis.call('HSET', KEYS[2], 'u', u)
  redis.call('SADD', ARGV[8] .. u, ARGV[7])
  user = u
end
local t = stamp(KEYS[1], KEYS[2])
if user then extend(ARGV[8] .. user, t) end
return 'ok'
`),

  // KEYS: old record, old meta, new record, new meta. ARGV: nowMs, oldId, newId, graceUntilMs,
  // createdAtMs | '', expiresAtMs | '', user ('' keep | '-' remove | '=' .. id), clear, keyPrefix, metaPrefix,
  // userBase, nSet, (name, value bytes) × nSet, nDelete, name × nDelete. → 'ok' | 'missing' | 'frozen' | 'corrupt'
  // One script: the record, both metadata hashes and the user sets live on one node.
  rotate: script(`
local now = tonumber(ARGV[1])
local m = redis.call('HMGET', KEYS[2], 'e', 'x', 'f', 'u', 'c', 'p')
-- Frozen first: past its grace window the record is gone, but its metadata is the kept link.
if m[3] == '1' then return 'frozen' end
local v = redis.call('GET', KEYS[1])
if not v then return 'missing' end
local xt = redis.call('PEXPIRETIME', KEYS[1])
local e = effective(m[1], m[2], xt)
if e and e <= now then return 'missing' end
local bytes = splice(v, ARGV[8], 12)
if not bytes then return 'corrupt' end
local expires = e
if ARGV[6] ~= '' then expires = tonumber(ARGV[6]) end
if expires then
  redis.call('SET', KEYS[3], bytes, 'PX', math.max(1, expires - now))
else
  redis.call('SET', KEYS[3], bytes)
end
local created = ARGV[5]
if created == '' then created = m[5] or tostring(now) end
redis.call('DEL', KEYS[4])
redis.call('HSET', KEYS[4], 'c', created)
if expires then redis.call('HSET', KEYS[4], 'e', string.format('%.0f', expires)) end
local user = m[4]
if ARGV[7] == '-' then user = false elseif ARGV[7] ~= '' then user = ARGV[7] end
-- The old id keeps its user and its place in the user's set: a "log out everywhere" that
-- scanned the set before the new id joined it still meets the session, and follows 's'.
-- The old id: Flask-Session's record lives until the grace ends (a Flask app
-- reading the old id sees it that long only); the frozen metadata, the link a
-- logout sent with the old id follows, until the latest of its expiry, the grace and
-- the new record's expiry (its first idle window; a record with no expiry adds none).
local grace = tonumber(ARGV[4])
local kept = grace
if e and e > kept then kept = e end
if expires and expires > kept then kept = expires end
redis.call('HSET', KEYS[4], 'p', ARGV[2])
redis.call('HSET', KEYS[2], 'f', '1', 's', ARGV[3], 'r', ARGV[4], 'e', string.format('%.0f', kept))
redis.call('PEXPIRE', KEYS[1], math.max(1, grace - now))
redis.call('HSET', KEYS[2], 'x', redis.call('PEXPIRETIME', KEYS[1]))
redis.call('PEXPIRE', KEYS[2], math.max(1, kept - now))
if m[4] then extend(ARGV[11] .. m[4], kept - now) end
local t = stamp(KEYS[3], KEYS[4])
if user then
  redis.call('HSET', KEYS[4], 'u', user)
  redis.call('SADD', ARGV[11] .. user, ARGV[3])
  extend(ARGV[11] .. user, t)
end
return 'ok'
`),

  // KEYS: record, meta. ARGV: nowMs, expiresAtMs, ttl, userBase. → 1 | 0
  touch: script(`
local xt = redis.call('PEXPIRETIME', KEYS[1])
if xt == -2 then return 0 end
local m = redis.call('HMGET', KEYS[2], 'e', 'x', 'f', 'u')
local e = effective(m[1], m[2], xt)
if e and e <= tonumber(ARGV[1]) then return 0 end
if m[3] == '1' then return 0 end
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('HSET', KEYS[2], 'e', ARGV[2])
local t = stamp(KEYS[1], KEYS[2])
if m[4] then extend(ARGV[4] .. m[4], t) end
return 1
`),

  // KEYS: record, meta. ARGV: id, nowMs, keyPrefix, metaPrefix, userBase. Follows 's'/'p' links. → live sessions ended
  destroy: script(`
return destroy_linked(ARGV[1], false, tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5])
`),

  // KEYS: the user's set. ARGV: nowMs, keyPrefix, metaPrefix, '=' .. userId, cursor, count.
  // One SSCAN step: drops stale members (record gone, expired, or moved to another user) and
  // returns {next cursor, {{id, c, e, f}, …}} for the others. A frozen member (f = '1': a
  // regenerated session's old id, whose record may be gone while its metadata, the link, is
  // kept) stays until its metadata expires: a log out everywhere follows it; listings skip it.
  userScan: script(`
local step = redis.call('SSCAN', KEYS[1], ARGV[5], 'COUNT', ARGV[6])
local out, n = {}, 0
local now = tonumber(ARGV[1])
for _, id in ipairs(step[2]) do
  local dk, mk = ARGV[2] .. id, ARGV[3] .. id
  local xt = redis.call('PEXPIRETIME', dk)
  local m = redis.call('HMGET', mk, 'c', 'e', 'x', 'u', 'f')
  local e = nil
  local live
  if m[5] == '1' then
    e = tonumber(m[2])
    live = m[4] == ARGV[4] and e ~= nil and e > now
  else
    if xt ~= -2 then e = effective(m[2], m[3], xt) end
    live = xt ~= -2 and m[4] == ARGV[4] and (e == nil or e > now)
  end
  if not live then
    redis.call('SREM', KEYS[1], id)
  else
    n = n + 1
    local es = ''
    if e then es = string.format('%.0f', e) end
    out[n] = {id, m[1] or '', es, m[5] or ''}
  end
end
return {step[1], out}
`),

  // KEYS: the user's set. ARGV: nowMs, keyPrefix, metaPrefix, '=' .. userId, userBase, an id never crossed, ids…
  // Destroys each id (with its links) that still carries the user, an old (frozen) id through its
  // successor chain, unless that chain leads to the id never crossed (the excepted session, kept
  // whole) or to a current record of another user (a login as someone else took the session).
  // A rotate is one script too, so a chain is never met half written. → live sessions ended
  userDestroy: script(`
local now = tonumber(ARGV[1])
local removed = 0
local function spared(id)
  for _ = 1, 64 do
    if id == ARGV[6] then return true end
    local m = redis.call('HMGET', ARGV[3] .. id, 'u', 'f', 's', 'c')
    if not m[4] then return false end
    if m[2] ~= '1' or not m[3] then return m[1] ~= ARGV[4] end
    id = m[3]
  end
  return false
end
for i = 7, #ARGV do
  local id = ARGV[i]
  if redis.call('HGET', ARGV[3] .. id, 'u') ~= ARGV[4] then
    redis.call('SREM', KEYS[1], id)
  elseif not spared(id) then
    removed = removed + destroy_linked(id, ARGV[6], now, ARGV[2], ARGV[3], ARGV[5])
  end
end
return removed
`),
} as const;
