import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createCluster, type RedisClusterType } from "redis";
import { Cluster } from "ioredis";
import { RedisStore } from "../../src/stores/redis.js";
import { ctx, randomIdHash, record, serviceUnavailable, testSessionsOnStore, testStore } from "../../src/testing/index.js";
import { haveRedisBinaries, startRedisCluster, type RedisClusterHandle } from "../helpers/redis-cluster.js";
import { redisFixture, runPrefix, type RawRedis } from "./redis-fixture.js";

let cluster: RedisClusterHandle | undefined;
let client: RedisClusterType | undefined;
let io: Cluster | undefined;
let masters: RawRedis[] = [];
const base = runPrefix("cluster");

if (!haveRedisBinaries()) {
  serviceUnavailable("redis cluster store", "redis-server / redis-cli are not on the PATH, so no test cluster can be started");
} else {
  before(async () => {
    cluster = await startRedisCluster();
    client = createCluster({ rootNodes: cluster.rootNodes });
    client.on("error", () => {}); // surfaced through the commands
    await client.connect();
    masters = await Promise.all(client.masters.map((m) => client!.nodeClient(m)));
    io = new Cluster(cluster.ports.map((port) => ({ host: "127.0.0.1", port })), { lazyConnect: false });
  });
  after(async () => {
    io?.disconnect();
    client?.destroy();
    await cluster?.stop();
  });

  const run = (key: string, args: string[]) => client!.sendCommand(key, false, args);
  // Through a proxy object: the fixture is built now, the client only exists after `before`.
  const lateClient = {
    evalSha: (sha: string, o: { keys: string[]; arguments: string[] }) => client!.evalSha(sha, o),
    eval: (src: string, o: { keys: string[]; arguments: string[] }) => client!.eval(src, o),
  };
  const lateIo = {
    evalsha: (sha: string, n: number, ...rest: string[]) => io!.evalsha(sha, n, ...rest),
    eval: (src: string, n: number, ...rest: string[]) => io!.eval(src, n, ...rest),
  };
  testStore("redis cluster (node-redis v5 createCluster)", redisFixture(lateClient, `${base}nr:`, () => masters, run), { heavy: true });
  testStore("redis cluster (ioredis Cluster)", redisFixture(lateIo, `${base}io:`, () => masters, run));
  testSessionsOnStore("redis cluster (node-redis v5)", redisFixture(lateClient, `${base}sess:`, () => masters, run));

  describe("RedisStore on a cluster specifics", () => {
    it("indexes one user's sessions spread over several masters, and destroys them all", async () => {
      const prefix = `${base}spread:`;
      const store = new RedisStore({ client: lateClient, prefix, userPrefix: `${base}spread-user:` });
      const ids = Array.from({ length: 12 }, () => randomIdHash());
      for (const id of ids) assert.equal(await store.create(id, record({ a: "1" }, { userId: "henry" }), ctx()), true);
      const slots = new Set(
        await Promise.all(ids.map(async (id) => Number(await client!.sendCommand(undefined, true, ["CLUSTER", "KEYSLOT", `${prefix}${id}`])))),
      );
      const owners = new Set<number>();
      for (const slot of slots) {
        const owner = client!.masters.findIndex((m) => client!.slots[slot]?.master === m);
        owners.add(owner);
      }
      assert.ok(owners.size >= 2, `sessions should span masters, got ${owners.size}`);
      assert.deepEqual((await store.listForUser("henry", ctx())).map((s) => s.idHash).sort(), [...ids].sort());
      assert.equal(await store.destroyForUser("henry", ids[0], ctx()), 11);
      for (const id of ids.slice(1)) assert.equal(await store.load(id, ctx()), undefined);
      assert.ok(await store.load(ids[0]!, ctx()));
      await store.destroy(ids[0]!, ctx());
    });
  });
}
