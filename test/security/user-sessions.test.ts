/**
 * D.21 and A.5 across every store: "log out everywhere" ends every session
 * of a user however many there are (issue #14, item 2: the Redis store used
 * to stop at 10,000), and a listing never gives out a raw session id, the
 * Flask-Session store's included (issue #14, item 7). Core and real stores,
 * no adapter: the wire is the same on all six (R79), what differs is the store.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import Database from "better-sqlite3";
import pg from "pg";
import { createClient } from "redis";
import { RedisStore as ConnectRedis } from "connect-redis";
import { createSessions, hashSessionId, type SessionManager, type Store } from "../../src/index.js";
import { MemoryStore } from "../../src/stores/memory.js";
import { SqliteStore } from "../../src/stores/sqlite.js";
import { RedisStore } from "../../src/stores/redis.js";
import { PostgresStore } from "../../src/stores/postgres.js";
import { FileStore } from "../../src/stores/file.js";
import { FlaskSessionRedisStore } from "../../src/stores/flask-session.js";
import { ConnectStore } from "../../src/stores/connect.js";
import { ctx, probeService, record, randomIdHash, serviceUnavailable } from "../../src/testing/index.js";
import { SECRET } from "../helpers/security-server.js";

/** Every store's internal batch, small, so that a handful of sessions already spans several. */
const BATCH = 3;
const tag = `sk-sec-users-${process.pid}-${randomBytes(3).toString("hex")}`;
const dir = mkdtempSync(join(tmpdir(), "sk-sec-users-"));
const redis = createClient({ url: "redis://127.0.0.1:6379", socket: { reconnectStrategy: false, connectTimeout: 2_000 } });
redis.on("error", () => {});
const redisSkip = await probeService("Redis at 127.0.0.1:6379", async () => {
  await redis.connect();
  await redis.ping();
});
const pool = new pg.Pool({ host: "127.0.0.1", port: 5432, user: "postgres", database: "test", max: 4 });
pool.on("error", () => {});
const pgSkip = await probeService("PostgreSQL at 127.0.0.1:5432 (database test)", async () => void (await pool.query("SELECT 1")));
let n = 0;
const tables: string[] = [];
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (!redisSkip) {
    for await (const keys of redis.scanIterator({ MATCH: `${tag}*`, COUNT: 1000 })) if (keys.length) await redis.del(keys);
    redis.destroy();
  }
  if (!pgSkip) for (const t of tables) await pool.query(`DROP TABLE IF EXISTS "${t}"`);
  await pool.end();
});

/** Each store with a user index, built fresh, with a batch of BATCH where it has one. */
const KINDS: Array<{ name: string; skip: string | undefined; open(): Store }> = [
  { name: "memory", skip: undefined, open: () => new MemoryStore({ maxEntries: 100_000 }) },
  { name: "sqlite", skip: undefined, open: () => new SqliteStore({ db: new Database(":memory:"), userBatchSize: BATCH }) },
  { name: "file", skip: undefined, open: () => new FileStore({ directory: join(dir, `f${(n += 1)}`), fsync: false, userBatchSize: BATCH }) },
  {
    name: "redis",
    skip: redisSkip,
    open: () => new RedisStore({ client: redis, prefix: `${tag}:${(n += 1)}:s:`, userPrefix: `${tag}:${n}:u:`, userBatchSize: BATCH }),
  },
  {
    name: "flask-session",
    skip: redisSkip,
    open: () => new FlaskSessionRedisStore({ client: redis, keyPrefix: `${tag}:${(n += 1)}:fs:`, metaPrefix: `${tag}:${n}:meta:`, userBatchSize: BATCH }),
  },
  { name: "connect", skip: redisSkip, open: () => new ConnectStore({ store: new ConnectRedis({ client: redis, prefix: `${tag}:${(n += 1)}:c:` }) }) },
  {
    name: "postgres",
    skip: pgSkip,
    open: () => {
      const table = `sk_sec_users_${process.pid}_${(n += 1)}`;
      tables.push(table);
      return new PostgresStore({ pool, table, userBatchSize: BATCH });
    },
  },
];

const manager = (store: Store): SessionManager => createSessions({ secret: SECRET, store });
const cookieOf = (setCookie: string[]): string => setCookie[0]!.split(";")[0]!;

/** A logged-in session of `user`; regenerated once more when `rotate`. Resolves its cookie. */
async function login(sessions: SessionManager, user: string, rotate: boolean): Promise<string> {
  const s = await sessions.load(undefined);
  s.set("v", 1);
  await s.login(user);
  let cookie = cookieOf((await sessions.commit(s)).setCookie);
  if (rotate) {
    const again = await sessions.load(cookie);
    await again.regenerate();
    cookie = cookieOf((await sessions.commit(again)).setCookie);
  }
  return cookie;
}

const live = async (sessions: SessionManager, cookie: string): Promise<boolean> => !(await sessions.load(cookie)).isNew;

describe("D. logout everywhere and A. listings, on every store", () => {
  for (const kind of KINDS) {
    if (kind.skip !== undefined) {
      serviceUnavailable(`user sessions on ${kind.name}`, kind.skip);
      continue;
    }

    it(`R21 log out everywhere ends every session of a user, past every batch of the store, and counts them (generated) (${kind.name})`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: BATCH + 1, max: 4 * BATCH + 2 }),
          fc.integer({ min: 0, max: 3 }),
          fc.array(fc.boolean(), { minLength: 4 * BATCH + 2, maxLength: 4 * BATCH + 2 }),
          fc.option(fc.nat(), { nil: undefined }),
          async (mine, theirs, rotated, exceptPick) => {
            const sessions = manager(kind.open());
            const cookies = [];
            for (let i = 0; i < mine; i += 1) cookies.push(await login(sessions, "ursula", rotated[i]!));
            const others = [];
            for (let i = 0; i < theirs; i += 1) others.push(await login(sessions, "victor", rotated[i]!));
            assert.equal((await sessions.listForUser("ursula")).length, mine, "every session is listed");
            const kept = exceptPick === undefined ? undefined : cookies[exceptPick % mine]!;
            const except = kept === undefined ? {} : { except: await sessions.load(kept) };
            assert.equal(await sessions.destroyAllForUser("ursula", except), kept === undefined ? mine : mine - 1, "the true count");
            for (const cookie of cookies) assert.equal(await live(sessions, cookie), cookie === kept, "every other session of the user is FRESH");
            for (const cookie of others) assert.equal(await live(sessions, cookie), true, "another user's sessions are untouched");
            assert.deepEqual(
              (await sessions.listForUser("ursula")).map((s) => s.idHash),
              kept === undefined ? [] : [hashSessionId(kept.slice(kept.indexOf("=") + 1))],
            );
          },
        ),
        { numRuns: 3 },
      );
    });

    it(`R5 a listing gives each live session as the SHA-256 of its id, never the id itself, and that hash names it for except (generated) (${kind.name})`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }), async (rotated) => {
          const store = kind.open();
          const sessions = manager(store);
          const ids = [];
          for (const r of rotated) {
            const cookie = await login(sessions, "wanda", r);
            ids.push(cookie.slice(cookie.indexOf("=") + 1));
          }
          const listed = (await sessions.listForUser("wanda")).map((s) => s.idHash).sort();
          assert.deepEqual(listed, ids.map(hashSessionId).sort(), "one entry per live session: SHA-256 of its id");
          for (const id of ids) assert.ok(!listed.includes(id), "a raw id, a live cookie, is never listed");
          if (store.list) {
            const all = (await store.list({ nowMs: Date.now() })).map((s) => s.idHash);
            for (const id of ids) assert.ok(!all.includes(id), "nor by list()");
          }
          // The store itself takes the listed hash as the session to keep.
          assert.equal(await store.destroyForUser!("wanda", listed[0], ctx()), ids.length - 1);
          assert.deepEqual((await sessions.listForUser("wanda")).map((s) => s.idHash), [listed[0]]);
        }),
        { numRuns: 3 },
      );
    });
  }

  if (redisSkip !== undefined) serviceUnavailable("R21 on the real Redis past 10,000 sessions", redisSkip);
  else
    it("R21 on the real Redis, a user with 10,001 sessions (past the old cap of 10,000) is logged out everywhere, and the count is true", async () => {
      const prefix = `${tag}:big:`;
      const store = new RedisStore({ client: redis, prefix: `${prefix}s:`, userPrefix: `${prefix}u:` });
      const sessions = manager(store);
      const total = 10_001;
      // 10,000 sessions straight into the store (fast), and one through the app, to keep.
      for (let start = 0; start < total - 1; start += 500) {
        await Promise.all(
          Array.from({ length: Math.min(500, total - 1 - start) }, () => store.create(randomIdHash(), record({ v: "1" }, { userId: "big" }), ctx())),
        );
      }
      const kept = await login(sessions, "big", false);
      assert.equal((await sessions.listForUser("big")).length, total, "every session is listed");
      assert.equal(await sessions.destroyAllForUser("big", { except: await sessions.load(kept) }), total - 1);
      const left: string[] = [];
      for await (const keys of redis.scanIterator({ MATCH: `${prefix}s:*`, COUNT: 1000 })) left.push(...keys);
      assert.deepEqual(left, [`${prefix}s:${hashSessionId(kept.slice(kept.indexOf("=") + 1))}`], "only the kept session's key is left");
      assert.equal(await live(sessions, kept), true);
    });
});
