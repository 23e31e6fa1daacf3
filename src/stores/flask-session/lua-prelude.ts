/**
 * Lua shared by every script of the Flask-Session store (prepended to each):
 * walking and splicing Flask-Session's msgpack map byte by byte, the
 * record's effective expiry, and deleting a session with every session its
 * regenerate links reach. Why the store splices msgpack in Lua is in
 * scripts.ts.
 */

/**
 * The prelude's source.
 *
 * @example
 * const source = PRELUDE + "return 1";
 */
export const PRELUDE = `
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

-- The record's entries with a change-set applied (ARGV from index i: nSet,
-- name/value pairs, nDelete, names; clear = '1' drops every entry first).
-- A set key keeps its place (as a Python dict update does); deleted and
-- re-set keys move to the end; untouched entries keep their exact bytes.
-- Returns the new map's bytes, or nil when the stored bytes are not a map.
local function splice(v, clear, i)
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
  if clear ~= '1' then
    local ok, parsed = pcall(parse_map, v)
    if not ok then return nil end
    entries = parsed
  end
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
  return map_header(n) .. table.concat(out)
end

-- Delete the session under id and every session linked to it by 's'/'p',
-- never stop_at; returns how many were live, unfrozen sessions. Keys are
-- built here: the store runs on one node, as Flask-Session does.
local function destroy_linked(id, stop_at, now, key_prefix, meta_prefix, user_base)
  local pending, seen, live = {id}, {}, 0
  while #pending > 0 do
    local cur = table.remove(pending)
    if cur ~= stop_at and not seen[cur] then
      seen[cur] = true
      local dk, mk = key_prefix .. cur, meta_prefix .. cur
      local xt = redis.call('PEXPIRETIME', dk)
      local m = redis.call('HMGET', mk, 'e', 'x', 'f', 'u', 's', 'p')
      if xt ~= -2 and m[3] ~= '1' then
        local e = effective(m[1], m[2], xt)
        if e == nil or e > now then live = live + 1 end
      end
      if m[4] then redis.call('SREM', user_base .. m[4], cur) end
      redis.call('DEL', dk, mk)
      if m[5] then pending[#pending + 1] = m[5] end
      if m[6] then pending[#pending + 1] = m[6] end
    end
  end
  return live
end

-- After writing the record: remember its expiry, give the hash the same TTL.
local function stamp(dk, mk)
  redis.call('HSET', mk, 'x', redis.call('PEXPIRETIME', dk))
  local t = redis.call('PTTL', dk)
  if t > 0 then redis.call('PEXPIRE', mk, t) else redis.call('PERSIST', mk) end
  return t
end
`;
