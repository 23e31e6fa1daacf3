import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RESP_TYPES } from "redis";
import { FlaskSessionRedisStore } from "../../src/stores/flask-session.js";
import { ConfigError } from "../../src/core/errors.js";
import { hashSessionId } from "../../src/core/ids.js";
import { decodeMsgpack, encodeMsgpack } from "../../src/stores/flask-session/msgpack.js";
import { change, ctx, randomIdHash, record, serviceUnavailable, testSessionsOnStore, testStore } from "../../src/testing/index.js";
import { connectRedis, flaskSessionFixture, prefixesFor } from "./fixture.js";

const { client, skip, base } = await connectRedis("store");

if (skip) {
  serviceUnavailable("flask-session store", skip);
} else {
  testStore("flask-session (node-redis v5, raw ids)", flaskSessionFixture(client, base), { heavy: true });
  testSessionsOnStore("flask-session (raw ids)", flaskSessionFixture(client, base), { rawIds: true });

  const fresh = () => {
    const p = prefixesFor(base);
    return { ...p, store: new FlaskSessionRedisStore({ client, keyPrefix: p.keyPrefix, metaPrefix: p.metaPrefix }) };
  };
  const rawGet = async (key: string): Promise<Buffer | null> =>
    (await client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer }).get(key)) as Buffer | null;

  describe("FlaskSessionRedisStore: the record is Flask-Session's", () => {
    it("asks core for raw ids and names itself; removed options are refused", () => {
      const { store } = fresh();
      assert.equal(store.rawIds, true);
      assert.equal(store.name, "flask-session");
      for (const option of ["now", "maxSessionsPerUser"]) {
        assert.throws(() => new FlaskSessionRedisStore({ client, [option]: 1 } as never), (e: unknown) => e instanceof ConfigError && e.option === option);
      }
    });

    it("writes prefix + raw id = msgpack of the whole dict, TTL = the time to expiresAtMs, and nothing else under the prefix", async () => {
      const { store, keyPrefix } = fresh();
      const id = randomIdHash();
      const data = { _permanent: "true", user: '"alice"', n: "300", neg: "-33", pi: "3.5", none: "null", list: "[1,\"a\"]" };
      assert.equal(await store.create(id, record(data, { ttlSeconds: 600 }), ctx()), true);
      const bytes = await rawGet(keyPrefix + id);
      assert.ok(bytes);
      // The exact bytes msgspec writes for {"_permanent": True, "user": "alice", "n": 300, "neg": -33, "pi": 3.5, "none": None, "list": [1, "a"]}.
      assert.equal(
        bytes.toString("hex"),
        "87aa5f7065726d616e656e74c3a475736572a5616c696365a16ecd012ca36e6567d0dfa27069cb400c000000000000a46e6f6e65c0a46c6973749201a161",
      );
      const ttl = await client.ttl(keyPrefix + id);
      assert.ok(ttl > 590 && ttl <= 600, `ttl ${ttl}`);
      assert.deepEqual(await client.keys(`${keyPrefix}*`), [keyPrefix + id], "metadata never lives under the Flask-Session prefix");
    });

    it("apply rewrites only the changed entries and keeps every other entry's bytes (a Flask float 1.0 stays a float)", async () => {
      const { store, keyPrefix } = fresh();
      const id = randomIdHash();
      // What Flask-Session would write for {"f": 1.0, "keep": "x", "gone": 1}: 1.0 has no tagged-JSON form distinct from 1.
      const flaskBytes = Buffer.concat([Buffer.from([0x83]), encodeMsgpack("f"), Buffer.from("cb3ff0000000000000", "hex"), encodeMsgpack("keep"), encodeMsgpack("x"), encodeMsgpack("gone"), encodeMsgpack(1)]);
      await client.set(keyPrefix + id, flaskBytes, { EX: 600 });
      assert.equal(await store.apply(id, change({ set: { keep: '"y"', added: "[true]" }, delete: ["gone"], expiresAtMs: Date.now() + 600_000 }), ctx()), "ok");
      const after = await rawGet(keyPrefix + id);
      assert.equal(
        after!.toString("hex"),
        Buffer.concat([Buffer.from([0x83]), encodeMsgpack("f"), Buffer.from("cb3ff0000000000000", "hex"), encodeMsgpack("keep"), encodeMsgpack("y"), encodeMsgpack("added"), encodeMsgpack([true])]).toString("hex"),
      );
    });

    it("reads a record Flask-Session wrote (no metadata): its TTL is the expiry, createdAtMs is unknown (now)", async () => {
      const { store, keyPrefix } = fresh();
      const id = randomIdHash();
      await client.set(keyPrefix + id, encodeMsgpack({ _permanent: true, cart: [1, 2], when: new Date(1_700_000_000_000) }), { EX: 100 });
      const before = Date.now();
      const loaded = await store.load(id, ctx());
      assert.ok(loaded);
      assert.deepEqual({ ...loaded.data }, { _permanent: "true", cart: "[1,2]", when: '{" d":"Tue, 14 Nov 2023 22:13:20 GMT"}' });
      assert.ok(loaded.expiresAtMs > before + 98_000 && loaded.expiresAtMs <= Date.now() + 100_000, "expiry from the key's TTL");
      assert.ok(loaded.createdAtMs >= before && loaded.createdAtMs <= Date.now(), "no creation time in a Flask-Session record");
      assert.equal(loaded.userId, undefined);
    });

    it("follows Flask-Session's rewrite of a record sessionkit wrote: the key's new TTL wins over the stale metadata", async () => {
      const { store, keyPrefix } = fresh();
      const id = randomIdHash();
      const created = record({ a: "1" }, { ttlSeconds: 5 });
      await store.create(id, created, ctx());
      assert.equal((await store.load(id, ctx()))?.expiresAtMs, created.expiresAtMs);
      const bytes = await rawGet(keyPrefix + id);
      await client.set(keyPrefix + id, bytes!, { EX: 3_600 }); // what Flask-Session's save_session does on refresh
      const loaded = await store.load(id, ctx());
      assert.ok(loaded && loaded.expiresAtMs > Date.now() + 3_500_000, "the refreshed expiry");
      assert.equal(loaded.createdAtMs, created.createdAtMs, "the creation time survives the rewrite");
    });

    it("treats a record that is not msgpack (JSON format, pickle) as absent, and never revives it", async () => {
      const { store, keyPrefix } = fresh();
      const pickled = randomIdHash();
      // A pre-0.7 pickle: sessionkit never unpickles (R75 in docs/security-model.md).
      await client.set(keyPrefix + pickled, Buffer.from("8004950a000000000000007d948c0161944b01732e", "hex"), { EX: 60 });
      assert.equal(await store.load(pickled, ctx()), undefined);
      assert.equal(await store.apply(pickled, change({ set: { a: "2" } }), ctx()), "missing");
      const json = randomIdHash();
      await client.set(keyPrefix + json, '{"a":1}', { EX: 60 });
      assert.equal(await store.load(json, ctx()), undefined);
    });

    it("a value that is not canonical tagged JSON round-trips exactly, as an extension Flask-Session shows as Ext", async () => {
      const { store, keyPrefix } = fresh();
      const id = randomIdHash();
      await store.create(id, record({ odd: "{ \"spaced\" : 1 }", tuple: '{" t":[1,2]}' }), ctx());
      const loaded = await store.load(id, ctx());
      assert.equal(loaded?.data.odd, '{ "spaced" : 1 }');
      assert.equal(loaded?.data.tuple, "[1,2]", "a tuple comes back as a list, as with msgspec");
      const decoded = decodeMsgpack((await rawGet(keyPrefix + id))!) as Record<string, unknown>;
      assert.deepEqual(decoded.tuple, [1, 2]);
    });

    it("rotate writes the new record in Flask-Session's format, and the old key lives only for the grace window", async () => {
      const { store, keyPrefix } = fresh();
      const [oldId, newId] = [randomIdHash(), randomIdHash()];
      const nowMs = Date.now();
      await store.create(oldId, record({ cart: "[1]" }, { ttlSeconds: 3_600 }), ctx(nowMs));
      assert.equal(await store.rotate(oldId, newId, change({ set: { user: '"ann"' }, expiresAtMs: nowMs + 600_000 }), nowMs + 5_000, ctx(nowMs)), "ok");
      assert.deepEqual({ ...(decodeMsgpack((await rawGet(keyPrefix + newId))!) as object) }, { cart: [1], user: "ann" });
      const newTtl = await client.pTTL(keyPrefix + newId);
      assert.ok(newTtl > 590_000 && newTtl <= 600_000, `new TTL ${newTtl}`);
      const oldTtl = await client.pTTL(keyPrefix + oldId);
      assert.ok(oldTtl > 0 && oldTtl <= 5_000, `a Flask app reading the old id sees it for the grace window only (${oldTtl} ms)`);
    });

    it("rotate keeps the old id's frozen metadata (the link) until the new record's expiry, its record only for the grace", async () => {
      const { store, keyPrefix, metaPrefix } = fresh();
      const [oldId, newId] = [randomIdHash(), randomIdHash()];
      const nowMs = Date.now();
      await store.create(oldId, record({ cart: "[1]" }, { nowMs, expiresAtMs: nowMs + 20_000, userId: "ann" }), ctx(nowMs));
      assert.equal(await store.rotate(oldId, newId, change({ expiresAtMs: nowMs + 600_000 }), nowMs + 5_000, ctx(nowMs)), "ok");
      const oldMeta = `${metaPrefix}m:${oldId}`;
      const metaTtl = await client.pTTL(oldMeta);
      assert.ok(metaTtl > 590_000 && metaTtl <= 600_000, `the link lives as long as the new record (${metaTtl} ms)`);
      assert.equal(await client.hGet(oldMeta, "e"), String(nowMs + 600_000));
      const recordTtl = await client.pTTL(keyPrefix + oldId);
      assert.ok(recordTtl > 0 && recordTtl <= 5_000, `Flask-Session's record under the old id: the grace only (${recordTtl} ms)`);
      // Absolute expiry times: two PTTL reads a millisecond apart would differ by that millisecond.
      const expireTime = async (key: string) => Number(await client.sendCommand(["PEXPIRETIME", key]));
      const [metaAt, userAt] = [await expireTime(oldMeta), await expireTime(`${metaPrefix}u:=ann`)];
      assert.ok(metaAt > 0 && userAt >= metaAt, `the user's set lives as long as the link (${userAt - metaAt} ms longer)`);
      const link = await store.load(oldId, ctx(nowMs + 300_000));
      assert.equal(link?.successor, newId, "the old id still names its successor past the grace and its own expiry");
    });

    it("lists hashed ids only, and loads or destroys a session by the hash a listing gave", async () => {
      const { store } = fresh();
      const [a, b] = [randomIdHash(), randomIdHash()];
      await store.create(a, record({ n: "1" }, { userId: "liz" }), ctx());
      await store.create(b, record({ n: "2" }, { userId: "liz" }), ctx());
      const listed = await store.listForUser("liz", ctx());
      assert.deepEqual(listed.map((s) => s.idHash).sort(), [hashSessionId(a), hashSessionId(b)].sort());
      assert.ok(listed.every((s) => s.idHash !== a && s.idHash !== b), "never the raw id, which is a live cookie");
      assert.equal((await store.loadListed("liz", hashSessionId(a), ctx()))?.data.n, "1");
      assert.equal(await store.loadListed("liz", a, ctx()), undefined, "the raw id is not a listing's name");
      assert.equal(await store.loadListed("someone else", hashSessionId(a), ctx()), undefined, "only within the user's index");
      assert.equal(await store.destroyListed("liz", hashSessionId(a), ctx()), true);
      assert.equal(await store.load(a, ctx()), undefined);
      assert.ok(await store.load(b, ctx()));
      assert.equal(await store.destroyListed("liz", hashSessionId(a), ctx()), false);
    });

    it("refuses a metadata prefix under the session prefix and a client that is not node-redis", () => {
      assert.throws(
        () => new FlaskSessionRedisStore({ client, keyPrefix: "session:", metaPrefix: "session:meta:" }),
        (e: unknown) => e instanceof ConfigError && e.option === "metaPrefix",
      );
      assert.throws(() => new FlaskSessionRedisStore({ client: {} }), (e: unknown) => e instanceof ConfigError && e.option === "client");
    });
  });
}
