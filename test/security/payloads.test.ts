/**
 * Section H of docs/security-model.md: hostile payloads under a VALID MAC
 * (the attacker knows the key, or controls the store): JSON only, no
 * prototype poisoning, capped inflation, malformed data is FRESH, reserved
 * names cannot shadow the API, store records are shape-checked. Each payload
 * goes through load/commit and again through a real server on all six
 * adapters (R79).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { deflateSync } from "node:zlib";
import { randomBytes } from "node:crypto";
import { cookieSalt, createSessions, hashSessionId, storeContext, type SessionEvent, type Store, type StoreRecord } from "../../src/index.js";
import { Signer } from "../../src/codec/index.js";
import { MemoryStore } from "../../src/stores/memory.js";
import { ADAPTERS, SECRET, startApp, type AdapterName, type TestApp } from "../helpers/security-server.js";

const NOW_S = Math.floor(Date.now() / 1000);
const signer = new Signer({ secrets: [SECRET], salt: cookieSalt("signed", "session"), digest: "sha256" });
const ts = (() => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(NOW_S);
  return b.toString("base64url");
})();

/** A signed-format cookie whose payload bytes are exactly `bytes` (optionally zlib-compressed), with a valid MAC. */
function signedCookie(bytes: Buffer, compress = false): string {
  const payload = compress ? "." + deflateSync(bytes).toString("base64url") : bytes.toString("base64url");
  return `session=${signer.sign(`${payload}.${ts}`)}`;
}

function manager(events: SessionEvent[] = [], store?: Store) {
  return createSessions({ secret: SECRET, onEvent: (e) => events.push(e), ...(store ? { store } : {}) });
}

/** Run `check` against an app on `adapter` that reports its session as JSON (and sets `x` on /set). */
async function onWire(adapter: AdapterName, store: Store | undefined, check: (app: TestApp) => Promise<void>): Promise<void> {
  const app = await startApp(
    manager([], store),
    ({ session, path }) => {
      if (path === "/set") session.set("x", 1);
      return JSON.stringify({ data: session.toJSON(), isNew: session.isNew });
    },
    { adapter },
  );
  try {
    await check(app);
  } finally {
    await app.close();
  }
}

/** The cookie gives a 200 and a fresh, empty session, and nothing is written back. */
async function assertFresh(app: TestApp, cookie: string, label: string): Promise<void> {
  const res = await app.get("/", { cookie });
  assert.equal(res.status, 200, label);
  assert.deepEqual(JSON.parse(res.body), { data: {}, isNew: true }, label);
  assert.deepEqual(res.setCookie, [], label);
}

for (const adapter of ADAPTERS) {
  describe(`H. hostile payloads under a valid MAC [${adapter}]`, () => {
    it(`R49 a pickle or Marshal blob under a valid MAC is FRESH with a bad_payload event, never executed [${adapter}]`, async () => {
      const pickle = Buffer.from("80049520000000000000008c05706f736978948c0673797374656d9493948c0269649485945294", "hex"); // os.system("id")
      const marshal = Buffer.from("04086f3a0b4f626a656374063a0640696e6a656374", "hex");
      for (const blob of [pickle, marshal]) {
        const events: SessionEvent[] = [];
        const s = await manager(events).load(signedCookie(blob));
        assert.equal(s.isNew, true);
        assert.deepEqual(s.keys(), []);
        assert.deepEqual(events, [{ type: "cookie_rejected", reason: "bad_payload" }]);
      }
      await onWire(adapter, undefined, async (app) => {
        for (const blob of [pickle, marshal]) await assertFresh(app, signedCookie(blob), blob.toString("hex").slice(0, 8));
      });
    });

    it(`R50 __proto__, constructor and prototype keys from the cookie and from the store stay plain data at every depth [${adapter}]`, async () => {
      const json = '{"__proto__":{"admin":true},"constructor":{"prototype":{"admin":true}},"deep":{"a":{"__proto__":{"admin":true}}},"user":"u"}';
      const fromCookie = await manager().load(signedCookie(Buffer.from(json)));
      const store = new MemoryStore();
      const id = randomBytes(32).toString("base64url");
      const data = Object.create(null) as Record<string, string>;
      data["__proto__"] = '{"admin":true}';
      data["constructor"] = '{"prototype":{"admin":true}}';
      data["user"] = '"u"';
      await store.create(hashSessionId(id), { data, createdAtMs: Date.now(), expiresAtMs: Date.now() + 60_000 }, storeContext());
      const fromStore = await manager([], store).load(`session=${id}`);
      for (const session of [fromCookie, fromStore]) {
        assert.equal(({} as Record<string, unknown>).admin, undefined, "Object.prototype unchanged");
        assert.equal(Object.getPrototypeOf(session), Object.getPrototypeOf(fromCookie), "the session's prototype unchanged");
        assert.equal((session as unknown as Record<string, unknown>).admin, undefined);
        assert.equal(session.get("admin"), undefined);
        assert.equal(session.get("user"), "u");
        assert.equal(typeof session.get, "function");
        const proto = session.get("__proto__") as Record<string, unknown> | undefined;
        if (proto !== undefined) assert.equal(proto.admin, true, "kept as a plain key");
        assert.doesNotThrow(() => JSON.stringify(session.toJSON()));
      }
      for (const [from, cookie] of [[undefined, signedCookie(Buffer.from(json))], [store, `session=${id}`]] as const) {
        await onWire(adapter, from, async (app) => {
          const res = await app.get("/", { cookie });
          assert.equal(res.status, 200);
          const body = JSON.parse(res.body) as { data: Record<string, unknown> };
          assert.equal(body.data.user, "u");
          assert.equal(({} as Record<string, unknown>).admin, undefined, "Object.prototype unchanged by the server");
        });
      }
    });

    it(`R51 decompression and nesting are capped: a valid-MAC bomb and 10^5 nesting are FRESH in bounded time and memory [${adapter}]`, async () => {
      const events: SessionEvent[] = [];
      const sessions = manager(events);
      const bomb = signedCookie(Buffer.alloc(12_000_000, 0x20), true);
      const nested = signedCookie(Buffer.from("[".repeat(100_000) + "]".repeat(100_000)), true);
      const wide = signedCookie(Buffer.from(`{"a":[${"0,".repeat(60_000)}0]}`), true);
      for (const [label, cookie] of [["bomb", bomb], ["nesting", nested], ["keys", wide]] as const) {
        const rss = process.memoryUsage().rss;
        const s = await sessions.load(cookie);
        assert.equal(s.isNew, true, label);
        assert.ok(process.memoryUsage().rss - rss < 16_000_000, `${label}: bounded memory`);
      }
      assert.equal(events.filter((e) => e.type === "cookie_rejected" && e.reason === "bad_payload").length, 3);
      await onWire(adapter, undefined, async (app) => {
        for (const [label, cookie] of [["bomb", bomb], ["nesting", nested], ["keys", wide]] as const) await assertFresh(app, cookie, label);
      });
    });

    it(`R52 a malformed but validly signed payload (bad UTF-8, invalid JSON, not an object) is FRESH with an event, never a throw [${adapter}]`, async () => {
      const bad = [
        Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), // {"a":"\xff\xfe"}
        Buffer.from('{"a":'),
        Buffer.from("[1,2,3]"),
        Buffer.from('"just a string"'),
        Buffer.from("null"),
        Buffer.from('{"a":1}{"b":2}'),
        Buffer.from('{" t":"not a list"}'),
      ];
      for (const bytes of bad) {
        const events: SessionEvent[] = [];
        const s = await manager(events).load(signedCookie(bytes));
        assert.equal(s.isNew, true, bytes.toString("latin1"));
        assert.equal(events.length, 1);
        assert.equal(events[0]!.type, "cookie_rejected");
      }
      await onWire(adapter, undefined, async (app) => {
        for (const bytes of bad) await assertFresh(app, signedCookie(bytes), bytes.toString("latin1"));
      });
    });

    it(`R53 reserved names stored in the data cannot shadow the session's API [${adapter}]`, async () => {
      const names = ["get", "set", "has", "save", "destroy", "regenerate", "cookie", "isPopulated", "isChanged", "toJSON", "keys", "modified"];
      const json = JSON.stringify(Object.fromEntries(names.map((n) => [n, `value of ${n}`])));
      const sessions = manager();
      const s = await sessions.load(signedCookie(Buffer.from(json)));
      for (const n of names) assert.equal(s.get(n), `value of ${n}`);
      assert.deepEqual(s.keys().sort(), [...names].sort());
      s.set("x", 1);
      assert.equal(s.modified, true);
      assert.equal(typeof s.toJSON, "function");
      const [cookie] = (await sessions.commit(s)).setCookie;
      assert.equal((await sessions.load(cookie!.split(";")[0])).get("save"), "value of save");
      await onWire(adapter, undefined, async (app) => {
        const res = await app.get("/set", { cookie: signedCookie(Buffer.from(json)) });
        assert.equal(res.status, 200);
        assert.deepEqual(JSON.parse(res.body).data, { ...Object.fromEntries(names.map((n) => [n, `value of ${n}`])), x: 1 });
        assert.equal(res.setCookie.length, 1, "the session still saves");
      });
    });

    it(`R56 records read from a store are shape-checked: a corrupt record is FRESH with a bad_payload event, never a 500 [${adapter}]`, async () => {
      const now = Date.now();
      const corrupt: unknown[] = [
        null,
        "a string",
        { data: null, createdAtMs: now, expiresAtMs: now + 60_000 },
        { data: { a: 1 }, createdAtMs: now, expiresAtMs: now + 60_000 },
        { data: {}, createdAtMs: "yesterday", expiresAtMs: now + 60_000 },
        { data: {}, createdAtMs: now, expiresAtMs: Number.NaN },
      ];
      for (const record of corrupt) {
        const store: Store = {
          name: "hostile",
          load: async () => record as StoreRecord,
          create: async () => true,
          apply: async () => "ok",
          touch: async () => true,
          rotate: async () => "ok",
          destroy: async () => {},
        };
        const events: SessionEvent[] = [];
        const cookie = `session=${randomBytes(32).toString("base64url")}`;
        const s = await manager(events, store).load(cookie);
        assert.equal(s.isNew, true, JSON.stringify(record));
        assert.equal(events[0]?.type === "cookie_rejected" && events[0].reason, "bad_payload");
        await onWire(adapter, store, (app) => assertFresh(app, cookie, JSON.stringify(record)));
      }
    });
  });
}
