/**
 * Section C of docs/security-model.md: expiry enforced by the server, with
 * an injected clock, whatever the browser or the store's TTL does. On all
 * six adapters (R79).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { cookieSalt, createSessions, hashSessionId, storeContext, type SessionEvent } from "../../src/index.js";
import { Signer, encodePayload } from "../../src/codec/index.js";
import { MemoryStore } from "../../src/stores/memory.js";
import { clockedStore } from "../../src/testing/index.js";
import { ADAPTERS, SECRET, cookieOf, cookieValue, startApp, type AdapterName } from "../helpers/security-server.js";

const T0 = 1_800_000_000_000;

/** An app that counts visits, with a clock the test moves. */
async function counter(adapter: AdapterName, options: Parameters<typeof createSessions>[0]) {
  const events: SessionEvent[] = [];
  const sessions = createSessions({ ...options, onEvent: (e) => events.push(e) });
  const app = await startApp(
    sessions,
    ({ session }) => {
      const n = Number(session.get("n") ?? 0) + 1;
      session.set("n", n);
      return String(n);
    },
    { adapter },
  );
  return { app, events };
}

for (const adapter of ADAPTERS) {
  describe(`C. expiry [${adapter}]`, () => {
    it(`R12 R18 idle timeout enforced on read with an injected clock, though the store still returns the record; the record is deleted [${adapter}]`, async () => {
      let nowMs = T0;
      // The store sees a clock that stands still (a TTL that has not fired): it never hides the record, so only core's check can end it.
      const inner = new MemoryStore();
      const store = clockedStore(inner, () => T0);
      const { app, events } = await counter(adapter, { secret: SECRET, store, idleTimeout: "30m", now: () => nowMs });
      try {
        const first = await app.get("/");
        const id = cookieValue(first)!;
        nowMs += 29 * 60_000;
        assert.equal((await app.get("/", { cookie: `session=${id}` })).body, "2", "alive inside the idle window");
        nowMs += 30 * 60_000 + 1;
        assert.ok(await store.load(hashSessionId(id), storeContext(nowMs)), "the store still hands the record out at core's time");
        const late = await app.get("/", { cookie: `session=${id}` });
        assert.equal(late.body, "1", "FRESH after the idle timeout");
        assert.notEqual(cookieValue(late), id);
        assert.equal(await store.load(hashSessionId(id), storeContext()), undefined, "the expired record was deleted");
        assert.ok(events.some((e) => e.type === "cookie_rejected" && e.reason === "idle_timeout"));
      } finally {
        await app.close();
      }
    });

    for (const mode of ["store", "cookie"] as const) {
      it(`R13 absolute lifetime is not extended by rolling requests (${mode} mode): FRESH at the limit ±1 s [${adapter}]`, async () => {
        let nowMs = T0;
        const store = mode === "store" ? new MemoryStore() : undefined; // core passes its clock to the store
        const { app } = await counter(adapter, { secret: SECRET, ...(store ? { store } : {}), idleTimeout: "30m", absoluteTimeout: "1h", now: () => nowMs });
        try {
          let cookie = cookieOf(await app.get("/"))!;
          let n = 1;
          // A request every 10 minutes keeps the idle timer rolling; the absolute limit must still end it.
          for (let minute = 10; minute < 60; minute += 10) {
            nowMs = T0 + minute * 60_000;
            const res = await app.get("/", { cookie });
            n += 1;
            assert.equal(res.body, String(n), `alive at ${minute} min`);
            cookie = cookieOf(res) ?? cookie;
          }
          nowMs = T0 + 3_600_000 - 1_000;
          assert.equal((await app.get("/", { cookie })).body, String(n + 1), "alive 1 s before the limit");
          nowMs = T0 + 3_600_000 + 1_000;
          assert.equal((await app.get("/", { cookie })).body, "1", "FRESH 1 s after the limit");
        } finally {
          await app.close();
        }
      });
    }

    it(`R14 a captured signed cookie replayed after maxAge is FRESH; at exactly maxAge it is accepted [${adapter}]`, async () => {
      let nowMs = T0;
      const { app, events } = await counter(adapter, { secret: SECRET, lifetime: 60, now: () => nowMs });
      try {
        const cookie = cookieOf(await app.get("/"))!;
        nowMs += 60_000;
        assert.equal((await app.get("/", { cookie })).body, "2");
        nowMs += 1_000;
        assert.equal((await app.get("/", { cookie })).body, "1");
        assert.ok(events.some((e) => e.type === "cookie_rejected" && e.reason === "expired"));
      } finally {
        await app.close();
      }
    });

    it(`R15 R74 a cookie signed in the future is FRESH (now+5 s and now+10^9 s), as itsdangerous ≥ 2.0 [${adapter}]`, async () => {
      let nowMs = T0;
      const { app, events } = await counter(adapter, { secret: SECRET, now: () => nowMs });
      try {
        for (const ahead of [5, 1e9]) {
          nowMs = T0 + ahead * 1000;
          const cookie = cookieOf(await app.get("/"))!;
          nowMs = T0;
          assert.equal((await app.get("/", { cookie })).body, "1", `FRESH for a cookie ${ahead} s ahead`);
        }
        assert.equal(events.filter((e) => e.type === "cookie_rejected" && e.reason === "future").length, 2);
      } finally {
        await app.close();
      }
    });

    it(`R16 strict timestamps: missing, empty, oversized or non-canonical timestamps under a valid MAC are FRESH [${adapter}]`, async () => {
      const nowMs = T0;
      const { app, events } = await counter(adapter, { secret: SECRET, now: () => nowMs });
      // The signed format's own MAC (HMAC-SHA256, salt bound to the cookie name), over hand-made timestamp fields.
      const signer = new Signer({ secrets: [SECRET], salt: cookieSalt("signed", "session"), digest: "sha256" });
      const payload = encodePayload('{"n":41}', 1_000_000);
      const okTs = Buffer.alloc(4);
      okTs.writeUInt32BE(Math.floor(T0 / 1000));
      try {
        const good = signer.sign(`${payload}.${okTs.toString("base64url")}`);
        assert.equal((await app.get("/", { cookie: `session=${good}` })).body, "42", "control: a well-formed cookie is accepted");
        const bad = [
          signer.sign(payload), // no timestamp at all
          signer.sign(`${payload}.`), // empty timestamp
          signer.sign(`${payload}.${Buffer.alloc(64, 0xff).toString("base64url")}`), // 512-bit integer
          signer.sign(`${payload}.${Buffer.from([0x01, 0, 0, 0, 0, 0, 0, 0, 0]).toString("base64url")}`), // > 2^53
          signer.sign(`${payload}.${okTs.toString("base64url")}!`), // junk in the timestamp
          signer.sign(`${payload}.-1`),
        ];
        for (const value of bad) {
          const res = await app.get("/", { cookie: `session=${value}` });
          assert.equal(res.status, 200);
          assert.equal(res.body, "1", `FRESH for ${value.split(".")[1]}`);
        }
        assert.ok(events.filter((e) => e.type === "cookie_rejected").length >= bad.length - 1);
      } finally {
        await app.close();
      }
    });
  });
}
