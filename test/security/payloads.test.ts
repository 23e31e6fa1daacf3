/**
 * Section H of SECURITY-REQUIREMENTS.md: hostile payloads under a VALID MAC
 * (the attacker knows the key, or controls the store): JSON only, no
 * prototype poisoning, capped inflation, malformed data is FRESH, reserved
 * names cannot shadow the API, store records are shape-checked.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { deflateSync } from "node:zlib";
import { randomBytes } from "node:crypto";
import { cookieSalt, createSessions, hashSessionId, type SessionEvent, type Store, type StoreRecord } from "../../src/index.js";
import { Signer } from "../../src/codec/index.js";
import { MemoryStore } from "../../src/stores/memory.js";
import { SECRET } from "../helpers/security-server.js";

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

describe("H. hostile payloads under a valid MAC", () => {
  it("R49 a pickle or Marshal blob under a valid MAC is FRESH with a bad_payload event, never executed", async () => {
    const pickle = Buffer.from("80049520000000000000008c05706f736978948c0673797374656d9493948c0269649485945294", "hex"); // os.system("id")
    const marshal = Buffer.from("04086f3a0b4f626a656374063a0640696e6a656374", "hex");
    for (const blob of [pickle, marshal]) {
      const events: SessionEvent[] = [];
      const s = await manager(events).load(signedCookie(blob));
      assert.equal(s.isNew, true);
      assert.deepEqual(s.keys(), []);
      assert.deepEqual(events, [{ type: "cookie_rejected", reason: "bad_payload" }]);
    }
  });

  it("R50 __proto__, constructor and prototype keys from the cookie and from the store stay plain data at every depth", async () => {
    const json = '{"__proto__":{"admin":true},"constructor":{"prototype":{"admin":true}},"deep":{"a":{"__proto__":{"admin":true}}},"user":"u"}';
    const fromCookie = await manager().load(signedCookie(Buffer.from(json)));
    const store = new MemoryStore();
    const id = randomBytes(32).toString("base64url");
    const data = Object.create(null) as Record<string, string>;
    data["__proto__"] = '{"admin":true}';
    data["constructor"] = '{"prototype":{"admin":true}}';
    data["user"] = '"u"';
    await store.create(hashSessionId(id), { data, createdAtMs: Date.now(), expiresAtMs: Date.now() + 60_000 }, 60);
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
  });

  it("R51 decompression and nesting are capped: a valid-MAC bomb and 10^5 nesting are FRESH in bounded time and memory", async () => {
    const events: SessionEvent[] = [];
    const sessions = manager(events);
    const bomb = signedCookie(Buffer.alloc(12_000_000, 0x20), true);
    const nested = signedCookie(Buffer.from("[".repeat(100_000) + "]".repeat(100_000)), true);
    const wide = signedCookie(Buffer.from(`{"a":[${"0,".repeat(60_000)}0]}`), true);
    for (const [label, cookie] of [["bomb", bomb], ["nesting", nested], ["keys", wide]] as const) {
      const rss = process.memoryUsage().rss;
      const t = performance.now();
      const s = await sessions.load(cookie);
      assert.equal(s.isNew, true, label);
      assert.ok(performance.now() - t < 300, `${label}: bounded time`);
      assert.ok(process.memoryUsage().rss - rss < 16_000_000, `${label}: bounded memory`);
    }
    assert.equal(events.filter((e) => e.type === "cookie_rejected" && e.reason === "bad_payload").length, 3);
  });

  it("R52 a malformed but validly signed payload (bad UTF-8, invalid JSON, not an object) is FRESH with an event, never a throw", async () => {
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
  });

  it("R53 reserved names stored in the data cannot shadow the session's API", async () => {
    const names = ["get", "set", "has", "save", "destroy", "regenerate", "cookie", "isPopulated", "isChanged", "toJSON", "keys", "modified"];
    const json = JSON.stringify(Object.fromEntries(names.map((n) => [n, `value of ${n}`])));
    const sessions = manager();
    const s = await sessions.load(signedCookie(Buffer.from(json)));
    for (const n of names) assert.equal(s.get(n), `value of ${n}`);
    assert.deepEqual(s.keys().sort(), [...names].sort());
    s.set("x", 1);
    assert.equal(s.modified, true);
    assert.equal(typeof s.toJSON, "function");
    const [cookie] = await sessions.commit(s);
    assert.equal((await sessions.load(cookie!.split(";")[0])).get("save"), "value of save");
  });

  it("R56 records read from a store are shape-checked: a corrupt record is FRESH with a bad_payload event, never a 500", async () => {
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
        destroy: async () => {},
      };
      const events: SessionEvent[] = [];
      const s = await manager(events, store).load(`session=${randomBytes(32).toString("base64url")}`);
      assert.equal(s.isNew, true, JSON.stringify(record));
      assert.equal(events[0]?.type === "cookie_rejected" && events[0].reason, "bad_payload");
    }
  });
});
