/**
 * The one thing the Redis store needs from a client: run a Lua script on the
 * node that owns its key. This file adapts node-redis v5 (`createClient`,
 * `createCluster`) and ioredis (`Redis`, `Cluster`) to that, so the store
 * never imports a driver.
 */
import { redisErrorCode } from "../shared/redis-error.js";
import type { LuaScript } from "./scripts.js";

/**
 * The part of a node-redis v5 client or cluster the store uses.
 *
 * @example
 * import { createClient } from "redis";
 * const client: NodeRedisLike = await createClient().connect();
 */
export interface NodeRedisLike {
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/**
 * The part of an ioredis client or cluster the store uses.
 *
 * @example
 * import { Redis } from "ioredis";
 * const client: IoRedisLike = new Redis();
 */
export interface IoRedisLike {
  evalsha(sha1: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
}

/**
 * Runs scripts by SHA-1 and falls back to sending the source once when the
 * server answers NOSCRIPT (first call, a restart, SCRIPT FLUSH, a new
 * cluster node): the server caches it again for the next EVALSHA.
 *
 * @example
 * const runner = scriptRunner(client); await runner.run(SCRIPTS.load, ["sk:sess:abc"], []);
 */
export interface ScriptRunner {
  run(script: LuaScript, keys: string[], args: string[]): Promise<unknown>;
}

/**
 * Adapt a node-redis v5 or ioredis client (or cluster); `undefined` when it is neither.
 *
 * @example
 * const runner = scriptRunner(createClient());
 */
export function scriptRunner(client: unknown): ScriptRunner | undefined {
  if (client === null || typeof client !== "object") return undefined;
  const c = client as Partial<NodeRedisLike & IoRedisLike>;
  if (typeof c.evalSha === "function" && typeof c.eval === "function") {
    const nodeRedis = client as NodeRedisLike;
    return {
      run: (script, keys, args) =>
        withNoScriptFallback(
          () => nodeRedis.evalSha(script.sha1, { keys, arguments: args }),
          () => nodeRedis.eval(script.source, { keys, arguments: args }),
        ),
    };
  }
  if (typeof c.evalsha === "function" && typeof c.eval === "function") {
    const ioredis = client as IoRedisLike;
    return {
      run: (script, keys, args) =>
        withNoScriptFallback(
          () => ioredis.evalsha(script.sha1, keys.length, ...keys, ...args),
          () => ioredis.eval(script.source, keys.length, ...keys, ...args),
        ),
    };
  }
  return undefined;
}

async function withNoScriptFallback(bySha: () => Promise<unknown>, bySource: () => Promise<unknown>): Promise<unknown> {
  try {
    return await bySha();
  } catch (error) {
    if (redisErrorCode(error) !== "NOSCRIPT") throw error;
    return bySource();
  }
}
