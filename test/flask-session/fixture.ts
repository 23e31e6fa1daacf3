/**
 * Shared pieces of the Flask-Session store tests: one node-redis client on
 * the machine's Redis, a run-unique key base, and a MakeStore whose stores
 * each get their own Flask-Session prefix (and metadata prefix) under it.
 */
import { after } from "node:test";
import { randomBytes } from "node:crypto";
import { createClient } from "redis";
import { FlaskSessionRedisStore } from "../../src/stores/flask-session.js";
import { probeService, type MakeStore } from "../../src/testing/index.js";

export const REDIS_URL = "redis://127.0.0.1:6379";

/** A connected client (when `skip` is undefined) and the reason to skip otherwise. */
export async function connectRedis(label: string): Promise<{ client: Client; skip: Awaited<ReturnType<typeof probeService>>; base: string }> {
  const client = createClient({ url: REDIS_URL, socket: { reconnectStrategy: false, connectTimeout: 2_000 } });
  client.on("error", () => {}); // failures surface through the commands and the probe, not this event
  const skip = await probeService(`Redis at ${REDIS_URL}`, async () => {
    await client.connect();
    await client.ping();
  });
  // Every key of this run starts with `base`; the metadata of a store lives under "meta:" + its prefix.
  const base = `sk-test:flask-session:${label}:${process.pid}:${randomBytes(4).toString("hex")}:`;
  after(async () => {
    if (skip) return;
    await deleteUnder(client, base);
    client.destroy();
  });
  return { client, skip, base };
}

type Client = ReturnType<typeof createClient>;

/** Every key under `prefix` (bounded scan). */
export async function keysUnder(client: Client, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  for (let i = 0; i < 10_000; i += 1) {
    const reply = await client.scan(cursor, { MATCH: `${prefix}*`, COUNT: 1000 });
    keys.push(...reply.keys);
    cursor = String(reply.cursor);
    if (cursor === "0") break;
  }
  return keys;
}

export async function deleteUnder(client: Client, prefix: string): Promise<void> {
  const keys = await keysUnder(client, prefix);
  if (keys.length) await client.del(keys);
}

let counter = 0;

/** Store prefixes for one test: `session` (Flask-Session's) and `meta`, both under `base`. */
export function prefixesFor(base: string): { keyPrefix: string; metaPrefix: string; all: string } {
  const all = `${base}${(counter += 1)}:`;
  return { keyPrefix: `${all}session:`, metaPrefix: `${all}meta:`, all };
}

/** The MakeStore the shared suites run on. */
export function flaskSessionFixture(client: Client, base: string): MakeStore {
  return async () => {
    const { keyPrefix, metaPrefix, all } = prefixesFor(base);
    const store = new FlaskSessionRedisStore({ client, keyPrefix, metaPrefix, userBatchSize: 4 });
    return {
      store,
      userBatchSize: 4,
      dump: async () => {
        const lines: string[] = [];
        for (const key of await keysUnder(client, all)) {
          const type = await client.type(key);
          const body = type === "hash" ? await client.hGetAll(key) : type === "set" ? await client.sMembers(key) : await client.get(key);
          lines.push(`${key} ${JSON.stringify(body)}`);
        }
        return lines.join("\n");
      },
      cleanup: () => deleteUnder(client, all),
    };
  };
}
