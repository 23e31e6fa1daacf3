import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import { Redis } from "ioredis";
import { RedisStore } from "../../src/stores/redis.js";
import { SCRIPTS } from "../../src/stores/redis/scripts.js";
import { ConfigError } from "../../src/core/errors.js";
import { change, ctx, probeService, randomIdHash, record, serviceUnavailable, testSessionsOnStore, testStore } from "../../src/testing/index.js";
import { redisFixture, runPrefix } from "./redis-fixture.js";
import { describeWalkMeetsRotate } from "../helpers/walk-meets-rotate.js";

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

    it("rotate keeps the frozen old key (TTL included) and its user index until the new record's expiry", async () => {
      const prefix = `${base}link:`;
      const userPrefix = `${base}link-user:`;
      const store = new RedisStore({ client, prefix, userPrefix });
      const [oldId, newId] = [randomIdHash(), randomIdHash()];
      const nowMs = Date.now();
      // The old record expires in 20 s, the grace ends in 5 s, the new record lives an hour.
      await store.create(oldId, record({ a: "1" }, { userId: "u1", nowMs, expiresAtMs: nowMs + 20_000 }), ctx(nowMs));
      assert.equal(await store.rotate(oldId, newId, change({ expiresAtMs: nowMs + 3_600_000 }), nowMs + 5_000, ctx(nowMs)), "ok");
      const oldKey = `${prefix}${oldId}`;
      assert.equal(await client.hGet(oldKey, "m:e"), String(nowMs + 3_600_000), "kept until the new record's expiry");
      assert.equal(await client.hGet(oldKey, "m:r"), String(nowMs + 5_000), "readable until the grace ends only");
      const oldTtl = await client.pTTL(oldKey);
      assert.ok(oldTtl > 3_590_000 && oldTtl <= 3_600_000, `the native TTL follows the link (${oldTtl} ms)`);
      assert.equal(await client.zScore(`${userPrefix}{u1}`, oldId) !== null, true, "the frozen record keeps its index entry");
      // Absolute expiry times: two PTTL reads a millisecond apart would differ by that millisecond.
      const expireTime = async (key: string) => Number(await client.sendCommand(["PEXPIRETIME", key]));
      const [oldAt, userAt] = [await expireTime(oldKey), await expireTime(`${userPrefix}{u1}`)];
      assert.ok(oldAt > 0 && userAt >= oldAt, `the user index lives as long as the link (${userAt - oldAt} ms longer)`);
      const later = ctx(nowMs + 3_000_000);
      await store.destroy(oldId, later);
      assert.equal(await client.exists(oldKey), 0, "a logout through the old id, most of an hour later, removes it");
      assert.equal(await store.load(newId, later), undefined, "and ends the new id (a tombstone is all that is left there)");
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

    // Issue #14 (found by the model test): destroyForUser meets an old id at the very step a rotate of
    // it runs. The walk is stopped just before its destroy script on the old id, the rotate runs (or
    // its first step), then the walk goes on: every step of the walk is one script, so this is each
    // order the two can take. Before the fix the walk checked the successor, then deleted the old id
    // by its own user, which a frozen record keeps: a rotate to bob in between lost its old id.
    describe("destroyForUser meeting a rotate at the old id", () => {
      const prefix = `${base}meet:`;
      const userPrefix = `${base}meet-user:`;
      const plain = new RedisStore({ client, prefix, userPrefix });
      const nowMs = Date.now();
      const graceUntilMs = nowMs + 60_000;

      /** A store whose first destroy script on `idHash` waits for `before` first. */
      function walkerMeeting(idHash: string, before: () => Promise<void>): RedisStore {
        let met = false;
        const meet = async (isDestroy: boolean, keys: string[]) => {
          if (met || !isDestroy || keys[0] !== `${prefix}${idHash}`) return;
          met = true;
          await before();
        };
        const meeting = {
          evalSha: async (sha1: string, o: { keys: string[]; arguments: string[] }) => {
            await meet(sha1 === SCRIPTS.destroy.sha1, o.keys);
            return client.evalSha(sha1, o);
          },
          eval: async (source: string, o: { keys: string[]; arguments: string[] }) => {
            await meet(source === SCRIPTS.destroy.source, o.keys);
            return client.eval(source, o);
          },
        };
        return new RedisStore({ client: meeting, prefix, userPrefix });
      }

      /** A store whose rotate stops before its second step (the new record) until released. */
      function rotatingPaused(): { store: RedisStore; atSecondStep: Promise<void>; release: () => void } {
        let release = () => {};
        const held = new Promise<void>((resolve) => (release = resolve));
        let frozen = () => {};
        const atSecondStep = new Promise<void>((resolve) => (frozen = resolve));
        const pausing = {
          evalSha: async (sha1: string, o: { keys: string[]; arguments: string[] }) => {
            if (sha1 === SCRIPTS.createRotated.sha1) {
              frozen();
              await held;
            }
            return client.evalSha(sha1, o);
          },
          eval: (source: string, o: { keys: string[]; arguments: string[] }) => client.eval(source, o),
        };
        return { store: new RedisStore({ client: pausing, prefix, userPrefix }), atSecondStep, release };
      }

      describeWalkMeetsRotate({ plain, walkerMeeting, rotatingPaused, nowMs, graceUntilMs });
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
