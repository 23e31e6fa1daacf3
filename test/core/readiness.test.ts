// sessions.ready(): the start-up check. One load, one create, one destroy of a
// probe record through core's deadline, so a store the app cannot use is a
// StoreError that says why before the first visitor comes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createSessions, isSessionIdSyntax, StoreError, type SessionEvent, type Store, type StoreContext } from "sessionkit";
import { MemoryStore } from "sessionkit/stores/memory";

const SECRET = "r".repeat(40);

/** A MemoryStore that records each call, and can be told to fail or hang on one operation. */
function spyStore(options: { failOn?: string; error?: unknown; hangOn?: string; rawIds?: boolean } = {}) {
  const inner = new MemoryStore();
  const calls: Array<{ op: string; key: string; ctx: StoreContext }> = [];
  const wrap = <A extends unknown[], R>(op: string, run: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      calls.push({ op, key: args[0] as string, ctx: args.at(-1) as StoreContext });
      if (options.hangOn === op) return new Promise<R>(() => {});
      if (options.failOn === op) throw options.error;
      return run(...args);
    };
  const store: Store & { rawIds?: boolean } = {
    name: "spy",
    ...(options.rawIds ? { rawIds: true } : {}),
    load: wrap("load", (k, ctx) => inner.load(k, ctx)),
    create: wrap("create", (k, r, ctx) => inner.create(k, r, ctx)),
    apply: wrap("apply", (k, c, ctx) => inner.apply(k, c, ctx)),
    touch: wrap("touch", (k, e, ctx) => inner.touch(k, e, ctx)),
    rotate: wrap("rotate", (o, n, c, g, ctx) => inner.rotate(o, n, c, g, ctx)),
    destroy: wrap("destroy", (k, ctx) => inner.destroy(k, ctx)),
  };
  return { store, calls, inner };
}

const refused = () => Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:5432 for postgres://u:pw@10.0.0.1"), { code: "ECONNREFUSED" });

test("a healthy store: load, create, destroy of one probe under core's clock, and nothing left behind", async () => {
  const { store, calls, inner } = spyStore();
  const sessions = createSessions({ secret: SECRET, store, now: () => 1_800_000_000_000 });
  await sessions.ready();
  assert.deepEqual(calls.map((c) => c.op), ["load", "create", "destroy"]);
  assert.equal(new Set(calls.map((c) => c.key)).size, 1, "one probe key");
  assert.match(calls[0]!.key, /^[A-Za-z0-9_-]{43}$/, "a hashed id, as core gives stores");
  for (const c of calls) assert.equal(c.ctx.nowMs, 1_800_000_000_000);
  assert.equal(inner.size, 0, "the probe record was removed");
});

test("a store keyed by raw ids gets a raw id", async () => {
  const { store, calls } = spyStore({ rawIds: true });
  await createSessions({ secret: SECRET, store }).ready();
  assert.ok(isSessionIdSyntax(calls[0]!.key));
});

test("a store that refuses the connection: a StoreError on `load` with the cause in words; nothing is written", async () => {
  const events: SessionEvent[] = [];
  const { store, calls } = spyStore({ failOn: "load", error: refused() });
  const sessions = createSessions({ secret: SECRET, store, onEvent: (e) => events.push(e) });
  await assert.rejects(sessions.ready(), (error: unknown) => {
    assert.ok(error instanceof StoreError);
    assert.equal(error.operation, "load");
    assert.equal(error.timedOut, false);
    assert.match(error.message, /failed on `load`: connection refused \(ECONNREFUSED\): nothing is listening/);
    assert.ok(!error.message.includes("pw@"), "the driver's message is not repeated");
    return true;
  });
  assert.ok(calls.every((c) => c.op === "load"), "no write after a failed load");
  assert.deepEqual(events.at(-1), { type: "store_error", store: "spy", operation: "load", timedOut: false });
});

test("a store that reads but cannot write fails on `create`", async () => {
  const { store } = spyStore({ failOn: "create", error: Object.assign(new Error("x"), { code: "SQLITE_READONLY" }) });
  await assert.rejects(createSessions({ secret: SECRET, store }).ready(), (error: unknown) => {
    assert.ok(error instanceof StoreError);
    assert.equal(error.operation, "create");
    assert.match(error.message, /the database is read-only \(SQLITE_READONLY\)/);
    return true;
  });
});

test("a store that never answers fails after storeTimeoutMs, not later", async () => {
  const { store } = spyStore({ hangOn: "load" });
  const started = performance.now();
  await assert.rejects(createSessions({ secret: SECRET, store, storeTimeoutMs: 150 }).ready(), (error: unknown) => {
    assert.ok(error instanceof StoreError);
    assert.equal(error.timedOut, true);
    return true;
  });
  const elapsed = performance.now() - started;
  // The store never answers: failing at all is the deadline; the upper bound only names a deadline that never fired.
  assert.ok(elapsed >= 140 && elapsed < 10_000, `failed after ${Math.round(elapsed)} ms`);
});

test("cookie mode has nothing to check; a revocation store is checked like a session store", async () => {
  await createSessions({ secret: SECRET }).ready();
  const { store, calls } = spyStore({ failOn: "load", error: refused() });
  await assert.rejects(createSessions({ secret: SECRET, revocation: { store } }).ready(), StoreError);
  assert.equal(calls.length, 2, "load was tried twice (core retries an idempotent read once)");
});
