import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import { Redis } from "ioredis";
import { RedisStore } from "../../src/stores/redis.js";
import { ConfigError } from "../../src/core/errors.js";
import { change, ctx, probeService, randomIdHash, record, serviceUnavailable, testSessionsOnStore, testStore } from "../../src/testing/index.js";
import { redisFixture, runPrefix } from "./redis-fixture.js";

const URL = "redis://127.0.0.1:6379";
const client = createClient({ url: URL, socket: { reconnectStrategy: false, connectTimeout: 2_000 } });
client.on("error", () => {}); // failures surface through the commands (and the probe), not this event
const skip = await probeService(`Redis at ${URL}`, async () => {
  await client.connect();
  await client.ping();
});
const io = skip ? undefined : new Redis(6379, "127.0.0.1", { lazyConnect: true, maxRetriesPerRequest: 1 });
const base = runPrefix("redis");
after(async () => {
  if (skip) return;
  // Belt and braces: each fixture cleans its own keys; this catches a test that crashed mid-way.
  for await (const batch of client.scanIterator({ MATCH: `${base}*`, COUNT: 1000 })) {
    const keys = Array.isArray(batch) ? batch : [batch];
    if (keys.length) await client.del(keys);
  }
  client.destroy();
  io?.disconnect();
});

if (skip) {
  serviceUnavailable("redis store", skip);
} else {
  const run = (_key: string, args: string[]) => client.sendCommand(args);
  testStore("redis (node-redis v5)", redisFixture(client, `${base}nr:`, () => [client], run), { heavy: true });
  testStore("redis (ioredis)", redisFixture(io!, `${base}io:`, () => [client], run));
  testSessionsOnStore("redis (node-redis v5)", redisFixture(client, `${base}sess:`, () => [client], run), { heavy: true });

  describe("RedisStore specifics", () => {
    it("keeps one hash per session under the prefix, with the key's TTL from expiresAtMs by core's clock", async () => {
      const prefix = `${base}ttl:`;
      const userPrefix = `${base}ttl-user:`;
      const store = new RedisStore({ client, prefix, userPrefix });
      const id = randomIdHash();
      // Core's clock a minute behind Redis's: the TTL still counts from core's now.
      const coreNowMs = Date.now() - 60_000;
      const rec = record({ a: '"x"' }, { userId: "u1", nowMs: coreNowMs, ttlSeconds: 180 });
      await store.create(id, rec, ctx(coreNowMs));
      const key = `${prefix}${id}`;
      assert.deepEqual({ ...(await client.hGetAll(key)) }, {
        "d:a": '"x"',
        "m:c": String(rec.createdAtMs),
        "m:e": String(rec.expiresAtMs),
        "m:u": "u1",
      });
      const ttl = await client.ttl(key);
      assert.ok(ttl > 170 && ttl <= 180, `ttl ${ttl}`);
      assert.equal(await store.touch(id, rec.expiresAtMs + 1_000_000, ctx(coreNowMs)), true);
      assert.ok((await client.ttl(key)) > 900);
      const userTtl = await client.pTTL(`${userPrefix}{u1}`);
      assert.ok(userTtl > 1_000_000, "the user index lives as long as its longest session");
      await store.destroy(id, ctx(coreNowMs));
      assert.equal(await client.exists([key, `${userPrefix}{u1}`]), 0, "destroy removes the hash and the index entry");
    });

    it("apply is one atomic script: 100 concurrent writers from two different clients keep every key", async () => {
      const prefix = `${base}two:`;
      const userPrefix = `${base}two-user:`;
      const a = new RedisStore({ client, prefix, userPrefix });
      const b = new RedisStore({ client: io!, prefix, userPrefix });
      const id = randomIdHash();
      await a.create(id, record({}), ctx());
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).apply(id, change({ set: { [`k${i}`]: String(i) } }), ctx())),
      );
      assert.ok(results.every((r) => r === "ok"));
      assert.equal(Object.keys((await a.load(id, ctx()))?.data ?? {}).length, 100);
      await a.destroy(id, ctx());
    });

    it("drops a stale index entry only after the grace period", async () => {
      const prefix = `${base}grace:`;
      const userPrefix = `${base}grace-user:`;
      const store = new RedisStore({ client, prefix, userPrefix, userIndexGraceMs: 0 });
      const id = randomIdHash();
      const userKey = `${userPrefix}{gina}`;
      // An index entry whose session never got written (a crashed write).
      await client.zAdd(userKey, { score: Date.now() - 1, value: id });
      const patient = new RedisStore({ client, prefix, userPrefix, userIndexGraceMs: 60_000 });
      assert.deepEqual(await patient.listForUser("gina", ctx()), []);
      assert.notEqual(await client.zScore(userKey, id), null, "a young stale entry is kept");
      assert.deepEqual(await store.listForUser("gina", ctx()), []);
      assert.equal(await client.zScore(userKey, id), null, "an old stale entry is dropped");
    });

    it("rejects a client it cannot use, and equal prefixes", () => {
      for (const bad of [undefined, {}, { get() {} }]) {
        assert.throws(() => new RedisStore({ client: bad as never }), (e: unknown) => e instanceof ConfigError && e.option === "client");
      }
      assert.throws(() => new RedisStore({ client, prefix: "x:", userPrefix: "x:" }), (e: unknown) => e instanceof ConfigError);
      // Removed options say what replaced them instead of being silently ignored.
      for (const option of ["now", "maxSessionsPerUser"]) {
        assert.throws(() => new RedisStore({ client, [option]: option === "now" ? () => 0 : 10 } as never), (e: unknown) => e instanceof ConfigError && e.option === option);
      }
    });
  });
}
