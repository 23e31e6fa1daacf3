// Issue #20: a cookie read whose cookie this process has already verified
// does no HMAC at all (the verified-cookie cache), and a write signs once.
// Counted at node:crypto: its one-shot `hash` (the codec's HMAC is two of
// them, src/codec/hmac.ts) and `createHmac` are wrapped, and the ESM view of
// node:crypto synced, before sessionkit is imported, so every MAC the codec
// computes passes through the counters. The cold read proves they see it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createRequire, syncBuiltinESMExports } from "node:module";

const require = createRequire(import.meta.url);
const crypto = require("node:crypto") as Record<string, (...args: unknown[]) => unknown>;
const calls = { hash: 0, createHmac: 0, createCipheriv: 0, createDecipheriv: 0 };
for (const name of Object.keys(calls) as (keyof typeof calls)[]) {
  const real = crypto[name];
  if (typeof real !== "function") continue;
  crypto[name] = function counted(this: unknown, ...args: unknown[]) {
    calls[name] += 1;
    return real.apply(this, args);
  };
}
syncBuiltinESMExports();
const { createSessions } = await import("../../src/index.js");

const reset = (): void => {
  for (const name of Object.keys(calls) as (keyof typeof calls)[]) calls[name] = 0;
};
const total = (): number => calls.hash + calls.createHmac + calls.createCipheriv + calls.createDecipheriv;

for (const format of ["signed", "flask", "encrypted"] as const) {
  describe(`${format} cookie: crypto calls per request`, async () => {
    const sessions = createSessions<{ user?: string; n?: number }>({ secret: "hmac-count-secret-0123456789abcdef-0123456789", format });
    const first = await sessions.load(undefined, { secure: false });
    first.set("user", "alice");
    const cookie = (await sessions.commit(first, { status: 200 })).setCookie[0]!.split(";", 1)[0]!;

    it("a cold read (a cookie this process has not verified) verifies it: the counters see the MAC", async () => {
      reset();
      const s = await sessions.load(cookie, { secure: false });
      assert.equal(s.get("user"), "alice");
      assert.ok(total() > 0, JSON.stringify(calls));
    });
    it("a warm read of the same cookie does no HMAC and no cipher at all", async () => {
      for (let i = 0; i < 3; i++) {
        reset();
        const s = await sessions.load(cookie, { secure: false });
        assert.equal(s.get("user"), "alice");
        assert.deepEqual((await sessions.commit(s, { status: 200 })).setCookie, []);
        assert.deepEqual(calls, { hash: 0, createHmac: 0, createCipheriv: 0, createDecipheriv: 0 });
      }
    });
    it("a write from a warm cookie seals once and verifies nothing", async () => {
      reset();
      const s = await sessions.load(cookie, { secure: false });
      s.set("n", 1);
      assert.equal((await sessions.commit(s, { status: 200 })).setCookie.length, 1);
      if (format === "encrypted") assert.deepEqual([calls.createCipheriv, calls.createDecipheriv], [1, 0]);
      else assert.equal(calls.hash / 2 + calls.createHmac, 1, JSON.stringify(calls));
    });
  });
}
