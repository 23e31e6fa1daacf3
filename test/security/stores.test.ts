/**
 * Section I of docs/security-model.md, on all six adapters (R79): store
 * failures fail closed (503, no cookie, no anonymous fallback), every call
 * has a deadline, Redis TTL follows the session expiry, the memory store is
 * bounded. (Pause/kill/restart of real servers: test/faults/.)
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import { createSessions, hashSessionId, storeContext, type SessionEvent, type Store } from "../../src/index.js";
import { MemoryStore } from "../../src/stores/memory.js";
import { RedisStore } from "../../src/stores/redis.js";
import { probeService, serviceUnavailable } from "../../src/testing/index.js";
import { ADAPTERS, SECRET, cookieOf, cookieValue, startApp, uniqueLabel } from "../helpers/security-server.js";

/** A memory store whose chosen method throws, or never answers. */
function broken(method: keyof Store, how: "throw" | "hang", inner: Store = new MemoryStore()): Store {
  return new Proxy(inner, {
    get(target, key, receiver) {
      if (key === method) return () => (how === "throw" ? Promise.reject(Object.assign(new Error("ECONNRESET"), { code: "ECONNRESET" })) : new Promise(() => {}));
      const value = Reflect.get(target, key, receiver);
      // Bind to the real store: its methods use private fields, which a Proxy receiver does not have.
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

for (const adapter of ADAPTERS) {
  describe(`I. store robustness [${adapter}]`, () => {
    it(`R57 a store that throws on load, create or apply gives 503 with Retry-After, no Set-Cookie and no anonymous session [${adapter}]`, async () => {
      for (const method of ["load", "create", "apply"] as const) {
        const healthy = new MemoryStore();
        let current: Store = healthy;
        const switching = new Proxy({} as Store, {
          get: (_t, key) => {
            const value = Reflect.get(current, key, current);
            return typeof value === "function" ? value.bind(current) : value;
          },
        });
        const sessions = createSessions({ secret: SECRET, store: switching });
        let handlerRan = 0;
        const app = await startApp(
          sessions,
          ({ session }) => {
            handlerRan += 1;
            session.set("n", 1);
            return "ok";
          },
          { adapter },
        );
        try {
          const cookie = cookieOf(await app.get("/"))!;
          current = broken(method, "throw", healthy);
          const ran = handlerRan;
          const res = await app.get("/", method === "create" ? {} : { cookie });
          assert.equal(res.status, 503, method);
          assert.equal(res.headers["retry-after"], "1");
          assert.deepEqual(res.setCookie, []);
          if (method === "load") assert.equal(handlerRan, ran, "the handler never ran with an anonymous session");
        } finally {
          await app.close();
        }
      }
    });

    it(`R58 a store that never answers is a 503 once the deadline passes, never before, with a timed-out store_error event [${adapter}]`, async () => {
      const events: SessionEvent[] = [];
      const unhandled: unknown[] = [];
      const onUnhandled = (r: unknown): void => void unhandled.push(r);
      process.on("unhandledRejection", onUnhandled);
      const sessions = createSessions({ secret: SECRET, store: broken("load", "hang"), storeTimeoutMs: 200, onEvent: (e) => events.push(e) });
      const app = await startApp(sessions, () => "ok", { adapter });
      try {
        const id = "A".repeat(42) + "A";
        const started = performance.now();
        const res = await app.get("/", { cookie: `session=${id}` });
        const elapsed = performance.now() - started;
        assert.equal(res.status, 503);
        // The store never answers, so any answer is the deadline's; the upper bound only names one that never fired
        // (a loaded machine can add hundreds of ms to a request, so it is no measure of speed).
        assert.ok(elapsed >= 195 && elapsed < 10_000, `answered in ${elapsed.toFixed(0)} ms`);
        assert.deepEqual(events, [{ type: "store_error", store: "memory", operation: "load", timedOut: true }]);
        await new Promise((r) => setTimeout(r, 50));
        assert.deepEqual(unhandled, []);
      } finally {
        process.off("unhandledRejection", onUnhandled);
        await app.close();
      }
    });

    it(`R65 the memory store is bounded: past maxEntries the least recently used session goes first [${adapter}]`, async () => {
      const store = new MemoryStore({ maxEntries: 50 });
      const sessions = createSessions({ secret: SECRET, store });
      const app = await startApp(
        sessions,
        ({ session }) => {
          session.set("n", 1);
          return "ok";
        },
        { adapter },
      );
      try {
        const ids: string[] = [];
        for (let i = 0; i < 120; i++) ids.push(cookieValue(await app.get("/"))!);
        const alive = await Promise.all(ids.map(async (id) => (await store.load(hashSessionId(id), storeContext())) !== undefined));
        assert.equal(alive.filter(Boolean).length, 50);
        assert.ok(alive.slice(-50).every(Boolean), "the newest 50 are kept");
      } finally {
        await app.close();
      }
    });
  });
}

const redisClient = createClient({ url: "redis://127.0.0.1:6379", socket: { reconnectStrategy: false, connectTimeout: 2_000 } });
redisClient.on("error", () => {});
const redisSkip = await probeService("Redis at 127.0.0.1:6379", async () => {
  await redisClient.connect();
});
if (redisSkip) serviceUnavailable("R62 Redis TTL", redisSkip);
else {
  after(() => redisClient.destroy());
  for (const adapter of ADAPTERS) {
    it(`R62 the Redis key's TTL equals the session's idle expiry and moves with touch; expiry is still checked on read [${adapter}]`, async () => {
      const prefix = `${uniqueLabel("ttl")}:`;
      let nowMs = Date.now();
      // Core passes its clock (nowMs) to the store: the TTL is counted from it.
      const store = new RedisStore({ client: redisClient, prefix: `${prefix}s:`, userPrefix: `${prefix}u:` });
      const sessions = createSessions({ secret: SECRET, store, idleTimeout: 600, touchAfter: 0.25, now: () => nowMs });
      const app = await startApp(
        sessions,
        ({ session, url }) => {
          if (url === "/set") session.set("n", 1);
          else session.get("n");
          return "ok";
        },
        { adapter },
      );
      try {
        const id = cookieValue(await app.get("/set"))!;
        const key = `${prefix}s:${hashSessionId(id)}`;
        const ttl1 = await redisClient.ttl(key);
        assert.ok(ttl1 > 590 && ttl1 <= 600, `ttl ${ttl1}`);
        nowMs += 200_000; // past touchAfter (25% of 600 s): the read-only request touches
        await app.get("/", { cookie: `session=${id}` });
        const ttl2 = await redisClient.ttl(key);
        assert.ok(ttl2 > 590 && ttl2 <= 600, `touched ttl ${ttl2}`);
        const fields = await redisClient.hGetAll(key);
        assert.equal(Number(fields["m:e"]), nowMs + 600_000, "the stored expiry moved with the TTL");
      } finally {
        await app.close();
        const keys: string[] = [];
        for await (const batch of redisClient.scanIterator({ MATCH: `${prefix}*` })) keys.push(...(Array.isArray(batch) ? batch : [batch]));
        if (keys.length) await redisClient.del(keys);
      }
    });
  }
}
