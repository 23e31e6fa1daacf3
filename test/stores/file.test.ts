import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStore, FileStoreError } from "../../src/stores/file.js";
import { ConfigError } from "../../src/core/errors.js";
import { change, cookieFrom, ctx, idFrom, randomIdHash, record, sessionsOn, testSessionsOnStore, testStore, type MakeStore } from "../../src/testing/index.js";
import { hashSessionId } from "../../src/index.js";
import { spawnChild, until } from "./file-helpers.js";

const root = mkdtempSync(join(tmpdir(), "sk-file-"));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const newDir = (): string => join(root, `store-${(counter += 1)}`);

/** Every path under `dir` and every file's content, as one string. */
function dumpDir(dir: string): string {
  if (!existsSync(dir)) return "";
  const out: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
    out.push(path.slice(dir.length));
    if (entry.isFile()) out.push(readFileSync(path, "utf8"));
  }
  return out.join("\n");
}

const fixture: MakeStore = async () => {
  const directory = newDir();
  return {
    store: new FileStore({ directory, userBatchSize: 4 }),
    userBatchSize: 4,
    cleanup: async () => rmSync(directory, { recursive: true, force: true }),
    dump: async () => dumpDir(directory),
  };
};

testStore("file", fixture, { heavy: true });
// Not the heavy variant: 1,000 fsync'd writes serialized on one file cannot all
// finish inside core's default 2 s storeTimeoutMs; the store-level heavy
// variant above checks the same 1,000 writers without a deadline.
testSessionsOnStore("file", fixture);

// The heavy variant (1,000 concurrent writers) without fsync: it checks the locking, not the disk.
testStore(
  "file (fsync off)",
  async () => {
    const directory = newDir();
    return { store: new FileStore({ directory, fsync: false }), cleanup: async () => rmSync(directory, { recursive: true, force: true }) };
  },
  { heavy: true },
);


describe("FileStore across processes", () => {
  it("concurrent change-sets from three processes on one record keep every key", async () => {
    const directory = newDir();
    const store = new FileStore({ directory });
    const id = randomIdHash();
    assert.equal(await store.create(id, record({ base: "0" }), ctx()), true);
    const children = [spawnChild(["keys", directory, id, "c1-", "60"]), spawnChild(["keys", directory, id, "c2-", "60"])];
    const mine = Promise.all(Array.from({ length: 60 }, (_, i) => store.apply(id, change({ set: { [`p-${i}`]: String(i) } }), ctx())));
    const [codes, results] = await Promise.all([Promise.all(children.map((c) => c.exited)), mine]);
    assert.deepEqual(codes, [0, 0]);
    for (const c of children) assert.deepEqual(c.lines, ["[]"], "every child apply returned ok");
    assert.ok(results.every((r) => r === "ok"));
    const loaded = await store.load(id, ctx());
    assert.ok(loaded);
    const keys = Object.keys(loaded.data);
    assert.equal(keys.length, 181, `expected 181 keys, got ${keys.length}: writes were lost across processes`);
    for (let i = 0; i < 60; i += 1) {
      for (const p of ["c1-", "c2-", "p-"]) assert.equal(loaded.data[`${p}${i}`], String(i));
    }
  });

  it("a writer SIGKILLed mid-write leaves the last committed contents, and its lock is recovered at once", async () => {
    const directory = newDir();
    const store = new FileStore({ directory });
    const id = randomIdHash();
    await store.create(id, record({ a: "0", b: "0", big: "0" }), ctx());
    let sawTemp = 0;
    for (let round = 0; round < 3; round += 1) {
      const child = spawnChild(["hammer", directory, id, String(2_000_000)]);
      await until("three commits", () => child.lines.length >= 3, 30_000);
      // Kill at a varying point of the next write (each takes a few ms: 2 MB plus two fsyncs).
      await new Promise((r) => setTimeout(r, round * 3));
      child.proc.kill("SIGKILL");
      assert.equal(await child.exited, null, "the writer died by signal");
      if (readdirSync(directory).some((n) => n.startsWith(".tmp-"))) sawTemp += 1;
      const lastReported = Number(child.lines.at(-1)?.split(" ")[1]);
      const loaded = await store.load(id, ctx());
      assert.ok(loaded, "the session still reads");
      const a = Number(loaded.data.a);
      assert.equal(loaded.data.b, loaded.data.a, "never a mix of two writes");
      assert.ok(a === lastReported || a === lastReported + 1, `a=${a}, last reported commit ${lastReported}`);
      assert.equal(loaded.data.big?.length, 2_000_000 + String(a).length);
      assert.ok(loaded.data.big?.endsWith(String(a)));
      // The dead writer may have held the lock: a live process must not wait for staleLockMs (30 s).
      const t0 = Date.now();
      assert.equal(await store.apply(id, change({ set: { a: "0", b: "0", big: "0" } }), ctx()), "ok");
      // Far below 30 s however loaded the machine (a 2 MB write with two fsyncs can take a while there).
      assert.ok(Date.now() - t0 < 10_000, `lock recovered in ${Date.now() - t0} ms`);
    }
    // Temp files left by killed writers are removed by prune once old.
    await new FileStore({ directory, staleLockMs: 1 }).prune(Date.now());
    assert.deepEqual(readdirSync(directory).filter((n) => n.startsWith(".tmp-")), [], `(${sawTemp} of 3 kills left a temp file)`);
  });
});

describe("FileStore specifics", () => {
  it("a listing of the directory (names and contents) holds no raw session id, only its hash", async () => {
    const directory = newDir();
    const sessions = sessionsOn(new FileStore({ directory }));
    const ids: string[] = [];
    for (const user of ["alice", "bob"]) {
      const session = await sessions.load(undefined);
      session.set("user", user);
      session.setUser(user);
      ids.push(idFrom(cookieFrom((await sessions.commit(session, { status: 200 })).setCookie)));
    }
    const listing = dumpDir(directory);
    for (const id of ids) {
      assert.match(id, /^[A-Za-z0-9_-]{43}$/);
      assert.ok(!listing.includes(id), "the raw id appears nowhere");
      assert.ok(readdirSync(directory).includes(hashSessionId(id)), "the file is named by the hash");
    }
    const reloaded = await sessions.load(`session=${ids[0]}`);
    assert.equal(reloaded.get("user"), "alice");
  });

  it("names files by the id hash only, with private modes, and validates every id hash before building a path", async () => {
    const directory = newDir();
    const store = new FileStore({ directory });
    const id = randomIdHash();
    await store.create(id, record({ a: "1" }, { userId: "alice" }), ctx());
    assert.deepEqual(readdirSync(directory).sort(), [".locks", ".users", id].sort());
    assert.equal(statSync(directory).mode & 0o777, 0o700);
    assert.equal(statSync(join(directory, id)).mode & 0o777, 0o600);
    assert.ok(!dumpDir(directory).includes("alice") || readFileSync(join(directory, id), "utf8").includes("alice"), "user ids appear only inside records, hashed in the index");
    const outside = join(root, "outside");
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, "x".repeat(43)), JSON.stringify({ v: 1 }));
    for (const bad of ["../outside/" + "x".repeat(32), "..", "a".repeat(42), "a".repeat(44), "a".repeat(42) + "/", "a".repeat(42) + ".", "a".repeat(42) + "\u0000", ""]) {
      for (const call of [() => store.load(bad, ctx()), () => store.apply(bad, change({ set: { a: "1" } }), ctx()), () => store.create(bad, record({}), ctx()), () => store.destroy(bad, ctx())]) {
        await assert.rejects(call(), (e: unknown) => e instanceof FileStoreError && e.code === "SESSIONKIT_BAD_ID_HASH" && !e.message.includes(bad || "\u0001"));
      }
    }
    assert.deepEqual(readdirSync(outside), ["x".repeat(43)]);
  });

  it("refuses a damaged or foreign file with a typed error", async () => {
    const directory = newDir();
    const store = new FileStore({ directory });
    const id = randomIdHash();
    await store.create(id, record({ a: "1" }), ctx());
    for (const content of ["", "{", "[]", '{"v":2}', JSON.stringify({ v: 1, createdAtMs: 1, expiresAtMs: 9e12, userId: null, frozen: false, data: { a: 1 } })]) {
      writeFileSync(join(directory, id), content);
      await assert.rejects(store.load(id, ctx()), (e: unknown) => e instanceof FileStoreError && e.code === "SESSIONKIT_CORRUPT_RECORD");
    }
  });

  it("breaks a lock whose holder is dead or that is older than staleLockMs, and times out on a live one", async () => {
    const directory = newDir();
    const store = new FileStore({ directory, lockWaitMs: 200, staleLockMs: 5_000 });
    const id = randomIdHash();
    await store.create(id, record({ a: "1" }), ctx());
    const lock = join(directory, ".locks", `${id}.lock`);
    // A live pid that is not ours (pid 1 always exists), fresh: the lock is honoured.
    writeFileSync(lock, `1 tok ${Date.now()}`);
    const t0 = Date.now();
    await assert.rejects(store.apply(id, change({ set: { b: "2" } }), ctx()), (e: unknown) => e instanceof FileStoreError && e.code === "SESSIONKIT_LOCK_TIMEOUT");
    assert.ok(Date.now() - t0 >= 190, "waited for lockWaitMs");
    assert.ok(existsSync(lock), "a live lock is never broken");
    // The same holder, but older than staleLockMs: broken.
    writeFileSync(lock, `1 tok ${Date.now() - 6_000}`);
    assert.equal(await store.apply(id, change({ set: { b: "2" } }), ctx()), "ok");
    // A holder pid that no longer exists: broken at once.
    const dead = spawnChild(["keys", directory, randomIdHash(), "x", "0"]);
    await dead.exited;
    writeFileSync(lock, `${dead.proc.pid} tok ${Date.now()}`);
    assert.equal(await store.apply(id, change({ set: { c: "3" } }), ctx()), "ok");
    assert.deepEqual({ ...(await store.load(id, ctx()))?.data }, { a: "1", b: "2", c: "3" });
    // The answer comes at the commit point; the lock goes a moment later, once the backups are dropped.
    await until("our own lock to go", () => !existsSync(lock), 30_000);
    assert.ok(!existsSync(lock), "our own lock is released");
  });

  it("round-trips lone surrogates exactly (JSON escapes them)", async () => {
    const store = new FileStore({ directory: newDir() });
    const id = randomIdHash();
    await store.create(id, record([["\ud800", "\udc00x"]], { userId: "\ud83d" }), ctx());
    const loaded = await store.load(id, ctx());
    assert.equal(loaded?.data["\ud800"], "\udc00x");
    assert.equal(loaded?.userId, "\ud83d");
  });

  it("checks its options", () => {
    assert.throws(() => new FileStore({ directory: "" }), (e: unknown) => e instanceof ConfigError && e.option === "directory");
    for (const lockWaitMs of [0, -1, 1.5]) {
      assert.throws(() => new FileStore({ directory: newDir(), lockWaitMs }), (e: unknown) => e instanceof ConfigError && e.option === "lockWaitMs");
    }
  });
});
