import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import { Redis } from "ioredis";
import { RedisStore } from "../../src/stores/redis.js";
import { redisErrorCode } from "../../src/stores/shared/redis-error.js";
import { StoreError } from "../../src/core/errors.js";
import { change, cookieFrom, ctx, randomIdHash, record, serviceUnavailable, sessionsOn } from "../../src/testing/index.js";
import { haveRedisBinaries, startRedisServer } from "../helpers/redis-cluster.js";

if (!haveRedisBinaries()) {
  serviceUnavailable("redis store faults", "redis-server is not on the PATH, so no throwaway server can be started");
} else {
  describe("RedisStore under faults (a throwaway redis-server)", () => {
    it("re-sends a script after SCRIPT FLUSH (NOSCRIPT), on node-redis and ioredis", async () => {
      const server = await startRedisServer();
      const nr = createClient({ url: `redis://127.0.0.1:${server.port}` });
      nr.on("error", () => {});
      const io = new Redis(server.port, "127.0.0.1");
      try {
        await nr.connect();
        for (const client of [nr, io]) {
          const store = new RedisStore({ client });
          const id = randomIdHash();
          await nr.sendCommand(["SCRIPT", "FLUSH"]);
          assert.equal(await store.create(id, record({ a: "1" }), ctx()), true);
          await nr.sendCommand(["SCRIPT", "FLUSH"]);
          assert.equal(await store.apply(id, change({ set: { b: "2" } }), ctx()), "ok");
          assert.deepEqual({ ...(await store.load(id, ctx()))?.data }, { a: "1", b: "2" });
        }
      } finally {
        nr.destroy();
        io.disconnect();
        await server.stop();
      }
    });

    it("a dead server is a StoreError from the manager within storeTimeoutMs, never an empty session", async () => {
      const server = await startRedisServer();
      // The default node-redis client reconnects forever and queues commands
      // meanwhile: the worst case, where only the manager's deadline helps.
      const client = createClient({ url: `redis://127.0.0.1:${server.port}` });
      client.on("error", () => {});
      try {
        await client.connect();
        const sessions = sessionsOn(new RedisStore({ client }), { storeTimeoutMs: 300 });
        const s = await sessions.load(undefined);
        s.set("user", "alice");
        const cookie = cookieFrom((await sessions.commit(s, { status: 200 })).setCookie);
        assert.equal((await sessions.load(cookie)).get("user"), "alice");
        await server.kill();
        const started = Date.now();
        await assert.rejects(sessions.load(cookie), (e: unknown) => e instanceof StoreError && e.code === "STORE_UNAVAILABLE" && e.storeName === "redis");
        // node-redis queues the command forever: failing at all is the 300 ms deadline; the bound only names one that never fired.
        assert.ok(Date.now() - started < 10_000, "failed within the deadline");
        const fresh = await sessions.load(undefined);
        fresh.set("x", 1);
        await assert.rejects(sessions.commit(fresh, { status: 200 }), (e: unknown) => e instanceof StoreError && !e.message.includes(cookie));
      } finally {
        client.destroy();
        await server.stop();
      }
    });

    it("reads the protocol error code, and only the first word", () => {
      assert.equal(redisErrorCode(new Error("NOSCRIPT No matching script. Please use EVAL.")), "NOSCRIPT");
      assert.equal(redisErrorCode(new Error("ERR something NOSCRIPT")), "ERR");
      assert.equal(redisErrorCode(new Error("connection lost")), undefined);
      assert.equal(redisErrorCode("NOSCRIPT"), undefined);
    });
  });
}
