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
 *   when sessionkit last wrote it, `u` user id, `f` frozen;
 * - `metaBase + "u:" + userId`: the set of that user's session ids.
 *
 * `x` is how a script tells that Flask-Session rewrote the record since
 * (its `SET … EX` moves the key's expiry): `e` is then stale and the key's
 * own expiry is the truth. PEXPIRETIME needs Redis ≥ 7.0.
 */
import { createHash } from "node:crypto";

/** A script with its SHA-1, for EVALSHA. */
export interface LuaScript {
  readonly source: string;
  readonly sha1: string;
}

const PRELUDE = `
local function u16(s, i) return string.byte(s, i) * 256 + string.byte(s, i + 1) end
local function u32(s, i) return u16(s, i) * 65536 + u16(s, i + 2) end

-- Position just after the msgpack value at pos. Each step consumes at least
-- one byte, so the loop is bounded by the length; a bad byte or a length past
-- the end raises (string.byte returns nil), caught by pcall below.
local function skip(s, pos)
  local len = #s
  local pending = 1
  while pending > 0 do
    if pos > len then error('truncated') end
    local b = string.byte(s, pos)
    pending = pending - 1
    if b <= 0x7f or b >= 0xe0 or b == 0xc0 or b == 0xc2 or b == 0xc3 then pos = pos + 1
    elseif b <= 0x8f then pending = pending + 2 * (b - 0x80); pos = pos + 1
    elseif b <= 0x9f then pending = pending + (b - 0x90); pos = pos + 1
    elseif b <= 0xbf then pos = pos + 1 + (b - 0xa0)
    elseif b == 0xc4 or b == 0xd9 then pos = pos + 2 + string.byte(s, pos + 1)
    elseif b == 0xc5 or b == 0xda then pos = pos + 3 + u16(s, pos + 1)
    elseif b == 0xc6 or b == 0xdb then pos = pos + 5 + u32(s, pos + 1)
    elseif b == 0xc7 then pos = pos + 3 + string.byte(s, pos + 1)
    elseif b == 0xc8 then pos = pos + 4 + u16(s, pos + 1)
    elseif b == 0xc9 then pos = pos + 6 + u32(s, pos + 1)
    elseif b == 0xca then pos = pos + 5
    elseif b == 0xcb then pos = pos + 9
    elseif b == 0xcc or b == 0xd0 then pos = pos + 2
    elseif b == 0xcd or b == 0xd1 then pos = pos + 3
    elseif b == 0xce or b == 0xd2 then pos = pos + 5
    elseif b == 0xcf or b == 0xd3 then pos = pos + 9
    elseif b == 0xd4 then pos = pos + 3
    elseif b == 0xd5 then pos = pos + 4
    elseif b == 0xd6 then pos = pos + 6
    elseif b == 0xd7 then pos = pos + 10
    elseif b == 0xd8 then pos = pos + 18
    elseif b == 0xdc then pending = pending + u16(s, pos + 1); pos = pos + 3
    elseif b == 0xdd then pending = pending + u32(s, pos + 1); pos = pos + 5
    elseif b == 0xde then pending = pending + 2 * u16(s, pos + 1); pos = pos + 3
    elseif b == 0xdf then pending = pending + 2 * u32(s, pos + 1); pos = pos + 5
    else error('reserved byte') end
  end
  if pos > len + 1 then error('truncated') end
  return pos
end

-- The top-level map as a list of {name or false, entry bytes}.
local function parse_map(s)
  local b = string.byte(s, 1)
  local n, pos
  if b and b >= 0x80 and b <= 0x8f then n = b - 0x80; pos = 2
  elseif b == 0xde then n = u16(s, 2); pos = 4
  elseif b == 0xdf then n = u32(s, 2); pos = 6
  else error('not a map') end
  local entries = {}
  for i = 1, n do
    local kb = string.byte(s, pos)
    local kend = skip(s, pos)
    local name = false
    if kb >= 0xa0 and kb <= 0xbf then name = string.sub(s, pos + 1, kend - 1)
    elseif kb == 0xd9 then name = string.sub(s, pos + 2, kend - 1)
    elseif kb == 0xda then name = string.sub(s, pos + 3, kend - 1)
    elseif kb == 0xdb then name = string.sub(s, pos + 5, kend - 1) end
    local vend = skip(s, kend)
    entries[i] = {name, string.sub(s, pos, vend - 1)}
    pos = vend
  end
  if pos ~= #s + 1 then error('trailing bytes') end
  return entries
end

local function be(n, bytes)
  local out = {}
  for i = bytes, 1, -1 do out[i] = string.char(n % 256); n = math.floor(n / 256) end
  return table.concat(out)
end

-- Smallest headers, as msgspec writes them.
local function str_header(n)
  if n < 32 then return string.char(0xa0 + n)
  elseif n < 256 then return string.char(0xd9, n)
  elseif n < 65536 then return string.char(0xda) .. be(n, 2)
  else return string.char(0xdb) .. be(n, 4) end
end
local function map_header(n)
  if n < 16 then return string.char(0x80 + n)
  elseif n < 65536 then return string.char(0xde) .. be(n, 2)
  else return string.char(0xdf) .. be(n, 4) end
end

-- The record's expiry: sessionkit's own unless Flask-Session rewrote the key
-- since (then the key's expiry); nil when the key has no TTL.
local function effective(meta_e, meta_x, xt)
  if meta_e and meta_x and tonumber(meta_x) == xt then return tonumber(meta_e) end
  if xt > 0 then return xt end
  return nil
end

local function extend(key, ms)
  if ms > 0 and redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, ms) end
end

-- After writing the record: remember its expiry, give the hash the same TTL.
local function stamp(dk, mk)
  redis.call('HSET', mk, 'x', redis.call('PEXPIRETIME', dk))
  local t = redis.call('PTTL', dk)
  if t > 0 then redis.call('PEXPIRE', mk, t) else redis.call('PERSIST', mk) end
  return t
end
`;

function script(body: string): LuaScript {
  const source = PRELUDE + body;
  return { source, sha1: createHash("sha1").update(source).digest("hex") };
}

/** Every script; the argument layout of each is written above its body. */
export const SCRIPTS = {
  // KEYS: record, meta. ARGV: none. → nil | {bytes, pexpiretime, c, e, x, u, f}
  load: script(`
local v = redis.call('GET', KEYS[1])
if not v then return false end
local m = redis.call('HMGET', KEYS[2], 'c', 'e', 'x', 'u', 'f')
return {v, redis.call('PEXPIRETIME', KEYS[1]), m[1] or '', m[2] or '', m[3] or '', m[4] or '', m[5] or ''}
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

  // KEYS: record, meta. ARGV: nowMs, ttl, expiresAtMs | '', clear, frozen, user ('' keep | '-' remove | '=' .. id),
  // id, userBase, nSet, (name, value bytes) × nSet, nDelete, name × nDelete. → 'ok' | 'missing' | 'frozen' | 'corrupt'
  apply: script(`
local v = redis.call('GET', KEYS[1])
if not v then return 'missing' end
local xt = redis.call('PEXPIRETIME', KEYS[1])
local m = redis.call('HMGET', KEYS[2], 'e', 'x', 'f', 'u')
local e = effective(m[1], m[2], xt)
if e and e <= tonumber(ARGV[1]) then return 'missing' end
if m[3] == '1' then return 'frozen' end
local i = 9
local sets, order = {}, {}
for _ = 1, tonumber(ARGV[i]) do
  sets[ARGV[i + 1]] = ARGV[i + 2]
  order[#order + 1] = ARGV[i + 1]
  i = i + 2
end
i = i + 1
local dels = {}
for _ = 1, tonumber(ARGV[i]) do dels[ARGV[i + 1]] = true; i = i + 1 end
local entries = {}
if ARGV[4] ~= '1' then
  local ok, parsed = pcall(parse_map, v)
  if not ok then return 'corrupt' end
  entries = parsed
end
-- A set key keeps its place (as a Python dict update does); deleted and
-- re-set keys move to the end; untouched entries keep their exact bytes.
local out, done, n = {}, {}, 0
for _, entry in ipairs(entries) do
  local name = entry[1]
  if name and sets[name] and not dels[name] then
    if not done[name] then n = n + 1; out[n] = str_header(#name) .. name .. sets[name]; done[name] = true end
  elseif not (name and (dels[name] or sets[name])) then
    n = n + 1; out[n] = entry[2]
  end
end
for _, name in ipairs(order) do
  if not done[name] then n = n + 1; out[n] = str_header(#name) .. name .. sets[name]; done[name] = true end
end
local bytes = map_header(n) .. table.concat(out)
if ARGV[3] ~= '' then
  redis.call('SET', KEYS[1], bytes, 'EX', ARGV[2])
  redis.call('HSET', KEYS[2], 'e', ARGV[3])
else
  redis.call('SET', KEYS[1], bytes, 'KEEPTTL')
  if e then redis.call('HSET', KEYS[2], 'e', string.format('%.0f', e)) end
end
if ARGV[5] == '1' then redis.call('HSET', KEYS[2], 'f', '1') end
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

  // KEYS: record, meta. ARGV: id, userBase.
  destroy: script(`
local u = redis.call('HGET', KEYS[2], 'u')
if u then redis.call('SREM', ARGV[2] .. u, ARGV[1]) end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
`),

  // KEYS: the user's set. ARGV: nowMs, keyPrefix, metaPrefix, '=' .. userId, limit, destroy ('1' | ''), exceptId.
  // Drops stale members (record gone, expired, or moved to another user).
  // → {{id, c, e}, …} or, when destroying, the number destroyed.
  user: script(`
local ids = redis.call('SMEMBERS', KEYS[1])
local out, n, removed = {}, 0, 0
for _, id in ipairs(ids) do
  local dk, mk = ARGV[2] .. id, ARGV[3] .. id
  local xt = redis.call('PEXPIRETIME', dk)
  local m = redis.call('HMGET', mk, 'c', 'e', 'x', 'u')
  local e = nil
  if xt ~= -2 then e = effective(m[2], m[3], xt) end
  local live = xt ~= -2 and m[4] == ARGV[4] and (e == nil or e > tonumber(ARGV[1]))
  if not live then
    redis.call('SREM', KEYS[1], id)
  elseif ARGV[6] == '1' then
    if id ~= ARGV[7] then
      redis.call('DEL', dk, mk)
      redis.call('SREM', KEYS[1], id)
      removed = removed + 1
    end
  elseif n < tonumber(ARGV[5]) then
    n = n + 1
    local es = ''
    if e then es = string.format('%.0f', e) end
    out[n] = {id, m[1] or '', es}
  end
end
if ARGV[6] == '1' then return removed end
return out
`),
} as const;
