/**
 * K.75 — a Flask-Session record is read only as msgspec msgpack: a pre-0.7
 * pickle (Flask-Session <0.7, where store write access became code
 * execution), the JSON serializer's text, and any other bytes give a FRESH
 * session and are never unpickled or revived. Through `createSessions` and
 * the Flask-Session store on the machine's real Redis, with the record under
 * the very key Flask-Session uses (`SESSION_KEY_PREFIX` + the raw id). No
 * adapter is involved (core load/commit only).
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, rmSync } from "node:fs";
import { createClient, RESP_TYPES } from "redis";
import { createSessions, type SessionEvent } from "../../src/index.js";
import { FlaskSessionRedisStore } from "../../src/stores/flask-session.js";
import { encodeMsgpack } from "../../src/stores/flask-session/msgpack.js";
import { ctx, foreignId, idFrom, probeService, serviceUnavailable } from "../../src/testing/index.js";
import { SECRET, uniqueLabel } from "../helpers/security-server.js";

const client = createClient({ url: "redis://127.0.0.1:6379", socket: { reconnectStrategy: false, connectTimeout: 2_000 } });
client.on("error", () => {});
const skip = await probeService("Redis at 127.0.0.1:6379", async () => {
  await client.connect();
  await client.ping();
});

/** A marker the hostile pickle below would create if anything ever unpickled it. */
const PWNED = "/tmp/sk-r75-pwned";
// Gone before the test, so a marker left by an earlier run (or by hand) cannot fail this one.
rmSync(PWNED, { force: true });

/**
 * Records that are not msgspec msgpack maps. The pickles were made by Python 3.11:
 * `pickle.dumps({"user": "x"})` (protocols 4 and 0), and a protocol-2 pickle whose
 * `__reduce__` runs `os.system("touch /tmp/sk-r75-pwned")` when loaded.
 */
const NOT_MSGPACK: Record<string, Buffer> = {
  "pickle protocol 4 of {'user': 'x'}": Buffer.from("8004950f000000000000007d948c0475736572948c017894732e", "hex"),
  "pickle protocol 0 of {'user': 'x'}": Buffer.from("286470300a56757365720a70310a56780a70320a732e", "hex"),
  "pickle that runs os.system when loaded": Buffer.from(
    "800263706f7369780a73797374656d0a71005817000000746f756368202f746d702f736b2d7237352d70776e656471018571025271032e",
    "hex",
  ),
  "msgspec JSON text": Buffer.from('{"user":"x"}'),
  "empty value": Buffer.alloc(0),
  "random bytes": Buffer.from("c1ffee00deadbeef9a7f", "hex"),
  "truncated map (2 entries announced, 1 given)": Buffer.concat([Buffer.from([0x82]), encodeMsgpack("user"), encodeMsgpack("x")]),
  "msgpack array, not a map": encodeMsgpack(["user", "x"]),
  "msgpack string, not a map": encodeMsgpack("user"),
  "map followed by trailing bytes": Buffer.concat([encodeMsgpack({ user: "x" }), Buffer.from([0xc0])]),
  "map with the reserved byte 0xc1 as a value": Buffer.concat([Buffer.from([0x81]), encodeMsgpack("user"), Buffer.from([0xc1])]),
};

if (skip) {
  serviceUnavailable("R75 Flask-Session records", skip);
} else {
  const base = `${uniqueLabel("flask_session_records")}:`;
  const keyPrefix = `${base}session:`;
  const store = new FlaskSessionRedisStore({ client, keyPrefix, metaPrefix: `${base}meta:` });
  const raw = client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  after(async () => {
    const keys: string[] = [];
    for await (const batch of client.scanIterator({ MATCH: `${base}*`, COUNT: 1000 })) keys.push(...(Array.isArray(batch) ? batch : [batch]));
    if (keys.length) await client.del(keys);
    client.destroy();
  });

  describe("K.75 Flask-Session records: msgpack only, never a pickle", () => {
    it("R75 a pickle (pre-0.7), JSON or any non-msgpack record under Flask-Session's key loads FRESH and is never unpickled", async () => {
      const events: SessionEvent[] = [];
      const sessions = createSessions({ secret: SECRET, store, permanent: true, lifetime: "1h", onEvent: (e) => events.push(e) });
      // The control: a msgpack record Flask-Session 0.8 would write is read.
      const good = foreignId();
      await raw.set(keyPrefix + good, encodeMsgpack({ _permanent: true, user: "x" }), { EX: 60 });
      const control = await sessions.load(`session=${good}`);
      assert.equal(control.isNew, false, "a msgspec msgpack record is a session");
      assert.equal(control.get("user"), "x");

      for (const [label, bytes] of Object.entries(NOT_MSGPACK)) {
        // Two ways in: a record only Flask-Session wrote, and one sessionkit wrote and someone then overwrote.
        const flaskOnly = foreignId();
        await raw.set(keyPrefix + flaskOnly, bytes, { EX: 60 });
        const mine = await sessions.load(undefined);
        mine.set("user", "alice");
        const overwritten = idFrom(((await sessions.commit(mine)).setCookie)[0]!.split(";")[0]!);
        assert.ok(await client.exists(keyPrefix + overwritten), `${label}: the record lives under prefix + raw id`);
        await raw.set(keyPrefix + overwritten, bytes, { KEEPTTL: true });

        for (const id of [flaskOnly, overwritten]) {
          assert.equal(await store.load(id, ctx()), undefined, `${label}: the store reads nothing`);
          const s = await sessions.load(`session=${id}`);
          assert.equal(s.isNew, true, `${label}: FRESH`);
          assert.equal(s.size, 0, `${label}: no data`);
          assert.equal(s.get("user"), undefined, `${label}: nothing of the record`);
          assert.deepEqual((await sessions.commit(s)).setCookie, [], `${label}: nothing written for a read-only request`);
          // A write on it never adopts the id (A.2) and leaves the foreign record alone.
          const w = await sessions.load(`session=${id}`);
          w.set("n", 1);
          const issued = idFrom(((await sessions.commit(w)).setCookie)[0]!.split(";")[0]!);
          assert.notEqual(issued, id, `${label}: a new id`);
          assert.deepEqual(await raw.get(keyPrefix + id), bytes, `${label}: the record is left as it was, never rewritten`);
        }
      }
      assert.equal(existsSync(PWNED), false, "nothing unpickled the hostile pickle");
      assert.ok(!events.some((e) => e.type === "store_error"), "a bad record is not a store failure");
    });
  });
}
