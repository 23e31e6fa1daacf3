/**
 * Faults against a real, private redis-server (AOF on, fsync always),
 * behind RedisStore (node-redis v5) and sessionkit/node with a 500 ms store
 * deadline, under 200 concurrent clients:
 * - SIGSTOP: every request answers 503 within the deadline plus a margin,
 *   nothing hangs, no unhandled rejection, the process lives;
 * - SIGCONT: service resumes;
 * - SIGKILL: 503s, fast;
 * - restart on the same port and dir: service resumes with no app restart,
 *   and every session committed before the kill is still there.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createClient } from "redis";
import { createSessions } from "../../src/index.js";
import { RedisStore } from "../../src/stores/redis.js";
import { isCI } from "../../src/testing/index.js";
import { SECRET, cookieOf, send, startApp, type TestApp, type WireResponse } from "../helpers/security-server.js";
import { startPrivateRedis, type PrivateRedis } from "../helpers/fault-redis.js";

/** 2 s, not 500 ms: the 200 concurrent first writes must commit under it on a loaded machine. */
const STORE_TIMEOUT_MS = 2_000;
/**
 * Deadline plus scheduling slack on a shared 2-core machine with 200 sockets in flight. Without the
 * deadline a request waits on the paused or dead Redis until the client's 30 s: 8 s keeps the two apart
 * (1.5 s measured the machine's load as much as the deadline).
 */
const MARGIN_MS = 8_000;
const CLIENTS = 200;

const hasRedisServer = spawnSync("redis-server", ["--version"]).status === 0;

if (!hasRedisServer) {
  const reason = "redis-server is not installed, so no private Redis can be started";
  if (isCI()) it("R58 R59 redis faults: required binary", () => assert.fail(`${reason}; CI=true`));
  else {
    process.stderr.write(`\n!!! SKIPPING redis faults: ${reason}.\n\n`);
    it("R58 R59 redis faults: required binary", { skip: reason }, () => {});
  }
} else {
  describe("faults: Redis paused, killed and restarted under load", () => {
    let redis: PrivateRedis;
    let client: ReturnType<typeof createClient>;
    let app: TestApp;
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    /** Per session: the last value of `n` a 200 acknowledged. */
    const acked = new Map<string, number>();

    before(async () => {
      process.on("unhandledRejection", onUnhandled);
      redis = await startPrivateRedis();
      client = createClient({
        url: `redis://127.0.0.1:${redis.port}`,
        // Reconnect quickly and forever (bounded backoff): the app must come back by itself.
        socket: { connectTimeout: 1_000, reconnectStrategy: (retries: number) => Math.min(50 * (retries + 1), 500) },
      });
      client.on("error", () => {}); // failures reach requests as StoreError; this only keeps node-redis from throwing
      await client.connect();
      const store = new RedisStore({ client, prefix: "fault:s:", userPrefix: "fault:u:" });
      const sessions = createSessions({ secret: SECRET, store, storeTimeoutMs: STORE_TIMEOUT_MS });
      app = await startApp(sessions, (req, res) => {
        if (req.url === "/inc") req.session.set("n", Number(req.session.get("n") ?? 0) + 1);
        res.end(String(req.session.get("n") ?? ""));
      });
    });
    after(async () => {
      process.off("unhandledRejection", onUnhandled);
      await app?.close();
      client?.destroy();
      await redis?.stop();
    });

    /** One round: each of the 200 clients sends one request on its own session. */
    async function round(cookies: string[], path = "/inc"): Promise<WireResponse[]> {
      const results = await Promise.all(cookies.map((cookie) => send(app.port, path, { cookie, timeoutMs: 30_000 })));
      results.forEach((r, i) => {
        if (r.status === 200 && r.body !== "") acked.set(cookies[i]!, Number(r.body));
      });
      return results;
    }

    async function untilHealthy(cookies: string[], timeoutMs: number): Promise<number> {
      const started = Date.now();
      while (Date.now() - started < timeoutMs) {
        const results = await round(cookies.slice(0, 5), "/read");
        if (results.every((r) => r.status === 200)) return Date.now() - started;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`service did not resume within ${timeoutMs} ms`);
    }

    it("R57 R58 R59 pause → fast 503s, resume → 200s, kill → fast 503s, restart → 200s with every committed session intact", async () => {
      // 200 clients, each with its own committed session.
      const first = await Promise.all(Array.from({ length: CLIENTS }, () => send(app.port, "/inc", { timeoutMs: 30_000 })));
      assert.deepEqual([...new Set(first.map((r) => r.status))], [200]);
      const cookies = first.map((r) => cookieOf(r)!);
      cookies.forEach((c) => acked.set(c, 1));
      for (let i = 0; i < 3; i++) assert.deepEqual([...new Set((await round(cookies)).map((r) => r.status))], [200]);

      redis.pause();
      try {
        const paused = await round(cookies);
        const statuses = new Set(paused.map((r) => r.status));
        assert.deepEqual([...statuses], [503], "every request fails closed with 503 while Redis is paused");
        const slowest = Math.max(...paused.map((r) => r.elapsedMs));
        assert.ok(slowest < STORE_TIMEOUT_MS + MARGIN_MS, `slowest 503 took ${slowest.toFixed(0)} ms`);
        assert.ok(paused.every((r) => r.headers["retry-after"] === "1" && r.setCookie.length === 0));
      } finally {
        redis.resume();
      }
      await untilHealthy(cookies, 30_000);
      assert.deepEqual([...new Set((await round(cookies)).map((r) => r.status))], [200], "all 200 clients served after SIGCONT");

      await redis.kill();
      const killed = await round(cookies);
      assert.deepEqual([...new Set(killed.map((r) => r.status))], [503], "503 while Redis is down");
      const slowestKilled = Math.max(...killed.map((r) => r.elapsedMs));
      assert.ok(slowestKilled < STORE_TIMEOUT_MS + MARGIN_MS, `slowest 503 took ${slowestKilled.toFixed(0)} ms`);

      await redis.restart();
      const resumedInMs = await untilHealthy(cookies, 30_000);
      assert.ok(resumedInMs < 30_000);
      const reads = await Promise.all(cookies.map((cookie) => send(app.port, "/read", { cookie, timeoutMs: 30_000 })));
      reads.forEach((r, i) => {
        assert.equal(r.status, 200);
        const n = Number(r.body);
        // A write that timed out while Redis was paused may still have landed after SIGCONT, so ≥, never <.
        assert.ok(n >= acked.get(cookies[i]!)!, `session ${i}: stored n=${r.body}, acknowledged ${acked.get(cookies[i]!)}`);
      });
      assert.deepEqual(unhandled, [], "no unhandled rejection");
    });
  });
}
