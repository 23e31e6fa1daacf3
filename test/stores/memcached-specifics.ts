/**
 * What is particular to the Memcached store, on servers this file starts:
 * the key layout and native expiry (30-day rule included), the item size
 * limit and the user index past it, eviction, and a server that is down.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { MemcachedStore, MemcachedStoreError } from "../../src/stores/memcached.js";
import { ConfigError, StoreError } from "../../src/core/errors.js";
import { createSessions } from "../../src/index.js";
import { change, ctx, randomIdHash, record, testSecret } from "../../src/testing/index.js";
import type { Loaded, TestClient } from "../helpers/memcache-client.js";
import { sparePort, startMemcached, type SpawnedServer } from "../helpers/spawned-server.js";
import { dumpKeys, metadump, stats } from "./memcached-raw.js";
import { TOMBSTONE } from "../../src/stores/memcached/records.js";
import { describeWalkMeetsRotate } from "../helpers/walk-meets-rotate.js";

type Client = NonNullable<Loaded["MemcacheClient"]>;
const prefix = (): string => `s${randomBytes(6).toString("hex")}:`;

/** Run `fn` with a client on a memcached of its own started with `args`, stopped after. */
async function withServer(MemcacheClient: Client, args: string[], fn: (client: TestClient, server: SpawnedServer) => Promise<void>): Promise<void> {
  const started = await startMemcached(args);
  assert.ok(started.server, started.skip);
  const client = new MemcacheClient({ server: `127.0.0.1:${started.server.port}`, cmdTimeout: 10_000 });
  try {
    await fn(client, started.server);
  } finally {
    client.shutdown();
    await started.server.stop();
  }
}

/** @internal Registered by memcached.test.ts once its server runs. */
export function registerMemcachedSpecifics(MemcacheClient: Client, client: TestClient, server: SpawnedServer): void {
  describe("MemcachedStore specifics", () => {
    it("refuses a missing client, a prefix that could break the protocol and a tiny item limit", () => {
      assert.throws(() => new MemcachedStore({} as never), (e: unknown) => e instanceof ConfigError && e.option === "client");
      for (const bad of ["a b", "x\r\nflush_all", "é", "p".repeat(65)]) {
        assert.throws(() => new MemcachedStore({ client, prefix: bad }), (e: unknown) => e instanceof ConfigError && e.option === "prefix", JSON.stringify(bad));
      }
      assert.throws(() => new MemcachedStore({ client, maxItemBytes: 100 }), (e: unknown) => e instanceof ConfigError && e.option === "maxItemBytes");
    });

    it("an id hash that is not base64url never reaches the protocol", async () => {
      const store = new MemcachedStore({ client, prefix: prefix() });
      for (const bad of ["a b", "x\r\nflush_all", ""]) {
        await assert.rejects(store.load(bad, ctx()), (e: unknown) => e instanceof MemcachedStoreError && e.code === "SESSIONKIT_BAD_ID_HASH");
      }
    });

    it("keeps a session under <prefix>s:<idHash> and a user's index under <prefix>u:<SHA-256 of the user id>, no user id in any key", async () => {
      const p = prefix();
      const store = new MemcachedStore({ client, prefix: p });
      const id = randomIdHash();
      await store.create(id, record({ a: "1" }, { userId: "alice@example.com" }), ctx());
      const userKey = `${p}u:${createHash("sha256").update("alice@example.com").digest("base64url")}`;
      const lines = await dumpKeys(server.port, p);
      assert.deepEqual(lines.map((line) => line.split(" ")[0]).sort(), [`${p}s:${id}`, userKey].sort());
      assert.ok(lines.find((line) => line.startsWith(userKey))?.includes(id), "the index lists the session");
    });

    it("Memcached expires each item with its record: seconds up to 30 days, the Unix time beyond, a frozen one with its link", async () => {
      const p = prefix();
      const store = new MemcachedStore({ client, prefix: p });
      const nowMs = Date.now();
      const [soon, far, old, next] = [randomIdHash(), randomIdHash(), randomIdHash(), randomIdHash()];
      await store.create(soon, record({}, { nowMs, expiresAtMs: nowMs + 90_000 }), ctx(nowMs));
      const farMs = nowMs + 40 * 86_400_000;
      await store.create(far, record({}, { nowMs, expiresAtMs: farMs }), ctx(nowMs));
      await store.create(old, record({}, { nowMs, expiresAtMs: nowMs + 3_600_000 }), ctx(nowMs));
      assert.equal(await store.rotate(old, next, change(), nowMs + 7_200_000, ctx(nowMs)), "ok");
      const exp = new Map((await metadump(server.port)).map((item) => [item.key, item.exp]));
      const nowSeconds = nowMs / 1000;
      assert.ok(Math.abs(exp.get(`${p}s:${soon}`)! - (nowSeconds + 90)) <= 2, `90 s from now: ${exp.get(`${p}s:${soon}`)}`);
      assert.equal(exp.get(`${p}s:${far}`), Math.ceil(farMs / 1000), "beyond 30 days: the record's own expiry as a Unix time");
      assert.ok(Math.abs(exp.get(`${p}s:${old}`)! - (nowSeconds + 7_200)) <= 2, "the frozen record: kept until the grace, the latest here");
      // An old record about to expire, a short grace, a new record for an hour: the link lives the hour.
      const [brief, successor] = [randomIdHash(), randomIdHash()];
      await store.create(brief, record({}, { nowMs, expiresAtMs: nowMs + 20_000 }), ctx(nowMs));
      assert.equal(await store.rotate(brief, successor, change({ expiresAtMs: nowMs + 3_600_000 }), nowMs + 5_000, ctx(nowMs)), "ok");
      const after = new Map((await metadump(server.port)).map((item) => [item.key, item.exp]));
      assert.ok(Math.abs(after.get(`${p}s:${brief}`)! - (nowSeconds + 3_600)) <= 2, "the frozen record: kept until the new record's expiry");
    });

    // Issue #14, as on Redis (d871496): destroyForUser meets an old id at the very step a rotate of it
    // runs. The walk is stopped just before its compare-and-set that would end the old id (the step
    // after it decided the id is the user's), the rotate runs (or its first step), then the walk goes
    // on. Before the fix the walk decided in #spared, then tombstoned the old id and its successor
    // without asking whose they were: a rotate to bob in between lost both ids, yet resolved "ok".
    describe("destroyForUser meeting a rotate at the old id", () => {
      const p = prefix();
      const plain = new MemcachedStore({ client, prefix: p });
      const nowMs = Date.now();
      const graceUntilMs = nowMs + 60_000;

      /** A store whose first compare-and-set that would end `idHash` waits for `before` first. */
      function walkerMeeting(idHash: string, before: () => Promise<void>): MemcachedStore {
        let met = false;
        const meeting = {
          gets: (key: string | string[]) => client.gets(key),
          add: (key: string, value: string, options: { lifetime: number }) => client.add(key, value, options),
          cas: async (key: string, value: string, options: { casUniq: string | number; lifetime: number }) => {
            if (!met && key === `${p}s:${idHash}` && value === TOMBSTONE) {
              met = true;
              await before();
            }
            return client.cas(key, value, options);
          },
        };
        return new MemcachedStore({ client: meeting, prefix: p });
      }

      /** A store whose rotate to `newId` stops before its second step (its read of the new id) until released. */
      function rotatingPaused(newId: string): { store: MemcachedStore; atSecondStep: Promise<void>; release: () => void } {
        let release = () => {};
        const held = new Promise<void>((resolve) => (release = resolve));
        let claimed = () => {};
        const atSecondStep = new Promise<void>((resolve) => (claimed = resolve));
        const pausing = {
          gets: async (key: string | string[]) => {
            if (key === `${p}s:${newId}`) {
              claimed();
              await held;
            }
            return client.gets(key);
          },
          add: (key: string, value: string, options: { lifetime: number }) => client.add(key, value, options),
          cas: (key: string, value: string, options: { casUniq: string | number; lifetime: number }) => client.cas(key, value, options),
        };
        return { store: new MemcachedStore({ client: pausing, prefix: p }), atSecondStep, release };
      }

      describeWalkMeetsRotate({ plain, walkerMeeting, rotatingPaused, nowMs, graceUntilMs });
    });

    it("refuses a session over maxItemBytes before sending it, and says so in words", async () => {
      const store = new MemcachedStore({ client, prefix: prefix(), maxItemBytes: 4_096 });
      const sessions = createSessions<Record<string, unknown>>({ secret: testSecret(), store });
      const session = await sessions.load(undefined);
      session.set("big", "x".repeat(5_000));
      const error = await sessions.commit(session, { status: 200 }).then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof StoreError && error.cause instanceof MemcachedStoreError, String(error));
      assert.equal((error.cause as MemcachedStoreError).code, "SESSIONKIT_ITEM_TOO_LARGE");
      assert.match(error.message, /larger than Memcached's item size limit \(nothing was written\) \(SESSIONKIT_ITEM_TOO_LARGE\): keep less/);
    });

    it("a server whose -I is below maxItemBytes refuses the item: a typed error naming the reply, nothing stored", async () => {
      await withServer(MemcacheClient, ["-I", "16k", "-o", "slab_chunk_max=8192"], async (small, smallServer) => {
        const p = prefix();
        const store = new MemcachedStore({ client: small, prefix: p });
        const id = randomIdHash();
        await assert.rejects(store.create(id, record({ big: "x".repeat(40_000) }), ctx()), (e: unknown) => e instanceof MemcachedStoreError && e.code === "SESSIONKIT_MEMCACHED_REPLY" && e.reply === "SERVER_ERROR");
        assert.deepEqual(await dumpKeys(smallServer.port, p), []);
        assert.equal(await store.create(id, record({ small: "1" }), ctx()), true, "the connection still works");
      });
    });

    it("a user's index drops ended and expired sessions as it grows, and past the item limit refuses a new session rather than leave it out", async () => {
      const p = prefix();
      const store = new MemcachedStore({ client, prefix: p, maxItemBytes: 2_048 });
      const nowMs = Date.now();
      // 300 logins whose sessions have ended: the index compacts instead of filling up.
      for (let i = 0; i < 300; i += 1) {
        const id = randomIdHash();
        await store.create(id, record({}, { userId: "ada", nowMs, expiresAtMs: nowMs + 60_000 }), ctx(nowMs));
        await store.destroy(id, ctx(nowMs));
      }
      const live: string[] = [];
      let refused: unknown;
      for (let i = 0; i < 100 && refused === undefined; i += 1) {
        const id = randomIdHash();
        await store.create(id, record({}, { userId: "ada" }), ctx()).then(() => live.push(id), (e: unknown) => (refused = e));
      }
      assert.ok(refused instanceof MemcachedStoreError && refused.code === "SESSIONKIT_USER_INDEX_FULL", String(refused));
      assert.ok(live.length >= 30, `${live.length} live sessions fit in 2 KiB`);
      assert.deepEqual((await store.listForUser("ada", ctx())).map((s) => s.idHash).sort(), [...live].sort(), "every live session is listed, the refused one is not stored");
      assert.equal(await store.destroyForUser("ada", undefined, ctx()), live.length);
    });

    it("eviction under memory pressure can drop a session: it loads as absent (a fresh session), never as an error", async () => {
      await withServer(MemcacheClient, ["-m", "2"], async (tiny, tinyServer) => {
        const store = new MemcachedStore({ client: tiny, prefix: prefix() });
        const ids: string[] = [];
        for (let i = 0; i < 400 && ((await stats(tinyServer.port)).evictions ?? 0) === 0; i += 1) {
          ids.push(randomIdHash());
          await store.create(ids.at(-1)!, record({ pad: "x".repeat(20_000) }), ctx());
        }
        assert.ok(((await stats(tinyServer.port)).evictions ?? 0) > 0, "the server evicted items");
        assert.equal(await store.load(ids[0]!, ctx()), undefined, "the oldest session was evicted");
        assert.ok(await store.load(ids.at(-1)!, ctx()), "the newest is there");
      });
    });

    it("a server that is not there is a StoreError saying so by code", async () => {
      const port = await sparePort();
      const nowhere = new MemcacheClient({ server: `127.0.0.1:${port}`, connectTimeout: 1_000, cmdTimeout: 1_000 });
      try {
        const sessions = createSessions({ secret: testSecret(), store: new MemcachedStore({ client: nowhere }) });
        const error = await sessions.load(`session=${randomIdHash()}`).then(() => undefined, (e: unknown) => e);
        assert.ok(error instanceof StoreError && error.operation === "load", String(error));
        assert.match(error.message, /connection refused \(ECONNREFUSED\)/);
      } finally {
        nowhere.shutdown();
      }
    });

    it("a server killed mid-run is a StoreError on the next call, never a silent empty session", async () => {
      await withServer(MemcacheClient, [], async (own, ownServer) => {
        const sessions = createSessions<Record<string, unknown>>({ secret: testSecret(), store: new MemcachedStore({ client: own }), storeTimeoutMs: 3_000 });
        const first = await sessions.load(undefined);
        first.set("user", "ada");
        const cookie = (await sessions.commit(first, { status: 200 })).setCookie[0]!.split(";")[0]!;
        await ownServer.kill();
        const error = await sessions.load(cookie).then(() => undefined, (e: unknown) => e);
        assert.ok(error instanceof StoreError, `a StoreError, not a fresh session: ${String(error)}`);
      });
    });
  });
}
