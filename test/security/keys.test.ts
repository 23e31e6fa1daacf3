/**
 * Section G of docs/security-model.md: secrets, rotation, MAC checks —
 * through `createSessions`' load/commit (the strings on the wire), and each
 * cookie check again through a real server on all six adapters (R79). The
 * secret checks at construction (R40, R41) involve no adapter and run once.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import zlib, { deflateSync } from "node:zlib";
import { syncBuiltinESMExports } from "node:module";
import { cookieSalt, createSessions, SecretError, type SessionEvent } from "../../src/index.js";
import { Signer } from "../../src/codec/index.js";
import { ADAPTERS, OLD_SECRET, SECRET, cookieOf, startApp, type AdapterName, type TestApp } from "../helpers/security-server.js";

type Options = Parameters<typeof createSessions>[0];

/** Mint a cookie value holding `data` with the given options. */
async function mint(options: Options, data: Record<string, unknown> = { user: "alice" }): Promise<string> {
  const sessions = createSessions(options);
  const s = await sessions.load(undefined);
  for (const [k, v] of Object.entries(data)) s.set(k, v);
  return ((await sessions.commit(s)).setCookie)[0]!.split(";")[0]!;
}

/** Run `check` against an app on `adapter` that reports its session as JSON. */
async function onWire(adapter: AdapterName, options: Options, check: (app: TestApp) => Promise<void>): Promise<void> {
  const app = await startApp(createSessions(options), ({ session }) => JSON.stringify({ data: session.toJSON(), isNew: session.isNew }), { adapter });
  try {
    await check(app);
  } finally {
    await app.close();
  }
}

/** The cookie gives a 200 and a fresh session, and nothing is written back. */
async function assertFresh(app: TestApp, cookie: string, label: string): Promise<void> {
  const res = await app.get("/", { cookie });
  assert.equal(res.status, 200, label);
  assert.equal(JSON.parse(res.body).isNew, true, label);
  assert.deepEqual(res.setCookie, [], label);
}

/** The session data the app reports for this cookie. */
async function dataOf(app: TestApp, cookie: string): Promise<unknown> {
  return JSON.parse((await app.get("/", { cookie })).body).data;
}

/** Replace a node builtin's export and re-sync ESM named imports, for the duration of `run`. */
async function withBuiltinSpy<T extends object, K extends keyof T>(mod: T, key: K, spy: T[K], run: () => Promise<void> | void): Promise<void> {
  const original = mod[key];
  mod[key] = spy;
  syncBuiltinESMExports();
  try {
    await run();
  } finally {
    mod[key] = original;
    syncBuiltinESMExports();
  }
}

describe("G. signing, keys, rotation", () => {
  it("R40 a missing or empty secret is a SecretError at construction, for every format and in store mode", () => {
    for (const format of ["signed", "flask", "encrypted"] as const) {
      for (const options of [{}, { secret: "" }, { secrets: [] }, { secrets: [SECRET, ""] }, { secret: new Uint8Array(0) }]) {
        assert.throws(
          () => createSessions({ format, ...options }),
          (e: unknown) => e instanceof SecretError && e.code === "SECRET_MISSING",
          `${format} ${JSON.stringify(options)}`,
        );
      }
    }
  });

  it("R41 short secrets and placeholders are refused in the native formats; Flask mode warns once instead", async () => {
    const weak = ["a", "short-secret", "keyboard cat", "secret", "changeme", "x".repeat(31), "  Keyboard Cat  "];
    for (const format of ["signed", "encrypted"] as const) {
      for (const secret of weak) {
        assert.throws(() => createSessions({ format, secret }), (e: unknown) => e instanceof SecretError && e.code === "SECRET_WEAK", secret);
      }
    }
    assert.ok(createSessions({ secret: "x".repeat(32) }), "32 bytes is enough");
    const warnings: string[] = [];
    const onWarning = (w: Error & { code?: string }): void => void warnings.push(w.code ?? "");
    process.on("warning", onWarning);
    try {
      assert.ok(createSessions({ format: "flask", secret: "dev" }));
      assert.ok(createSessions({ format: "flask", secret: "a" }));
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(warnings.filter((c) => c === "SESSIONKIT_WEAK_SECRET"), ["SESSIONKIT_WEAK_SECRET"]);
    } finally {
      process.off("warning", onWarning);
    }
  });
});

for (const adapter of ADAPTERS) {
  describe(`G. signing, keys, rotation [${adapter}]`, () => {
    it(`R42 rotation: a cookie signed with the old secret is read and re-signed with the new one; new cookies verify with the new secret alone; a dropped secret gives FRESH [${adapter}]`, async () => {
      const old = await mint({ secret: OLD_SECRET });
      const events: SessionEvent[] = [];
      const rotated = createSessions({ secrets: [SECRET, OLD_SECRET], onEvent: (e) => events.push(e) });
      const s = await rotated.load(old);
      assert.equal(s.get("user"), "alice");
      const [resigned] = (await rotated.commit(s)).setCookie;
      assert.ok(resigned, "re-signed on the first request");
      assert.deepEqual(events, [{ type: "resigned", secretIndex: 1 }]);
      const currentOnly = createSessions({ secret: SECRET });
      assert.equal((await currentOnly.load(resigned.split(";")[0])).get("user"), "alice", "verifies with the current key alone");
      const minted = await mint({ secrets: [SECRET, OLD_SECRET] });
      assert.equal((await currentOnly.load(minted)).get("user"), "alice", "new cookies are signed with the current key");
      assert.equal((await createSessions({ secret: OLD_SECRET }).load(minted)).isNew, true, "…and not with the fallback");
      assert.equal((await currentOnly.load(old)).isNew, true, "a removed secret gives FRESH");
      await onWire(adapter, { secrets: [SECRET, OLD_SECRET] }, async (app) => {
        const res = await app.get("/", { cookie: old });
        assert.deepEqual(JSON.parse(res.body).data, { user: "alice" });
        const onTheWire = cookieOf(res);
        assert.ok(onTheWire, "re-signed on the first request over the wire");
        assert.equal((await currentOnly.load(onTheWire)).get("user"), "alice");
      });
      await onWire(adapter, { secret: SECRET }, (app) => assertFresh(app, old, "a removed secret gives FRESH on the wire"));
    });

    it(`R43 MACs are compared with crypto.timingSafeEqual [${adapter}]`, async () => {
      const cookie = await mint({ secret: SECRET });
      const forged = cookie.slice(0, -2) + (cookie.endsWith("AA") ? "BB" : "AA");
      let calls = 0;
      const real = crypto.timingSafeEqual;
      await withBuiltinSpy(crypto, "timingSafeEqual", ((a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
        calls += 1;
        return real(a, b);
      }) as typeof crypto.timingSafeEqual, async () => {
        // A fresh manager: the verified-cookie cache must not answer for the MAC.
        const sessions = createSessions({ secret: SECRET });
        assert.equal((await sessions.load(forged)).isNew, true);
        assert.equal((await sessions.load(cookie)).get("user"), "alice");
        assert.ok(calls >= 2, `timingSafeEqual ran ${calls} times`);
        calls = 0;
        await onWire(adapter, { secret: SECRET }, async (app) => {
          await assertFresh(app, forged, "forged");
          assert.deepEqual(await dataOf(app, cookie), { user: "alice" });
        });
      });
      assert.ok(calls >= 2, `timingSafeEqual ran ${calls} times on the wire`);
    });

    it(`R44 R51 the MAC is checked before decompressing: a zlib bomb under a wrong MAC is refused quickly without inflating [${adapter}]`, async () => {
      let inflated = 0;
      const real = zlib.inflateSync;
      const bomb = "." + deflateSync(Buffer.alloc(12_000_000)).toString("base64url");
      assert.ok(bomb.length < 16_000, "the bomb fits in a cookie");
      const events: SessionEvent[] = [];
      await withBuiltinSpy(zlib, "inflateSync", ((buf: zlib.InputType, o?: zlib.ZlibOptions) => {
        inflated += 1;
        return real(buf, o);
      }) as typeof zlib.inflateSync, async () => {
        const sessions = createSessions({ secret: SECRET, onEvent: (e) => events.push(e) });
        const wrongMac = `session=${bomb}.${"AAAAAA"}.${"A".repeat(43)}`;
        assert.equal((await sessions.load(wrongMac)).isNew, true);
        assert.equal(inflated, 0, "nothing was inflated");
        assert.equal(events[0]?.type === "cookie_rejected" && events[0].reason, "bad_signature");
        // The same bomb under a valid MAC: inflated, but capped: BadPayload → FRESH, with bounded memory.
        const signer = new Signer({ secrets: [SECRET], salt: cookieSalt("signed", "session"), digest: "sha256" });
        const ts = Buffer.alloc(4);
        ts.writeUInt32BE(Math.floor(Date.now() / 1000));
        const validMac = `session=${signer.sign(`${bomb}.${ts.toString("base64url")}`)}`;
        const rssBefore = process.memoryUsage().rss;
        assert.equal((await sessions.load(validMac)).isNew, true);
        assert.ok(process.memoryUsage().rss - rssBefore < 8_000_000, "inflation stopped at the cap, not at 12 MB");
        assert.equal(inflated, 1);
        const last = events.at(-1);
        assert.equal(last?.type === "cookie_rejected" && last.reason, "bad_payload");
        inflated = 0;
        await onWire(adapter, { secret: SECRET }, async (app) => {
          await assertFresh(app, wrongMac, "bomb under a wrong MAC");
          assert.equal(inflated, 0, "nothing was inflated on the wire");
          await assertFresh(app, validMac, "bomb under a valid MAC");
          assert.equal(inflated, 1);
        });
      });
    });

    it(`R46 encrypted cookies: 10^4 seals of the same data are all distinct, and flipping any byte gives FRESH [${adapter}]`, async () => {
      const sessions = createSessions({ secret: SECRET, format: "encrypted" });
      const seen = new Set<string>();
      for (let i = 0; i < 10_000; i++) {
        const s = await sessions.load(undefined);
        s.set("user", "alice");
        seen.add(((await sessions.commit(s)).setCookie)[0]!.split(";")[0]!);
      }
      assert.equal(seen.size, 10_000);
      const cookie = [...seen][0]!;
      const raw = Buffer.from(cookie.slice("session=".length), "base64url");
      assert.equal((await sessions.load(cookie)).get("user"), "alice");
      for (let i = 0; i < raw.length; i++) {
        const copy = Buffer.from(raw);
        copy[i]! ^= 0x01;
        assert.equal((await sessions.load(`session=${copy.toString("base64url")}`)).isNew, true, `byte ${i}`);
      }
      await onWire(adapter, { secret: SECRET, format: "encrypted" }, async (app) => {
        assert.deepEqual(await dataOf(app, cookie), { user: "alice" });
        for (let i = 0; i < raw.length; i++) {
          const copy = Buffer.from(raw);
          copy[i]! ^= 0x01;
          await assertFresh(app, `session=${copy.toString("base64url")}`, `byte ${i}`);
        }
      });
    });

    it(`R47 the algorithm comes from configuration, never the cookie: a Flask (SHA-1) cookie is FRESH in the signed format and vice versa [${adapter}]`, async () => {
      const flask = await mint({ secret: SECRET, format: "flask" });
      const signed = await mint({ secret: SECRET });
      const encrypted = await mint({ secret: SECRET, format: "encrypted" });
      assert.equal((await createSessions({ secret: SECRET }).load(flask)).isNew, true);
      assert.equal((await createSessions({ secret: SECRET, format: "flask" }).load(signed)).isNew, true);
      assert.equal((await createSessions({ secret: SECRET }).load(encrypted)).isNew, true);
      assert.equal((await createSessions({ secret: SECRET, format: "encrypted" }).load(signed)).isNew, true);
      await onWire(adapter, { secret: SECRET }, async (app) => {
        await assertFresh(app, flask, "flask cookie, signed format");
        await assertFresh(app, encrypted, "encrypted cookie, signed format");
      });
      await onWire(adapter, { secret: SECRET, format: "flask" }, (app) => assertFresh(app, signed, "signed cookie, flask format"));
    });

    it(`R48 junk after the signature or the timestamp, and non-canonical base64, give FRESH [${adapter}]`, async () => {
      const cookie = await mint({ secret: SECRET });
      const sessions = createSessions({ secret: SECRET });
      assert.equal((await sessions.load(cookie)).get("user"), "alice");
      const [payload, ts, sig] = cookie.slice("session=".length).split(".");
      const lastBitsFlipped = (s: string): string => {
        // The last base64url character of a 32-byte MAC carries 2 padding bits; setting them keeps the bytes.
        const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        const i = alphabet.indexOf(s.at(-1)!);
        return s.slice(0, -1) + alphabet[i | 1];
      };
      for (const bad of [`${payload}.${ts}.${sig}!`, `${payload}.${ts}.${sig}=`, `${payload}.${ts}!.${sig}`, `${payload}.${ts}.${lastBitsFlipped(sig!)}`]) {
        assert.equal((await sessions.load(`session=${bad}`)).isNew, true, bad.slice(-8));
      }
      await onWire(adapter, { secret: SECRET }, async (app) => {
        assert.deepEqual(await dataOf(app, cookie), { user: "alice" });
        for (const bad of [`${payload}.${ts}.${sig}!`, `${payload}.${ts}.${sig}=`, `${payload}.${ts}!.${sig}`, `${payload}.${ts}.${lastBitsFlipped(sig!)}`]) {
          await assertFresh(app, `session=${bad}`, bad.slice(-8));
        }
      });
    });
  });
}
