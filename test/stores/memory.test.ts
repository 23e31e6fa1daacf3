import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { MemoryStore } from "../../src/stores/memory.js";
import { ConfigError } from "../../src/core/errors.js";
import { change, ctx, randomIdHash, record, testSessionsOnStore, testStore } from "../../src/testing/index.js";

testStore("memory", async () => ({ store: new MemoryStore(), cleanup: async () => {} }), { heavy: true });

describe("MemoryStore specifics", () => {
  it("evicts the least recently used record first when full", async () => {
    const store = new MemoryStore({ maxEntries: 3 });
    const [a, b, c, d] = [randomIdHash(), randomIdHash(), randomIdHash(), randomIdHash()];
    for (const id of [a, b, c]) assert.equal(await store.create(id, record({ id }), ctx()), true);
    assert.ok(await store.load(a, ctx()), "reading a makes b the least recently used");
    assert.equal(await store.apply(c, change({ set: { x: "1" } }), ctx()), "ok");
    assert.equal(await store.create(d, record({}), ctx()), true);
    assert.equal(store.size, 3);
    assert.equal(await store.load(b, ctx()), undefined, "b was evicted");
    for (const id of [a, c, d]) assert.ok(await store.load(id, ctx()));
  });

  it("keeps least-recently-used order when the newest record is used again, written, destroyed and replaced", async () => {
    const store = new MemoryStore({ maxEntries: 3 });
    const [a, b, c, d, e, f, g] = [randomIdHash(), randomIdHash(), randomIdHash(), randomIdHash(), randomIdHash(), randomIdHash(), randomIdHash()];
    for (const id of [a, b, c]) await store.create(id, record({}), ctx()); // a b c
    assert.ok(await store.load(c, ctx())); // a b c (c already the newest)
    assert.ok(await store.load(a, ctx())); // b c a
    assert.ok(await store.load(c, ctx())); // b a c
    assert.equal(await store.apply(c, change({ set: { x: "1" } }), ctx()), "ok"); // b a c (load then write: one request)
    await store.create(d, record({}), ctx()); // a c d: b evicted
    await store.create(e, record({}), ctx()); // c d e: a evicted
    assert.equal(await store.load(a, ctx()), undefined, "a was the least recently used");
    assert.equal(await store.load(b, ctx()), undefined, "b was the least recently used");
    await store.destroy(e, ctx()); // c d
    assert.equal(await store.touch(d, Date.now() + 60_000, ctx()), true); // c d
    assert.ok(await store.load(c, ctx())); // d c
    await store.create(f, record({}), ctx()); // d c f
    await store.create(g, record({}), ctx()); // c f g: d evicted
    assert.equal(await store.load(d, ctx()), undefined, "d was the least recently used");
    for (const id of [c, f, g]) assert.ok(await store.load(id, ctx()), "the three most recently used are kept");
  });

  it("drops the evicted record from the user index", async () => {
    const store = new MemoryStore({ maxEntries: 2 });
    const [a, b, c] = [randomIdHash(), randomIdHash(), randomIdHash()];
    await store.create(a, record({}, { userId: "u" }), ctx());
    await store.create(b, record({}, { userId: "u" }), ctx());
    await store.create(c, record({}), ctx());
    assert.deepEqual((await store.listForUser("u", ctx())).map((s) => s.idHash), [b]);
  });

  it("decides expiry by the context's time and drops the expired record", async () => {
    const nowMs = 1_000_000;
    const store = new MemoryStore();
    const id = randomIdHash();
    await store.create(id, record({ a: "1" }, { nowMs, ttlSeconds: 10 }), ctx(nowMs));
    assert.ok(await store.load(id, ctx(nowMs + 9_999)));
    assert.equal(await store.load(id, ctx(nowMs + 10_000)), undefined, "expired exactly at expiresAtMs");
    assert.equal(store.size, 0);
  });

  it("refuses a clock of its own with a ConfigError that names createSessions({ now })", () => {
    assert.throws(
      () => new MemoryStore({ now: () => 0 } as never),
      (e: unknown) => e instanceof ConfigError && e.option === "now" && /createSessions\(\{ now \}\)/.test(e.message),
    );
  });

  it("never extends a frozen record's grace window by touch", async () => {
    const store = new MemoryStore();
    const id = randomIdHash();
    const rec = record({ a: "1" }, { frozen: true, ttlSeconds: 10 });
    await store.create(id, rec, ctx());
    assert.equal(await store.touch(id, rec.expiresAtMs + 3_600_000, ctx()), false);
    assert.equal((await store.load(id, ctx()))?.expiresAtMs, rec.expiresAtMs);
  });

  it("rejects a maxEntries that is not a positive whole number", () => {
    for (const maxEntries of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => new MemoryStore({ maxEntries }), (e: unknown) => e instanceof ConfigError && e.option === "maxEntries");
    }
  });

  it("warns once, in production only", () => {
    // A child process, because the warning is once per process by design.
    const script = [
      `const { MemoryStore } = await import(${JSON.stringify(new URL("../../src/stores/memory.ts", import.meta.url).href)});`,
      "const seen = [];",
      'process.on("warning", (w) => seen.push(w.code));',
      "new MemoryStore(); new MemoryStore();",
      "await new Promise((r) => setImmediate(r));",
      "console.log(JSON.stringify(seen));",
    ].join("\n");
    const run = (env: string) =>
      spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
        env: { ...process.env, NODE_ENV: env },
        encoding: "utf8",
        timeout: 30_000,
      });
    const prod = run("production");
    assert.equal(prod.status, 0, prod.stderr);
    assert.deepEqual(JSON.parse(prod.stdout.trim()), ["SESSIONKIT_MEMORY_STORE"]);
    const dev = run("development");
    assert.equal(dev.status, 0, dev.stderr);
    assert.deepEqual(JSON.parse(dev.stdout.trim()), []);
  });
});

testSessionsOnStore("memory", async () => ({ store: new MemoryStore(), cleanup: async () => {} }), { heavy: true });

describe("store mode: the manager's id-hash cache", () => {
  it("finds every session again after more ids than the cache holds (4,096) have passed through it", async () => {
    const { createSessions, hashSessionId } = await import("../../src/index.js");
    const store = new MemoryStore({ maxEntries: 10_000 });
    const sessions = createSessions({ secret: "hash-cache-test-secret-0123456789abcdef", store });
    const cookies: string[] = [];
    for (let i = 0; i < 5_000; i++) {
      const s = await sessions.load(undefined);
      s.set("i", i);
      cookies.push(((await sessions.commit(s)).setCookie)[0]!.split(";")[0]!);
    }
    // Oldest first: each of these was evicted from the cache long ago, and is hashed again.
    for (const i of [0, 1, 2_500, 4_999, 0]) {
      const s = await sessions.load(cookies[i]!);
      assert.equal(s.get("i"), i);
    }
    const id = cookies[7]!.slice("session=".length);
    assert.ok(await store.load(hashSessionId(id), ctx()), "the record is stored under the id's hash, not the id");
  });
});
