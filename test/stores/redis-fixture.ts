/**
 * Shared pieces of the Redis store tests: a fixture factory giving each test
 * its own key prefix, a dump of everything under it, and cleanup.
 */
import { randomBytes } from "node:crypto";
import { RedisStore } from "../../src/stores/redis.js";
import type { MakeStore } from "../../src/testing/index.js";

/** The few commands the fixture needs, on node-redis v5 (client or cluster master). */
export interface RawRedis {
  sendCommand(args: string[]): Promise<unknown>;
}

let counter = 0;

/** A run-unique base so parallel test files and reruns never share keys. */
export function runPrefix(label: string): string {
  return `sk-test:${label}:${process.pid}:${randomBytes(4).toString("hex")}:`;
}

async function keysUnder(nodes: RawRedis[], base: string): Promise<string[]> {
  const keys: string[] = [];
  for (const node of nodes) {
    let cursor = "0";
    for (let i = 0; i < 10_000; i += 1) {
      const [next, batch] = (await node.sendCommand(["SCAN", cursor, "MATCH", `${base}*`, "COUNT", "1000"])) as [string, string[]];
      keys.push(...batch);
      cursor = String(next);
      if (cursor === "0") break;
    }
  }
  return keys;
}

/**
 * A MakeStore whose stores each get their own prefix under `base`.
 * `nodes` are where keys live (the masters, on a cluster); `del` deletes one key.
 */
export function redisFixture(
  client: object,
  base: string,
  nodes: () => RawRedis[],
  run: (key: string, args: string[]) => Promise<unknown>,
): MakeStore {
  return async () => {
    const prefix = `${base}${(counter += 1)}:`;
    const store = new RedisStore({ client, prefix: `${prefix}sess:`, userPrefix: `${prefix}user:`, userBatchSize: 4 });
    return {
      store,
      userBatchSize: 4,
      dump: async () => {
        const lines: string[] = [];
        for (const key of await keysUnder(nodes(), prefix)) {
          const type = String(await run(key, ["TYPE", key]));
          const body = type === "hash" ? await run(key, ["HGETALL", key]) : type === "zset" ? await run(key, ["ZRANGE", key, "0", "-1"]) : type;
          lines.push(`${key} ${JSON.stringify(body)}`);
        }
        return lines.join("\n");
      },
      cleanup: async () => {
        for (const key of await keysUnder(nodes(), prefix)) await run(key, ["DEL", key]);
      },
    };
  };
}
