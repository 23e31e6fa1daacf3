/**
 * The helpers that start a throwaway redis-server pick a spare port before
 * the server binds it; another process may take it in between. Each case
 * hands them a port that is already taken, as that race leaves it, and checks
 * that they end up on a server of their own (its `INFO` reports the child's
 * pid), never on whatever holds the port.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { serviceUnavailable } from "../../src/testing/index.js";
import { startPrivateRedis } from "./fault-redis.js";
import { haveRedisBinaries, startRedisServer } from "./redis-cluster.js";
import { launchRedis, serverPid } from "./redis-launch.js";
import { holdPort, picker } from "./taken-port.js";

if (!haveRedisBinaries()) {
  serviceUnavailable("throwaway redis-server starts", "redis-server / redis-cli are not on the PATH");
} else {
  describe("starting a throwaway redis-server when its port was taken before it bound it", () => {
    it("startPrivateRedis moves to a new port and serves from its own process; a restart keeps that port", async () => {
      const holder = await holdPort();
      const { pickPort, picks } = picker(holder.port);
      const redis = await startPrivateRedis({ pickPort });
      try {
        assert.equal(picks.length, 2, "the taken port, then a new one");
        assert.equal(redis.port, picks[1]);
        assert.equal(await serverPid(redis.port), redis.pid());
        await redis.kill();
        await redis.restart();
        assert.equal(await serverPid(redis.port), redis.pid(), "the restarted server answers on the same port");
      } finally {
        await redis.stop();
        holder.server.close();
      }
    });

    it("startRedisServer never takes another redis-server on the port for its own", async () => {
      const other = await startRedisServer();
      const { pickPort, picks } = picker(other.port);
      const server = await startRedisServer({ pickPort });
      try {
        assert.deepEqual(picks, [other.port, server.port]);
        assert.notEqual(server.port, other.port);
        assert.equal(await serverPid(server.port), server.proc.pid);
        assert.equal(await serverPid(other.port), other.proc.pid, "the other server was left alone");
      } finally {
        await server.stop();
        await other.stop();
      }
    });

    it("a server started with --requirepass is known by its pid after AUTH, which never goes into a message", async () => {
      const password = "launch-test-password";
      const held = await holdPort();
      const { pickPort, picks } = picker(held.port);
      const server = await launchRedis((p) => ["--port", String(p), "--bind", "127.0.0.1", "--save", "", "--requirepass", password], pickPort);
      try {
        assert.deepEqual(picks, [held.port, server.port]);
        assert.equal(await serverPid(server.port), undefined, "without the password it does not say");
        assert.equal(await serverPid(server.port, password), server.proc.pid);
        await assert.rejects(
          launchRedis((p) => ["--port", String(p), "--bind", "127.0.0.1", "--save", "", "--requirepass", password], async () => held.port),
          (e: unknown) => e instanceof Error && /on any of 5 ports/.test(e.message) && !e.message.includes(password),
        );
      } finally {
        server.proc.kill("SIGKILL");
        held.server.close();
      }
    });

    it("a restart on a port taken meanwhile, or ports that stay taken, fail saying why", async () => {
      const redis = await startPrivateRedis();
      const port = redis.port;
      await redis.kill();
      const holder = (await holdPort(port)).server;
      try {
        await assert.rejects(redis.restart(), new RegExp(`did not start again on port ${port}: exited at start .*Failed listening on port ${port}`));
        await assert.rejects(
          launchRedis((p) => ["--port", String(p), "--bind", "127.0.0.1", "--save", ""], async () => port),
          (e: unknown) => e instanceof Error && /on any of 5 ports/.test(e.message) && e.message.split("\n").filter((l) => l.includes("exited at start")).length === 5,
        );
      } finally {
        holder.close();
        await redis.stop();
      }
    });
  });
}
