/**
 * Fast fills for `npm run bench:scale`, in the exact form the stores write:
 * the one-at-a-time `store.create` costs ~0.1 ms on Redis and ~1 ms on
 * PostgreSQL, hours for ten million sessions of setup. After these fills,
 * the run checks sampled sessions through the store's own `load` against
 * what `create` would have stored, so a drift in a store's format fails the
 * run instead of measuring something else.
 */
import assert from "node:assert/strict";
import type { createClient } from "redis";
import type pg from "pg";
import { storeContext, ttlSecondsUntil, type Store } from "sessionkit";
import { toFields } from "../../src/stores/redis/fields.js";
import { LIFETIME_MS, idHashOf, recordAt, type Population } from "./population.js";

type RedisClient = ReturnType<typeof createClient>;

/** RedisStore's default `userIndexGraceMs`: the user index outlives its sessions by this much. */
const REDIS_USER_GRACE_MS = 60_000;

/**
 * What RedisStore.create does for a fresh id with a user, for many sessions
 * in one script call: the `userAdd` script's ZADD and PEXPIRE of the user
 * index, then the `create` script's HSET and EXPIRE of the session hash
 * (its check for a live record and its DEL find nothing on a fresh key).
 * ARGV: nowMs, ttlSeconds, index ttlMs, then per session: key, user key,
 * id hash, field count, fields and values. Bench only: the keys are not
 * declared, which standalone Redis allows.
 */
const LOADER = `
local now, ttl, userTtl = ARGV[1], ARGV[2], tonumber(ARGV[3])
local i, n = 4, 0
while i <= #ARGV do
  local key, userKey, idHash, count = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])
  redis.call('ZADD', userKey, now, idHash)
  if redis.call('PTTL', userKey) < userTtl then redis.call('PEXPIRE', userKey, userTtl) end
  redis.call('HSET', key, unpack(ARGV, i + 4, i + 3 + count))
  redis.call('EXPIRE', key, ttl)
  i = i + 4 + count
  n = n + 1
end
return n`;

/**
 * Sessions `from` to `to` into Redis with the keys, fields, TTLs and user
 * index entries RedisStore.create writes (`toFields`, `ttlSecondsUntil`, the
 * store's default index grace), 500 sessions per script call and 20 calls
 * in flight: one round trip and two script runs per session would take
 * twenty minutes for ten million on this machine. `between` runs after
 * every 10,000 (the memory guard).
 *
 * @example
 * await redisFill(client, p, { from: 1_000, to: 10_000_000, bornMs }, { prefix: "sk:sess:", userPrefix: "sk:user:" }, progress);
 */
export async function redisFill(
  client: RedisClient,
  p: Population,
  range: { from: number; to: number; bornMs: number },
  keys: { prefix: string; userPrefix: string },
  between: (done: number) => void | Promise<void>,
): Promise<void> {
  const ttl = ttlSecondsUntil(range.bornMs + LIFETIME_MS, range.bornMs);
  const head = ["EVAL", LOADER, "0", String(range.bornMs), String(ttl), String(ttl * 1_000 + REDIS_USER_GRACE_MS)];
  for (let start = range.from; start < range.to; start += 10_000) {
    const end = Math.min(start + 10_000, range.to);
    const calls: Array<Promise<unknown>> = [];
    for (let first = start; first < end; first += 500) {
      const args = [...head];
      const last = Math.min(first + 500, end);
      for (let i = first; i < last; i++) {
        const idHash = idHashOf(p, i);
        const record = recordAt(p, i, range.bornMs, idHash);
        if (record.expiresAtMs !== range.bornMs + LIFETIME_MS) throw new Error("redis fill: every session must share one lifetime");
        const fields = toFields(record);
        args.push(keys.prefix + idHash, `${keys.userPrefix}{${record.userId}}`, idHash, String(fields.length), ...fields);
      }
      calls.push(client.sendCommand(args).then((n) => {
        if (Number(n) !== last - first) throw new Error(`redis fill: the loader wrote ${String(n)} of ${last - first} sessions`);
      }));
    }
    await Promise.all(calls);
    await between(end);
  }
}

/**
 * Sessions `from` to `to` into the PostgreSQL store's table, 250,000 rows
 * per `INSERT … SELECT generate_series` (one transaction each; every index
 * the store made is maintained as the rows go in). The SQL computes what
 * `recordAt` gives and PostgresStore.create writes: the id hash (SHA-256,
 * base64url), the data as jsonb of JSON texts, the user column.
 *
 * @example
 * await postgresFill(pool, "scale_42", p, { from: 1_000, to: 10_000_000, bornMs }, progress);
 */
export async function postgresFill(pool: pg.Pool, table: string, p: Population, range: { from: number; to: number; bornMs: number }, between: (done: number) => void | Promise<void>): Promise<void> {
  for (let start = range.from; start < range.to; start += 250_000) {
    const end = Math.min(start + 250_000, range.to);
    await pool.query(
      `INSERT INTO "${table}" (id_hash, data, created_at_ms, expires_at_ms, user_id, frozen)
       SELECT h, jsonb_build_object('user', '"' || u || '"', 'n', i::text, 'csrf', '"' || left(h, 32) || '"'), $4::bigint, $5::bigint, u, false
       FROM (SELECT i,
               translate(rtrim(encode(sha256(convert_to($1 || i::text, 'UTF8')), 'base64'), '='), '+/', '-_') AS h,
               CASE WHEN i % $6 = $6 - 1 AND i < $6 * $7 THEN $8 ELSE 'user-' || (i / 4) END AS u
             FROM generate_series($2::bigint, $3::bigint) AS i) AS s`,
      [`${p.tag}:`, start, end - 1, range.bornMs, range.bornMs + LIFETIME_MS, p.heavyEvery, p.heavyCount, "heavy-user"],
    );
    await between(end);
  }
  await pool.query(`ANALYZE "${table}"`);
}

/**
 * Load sampled sessions of the first `count` through the store and compare
 * each with the record `create` was given: the first, the last, those at the
 * seams of the fills, and 200 at random.
 *
 * @example
 * await verify(store, p, 10_000_000, bornMs);
 */
export async function verify(store: Store, p: Population, count: number, bornMs: number): Promise<void> {
  const picks = [0, 999, 1_000, 1_001, count - 1, p.heavyEvery - 1];
  for (let k = 0; k < 200; k++) picks.push(Math.floor(Math.random() * count));
  for (const i of picks.filter((n) => n >= 0 && n < count)) {
    const got = await store.load(idHashOf(p, i), storeContext());
    const want = recordAt(p, i, bornMs);
    assert.ok(got !== undefined, `${store.name}: session ${i} of ${count} is missing`);
    assert.deepEqual(
      { data: { ...got.data }, createdAtMs: got.createdAtMs, expiresAtMs: got.expiresAtMs, userId: got.userId },
      { data: { ...want.data }, createdAtMs: want.createdAtMs, expiresAtMs: want.expiresAtMs, userId: want.userId },
      `${store.name}: session ${i} is not what create would have stored`,
    );
  }
}
