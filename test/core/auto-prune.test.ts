/**
 * createSessions({ autoPrune }): expired records go away on a timer or every
 * N requests, without a request waiting on it, one pruner at a time, and
 * close() stops it. On real SQLite files (two connections to one file stand
 * for two processes; test/stores/prune-exclusive.test.ts has real ones).
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { ConfigError, createSessions, type SessionEvent, type Store } from "../../src/index.js";
import { SqliteStore } from "../../src/stores/sqlite.js";
import { ctx, randomIdHash, record, testSecret } from "../../src/testing/index.js";

const dir = mkdtempSync(join(tmpdir(), "sk-autoprune-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** A store on a fresh SQLite file, and a second connection to the same file. */
function sqliteFile(pruneBatchSize = 1000): { store: SqliteStore; other: () => SqliteStore; db: Database.Database } {
  const path = join(dir, `s${(files += 1)}.db`);
  const db = new Database(path);
  after(() => db.close());
  return {
    db,
    store: new SqliteStore({ db, pruneBatchSize }),
    other: () => {
      const second = new Database(path);
      after(() => second.close());
      return new SqliteStore({ db: second, pruneBatchSize });
    },
  };
}

async function addExpired(store: Store, count: number): Promise<string[]> {
  const nowMs = Date.now();
  const ids = Array.from({ length: count }, () => randomIdHash());
  for (const id of ids) await store.create(id, record({ a: "1" }, { nowMs: nowMs - 60_000, expiresAtMs: nowMs - 1_000 }), ctx(nowMs - 60_000));
  return ids;
}

const rows = (db: Database.Database): number => (db.prepare("SELECT count(*) AS n FROM sessionkit_sessions").get() as { n: number }).n;

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * `store`, with its pruneExclusive held until `release()` (the real store then prunes): the test, not
 * the machine's speed, decides how long a prune runs.
 */
function heldPrune(store: SqliteStore): { store: Store; readonly entered: boolean; readonly released: boolean; release(): void } {
  let open = (): void => {};
  const gate = new Promise<void>((resolve) => (open = resolve));
  let entered = false;
  let released = false;
  const wrapped = new Proxy(store, {
    get(target, property) {
      if (property === "pruneExclusive") {
        return async (nowMs: number) => {
          entered = true;
          await gate;
          return target.pruneExclusive(nowMs);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return {
    store: wrapped,
    get entered() {
      return entered;
    },
    get released() {
      return released;
    },
    release() {
      released = true;
      open();
    },
  };
}

describe("autoPrune", () => {
  it("is refused without a store, on a store that expires records itself, and with nothing or too little to go on", () => {
    const secret = testSecret();
    const { store } = sqliteFile();
    const noPrune = { name: "native", load: store.load.bind(store), apply: store.apply.bind(store) } as unknown as Store;
    for (const [options, option] of [
      [{ secret, autoPrune: { every: 60 } }, "autoPrune"],
      [{ secret, store: noPrune, autoPrune: { every: 60 } }, "autoPrune"],
      [{ secret, store, autoPrune: {} }, "autoPrune"],
      [{ secret, store, autoPrune: { every: 0.5 } }, "autoPrune.every"],
      [{ secret, store, autoPrune: { everyRequests: 0 } }, "autoPrune.everyRequests"],
      [{ secret, store, autoPrune: { everyRequests: 2.5 } }, "autoPrune.everyRequests"],
    ] as const) {
      assert.throws(() => createSessions(options as never), (e: unknown) => e instanceof ConfigError && e.option === option, JSON.stringify(options.autoPrune));
    }
  });

  it("every N requests: expired records go away after the Nth load, and no load waits for the prune", async () => {
    const { store, db } = sqliteFile();
    await addExpired(store, 50);
    const live = randomIdHash();
    await store.create(live, record({ a: "1" }), ctx());
    const events: SessionEvent[] = [];
    const held = heldPrune(store);
    const sessions = createSessions({ secret: testSecret(), store: held.store, autoPrune: { everyRequests: 3 }, onEvent: (e) => events.push(e) });
    // Were a load to wait for the prune, it would return only once this lets the prune go.
    const safety = setTimeout(() => held.release(), 20_000);
    for (let i = 0; i < 3; i += 1) {
      await sessions.load(undefined);
      assert.equal(held.released, false, `load ${i} returned while the prune was held`);
      if (i < 2) assert.equal(held.entered, false, `load ${i} started no prune`);
    }
    clearTimeout(safety);
    await until(() => held.entered, 30_000, "the prune the third load started");
    assert.equal(rows(db), 51, "the prune has not run yet: it is off the request path");
    held.release();
    await until(() => rows(db) === 1, 30_000, "the prune");
    assert.ok(await store.load(live, ctx()), "the live record stays");
    await until(() => events.some((e) => e.type === "pruned"), 30_000, "the event");
    assert.deepEqual(events.filter((e) => e.type === "pruned"), [{ type: "pruned", store: "sqlite", removed: 50 }]);
    await sessions.close();
  });

  it("on a timer, with no request at all; close() stops it", async () => {
    const { store, db } = sqliteFile();
    await addExpired(store, 20);
    const sessions = createSessions({ secret: testSecret(), store, autoPrune: { every: 1 } });
    await until(() => rows(db) === 0, 30_000, "the timed prune");
    await sessions.close();
    await addExpired(store, 5);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(rows(db), 5, "no prune after close()");
  });

  it("a prune that fails is reported as a store_error event with its cause in words, and the next turn tries again", async () => {
    const { store, db } = sqliteFile();
    await addExpired(store, 3);
    const events: SessionEvent[] = [];
    const sessions = createSessions({ secret: testSecret(), store, autoPrune: { everyRequests: 1 }, onEvent: (e) => events.push(e) });
    db.exec("ALTER TABLE sessionkit_sessions RENAME TO moved_away");
    await sessions.load(undefined);
    await until(() => events.some((e) => e.type === "store_error"), 30_000, "the failed prune's event");
    const failed = events.find((e) => e.type === "store_error");
    assert.ok(failed?.type === "store_error" && failed.operation === "prune");
    assert.equal(failed.cause?.code, "SQLITE_ERROR", JSON.stringify(failed.cause));
    assert.ok(!failed.cause.text.includes(dir), "no file path in the cause");
    db.exec("ALTER TABLE moved_away RENAME TO sessionkit_sessions");
    await sessions.load(undefined);
    await until(() => rows(db) === 0, 30_000, "the next prune");
    await sessions.close();
  });

  it("close() waits for a prune already running, and a closed manager starts none", async () => {
    const { store, db } = sqliteFile();
    await addExpired(store, 10);
    const held = heldPrune(store);
    const sessions = createSessions({ secret: testSecret(), store: held.store, autoPrune: { everyRequests: 1 } });
    await sessions.load(undefined);
    await until(() => held.entered, 30_000, "the prune to start");
    let closedYet = false;
    const closed = sessions.close().then(() => void (closedYet = true));
    // Time for a close() that did not wait to resolve (on a slow machine this only makes the check weaker, never wrong).
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(closedYet, false, "close() is still waiting for the held prune");
    held.release();
    await closed;
    assert.equal(rows(db), 0, "the running prune finished before close() resolved");
    await addExpired(store, 3);
    await sessions.load(undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(rows(db), 3);
  });

  it("two managers on one database never prune at once: the second skips its turn while the first holds the lock", async () => {
    const { store, other, db } = sqliteFile(10);
    await addExpired(store, 1_000);
    const spans: Array<{ who: string; startMs: number; endMs: number; removed: number | undefined }> = [];
    const timed = (who: string, inner: SqliteStore): Store =>
      new Proxy(inner, {
        get(target, property) {
          if (property === "pruneExclusive") {
            return async (nowMs: number) => {
              const startMs = performance.now();
              const removed = await target.pruneExclusive(nowMs);
              spans.push({ who, startMs, endMs: performance.now(), removed });
              return removed;
            };
          }
          const value: unknown = Reflect.get(target, property, target);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
    const events: SessionEvent[] = [];
    const managers = [timed("a", store), timed("b", other())].map((s) => createSessions({ secret: testSecret(), store: s, autoPrune: { everyRequests: 1 }, onEvent: (e) => events.push(e) }));
    for (let round = 0; round < 5; round += 1) await Promise.all(managers.map((m) => m.load(undefined)));
    await until(() => rows(db) === 0, 30_000, "the prune");
    await Promise.all(managers.map((m) => m.close()));
    const ran = spans.filter((s) => s.removed !== undefined).sort((x, y) => x.startMs - y.startMs);
    for (let i = 1; i < ran.length; i += 1) assert.ok(ran[i]!.startMs >= ran[i - 1]!.endMs, `prunes ${i - 1} and ${i} overlapped`);
    assert.ok(spans.some((s) => s.removed === undefined), "a manager found the lock taken and skipped");
    assert.ok(events.some((e) => e.type === "prune_skipped"), "and said so");
    assert.equal(ran.reduce((n, s) => n + (s.removed ?? 0), 0), 1_000, "every record was removed exactly once");
  });
});
