/**
 * The file store when things go wrong (issue #14, item 8): a burst of writes
 * on one session with a short store deadline, a writer killed by SIGKILL,
 * and a session file that cannot be read. Real files, real processes, real
 * createSessions; nothing is mocked.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { StoreError, hashSessionId } from "../../src/index.js";
import { FileStore } from "../../src/stores/file.js";
import { change, cookieFrom, ctx, idFrom, randomIdHash, record, sessionsOn } from "../../src/testing/index.js";
import { spawnChild, until } from "./file-helpers.js";

const root = mkdtempSync(join(tmpdir(), "sk-file-faults-"));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const newDir = (): string => join(root, `store-${(counter += 1)}`);

/** How long one fsync'd write takes here now (the disk is shared; it varies). */
async function writeCostMs(store: FileStore): Promise<number> {
  const id = randomIdHash();
  await store.create(id, record({}), ctx());
  const started = performance.now();
  for (let i = 0; i < 5; i += 1) await store.apply(id, change({ set: { [`w${i}`]: "1" } }), ctx());
  return (performance.now() - started) / 5;
}

/**
 * `requests` concurrent requests on one session, each setting its own key,
 * through createSessions with a deadline of `timeoutMs`. Resolves which were
 * told they succeeded, which were told the store failed, and the keys the
 * store holds once every queued write has settled.
 */
async function burst(directory: string, requests: number, timeoutMs: number) {
  const store = new FileStore({ directory });
  const setup = sessionsOn(store);
  const first = await setup.load(undefined);
  first.set("base", 0);
  const cookie = cookieFrom((await setup.commit(first, { status: 200 })).setCookie);
  const sessions = sessionsOn(store, { storeTimeoutMs: timeoutMs });
  const told = await Promise.all(
    Array.from({ length: requests }, async (_, i) => {
      try {
        const session = await sessions.load(cookie);
        session.set(`k${i}`, i);
        await sessions.commit(session, { status: 200 });
        return "ok" as const;
      } catch (error) {
        if (error instanceof StoreError) return "failed" as const;
        throw error;
      }
    }),
  );
  // A write queued after every other one, with no deadline: once it is done, every earlier write has settled.
  const idHash = hashSessionId(idFrom(cookie));
  assert.equal(await store.apply(idHash, change({ set: { drained: "1" } }), ctx()), "ok");
  const stored = await store.load(idHash, ctx());
  assert.ok(stored, "the session survives the burst");
  return { told, keys: new Set(Object.keys(stored.data)) };
}

describe("file store faults", () => {
  it("R58 a write the app was told failed never lands later, and every write it was told succeeded is there (real bursts, generated sizes and deadlines)", async () => {
    const costMs = Math.max(1, await writeCostMs(new FileStore({ directory: newDir() })));
    let sawBoth = false;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 40, max: 120 }), fc.integer({ min: 4, max: 12 }), async (requests, factor) => {
        // A deadline worth a few writes: the first requests finish, the rest time out waiting in the queue.
        const timeoutMs = Math.max(40, Math.round(costMs * factor));
        const { told, keys } = await burst(newDir(), requests, timeoutMs);
        told.forEach((outcome, i) => {
          assert.equal(keys.has(`k${i}`), outcome === "ok", `request ${i} was told ${outcome} (${requests} requests, ${timeoutMs} ms deadline)`);
        });
        if (told.includes("ok") && told.includes("failed")) sawBoth = true;
      }),
      { numRuns: 6 },
    );
    assert.ok(sawBoth, "at least one burst had writes on both sides of the deadline (else the property proved nothing)");
  });

  it("R62 prune removes the lock folder's temporary files and locks left by a writer killed with SIGKILL", async () => {
    const directory = newDir();
    const child = spawnChild(["locks", directory, randomIdHash(), "8"]);
    await until("the writer to start", () => child.lines.includes("ready"), 30_000);
    const lockDir = join(directory, ".locks");
    const leftovers = () => readdirSync(lockDir).filter((n) => n.startsWith(".tmp-"));
    // Catch the writer between writing a lock's content and linking it: stop it, look, kill it there.
    let caught = false;
    for (let attempt = 0; attempt < 2_000 && !caught; attempt += 1) {
      child.proc.kill("SIGSTOP");
      if (leftovers().length > 0) caught = true;
      else child.proc.kill("SIGCONT");
      if (!caught) await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 3)));
    }
    child.proc.kill("SIGKILL");
    await child.exited;
    assert.ok(caught, "the writer was killed with a lock's temporary file on disk");
    const before = leftovers().length;
    const locksBefore = readdirSync(lockDir).filter((n) => n.endsWith(".lock")).length;
    await new Promise((r) => setTimeout(r, 20));
    const store = new FileStore({ directory, staleLockMs: 10 });
    const report = await store.pruneReport(Date.now());
    assert.deepEqual(leftovers(), [], "no temporary file of the dead writer is left");
    assert.ok(report.tempFiles >= before, `reported ${report.tempFiles} temporary files, ${before} were there`);
    assert.deepEqual(readdirSync(lockDir).filter((n) => n.endsWith(".lock") || n.endsWith(".break")), [], "no lock of the dead writer is left");
    assert.equal(report.locks, locksBefore);
    // And the sessions it wrote are still there and writable.
    assert.equal(report.removed, 0);
  });

  it("R62 one unreadable session file does not stop prune: it is skipped, counted and left in place", async () => {
    const directory = newDir();
    const store = new FileStore({ directory, pruneBatchSize: 2 });
    const nowMs = Date.now();
    const expired = Array.from({ length: 5 }, () => randomIdHash());
    for (const id of expired) await store.create(id, record({ a: "1" }, { nowMs: nowMs - 60_000, expiresAtMs: nowMs - 1_000 }), ctx(nowMs - 60_000));
    const live = randomIdHash();
    await store.create(live, record({ a: "1" }), ctx(nowMs));
    const damaged = [randomIdHash(), randomIdHash()];
    writeFileSync(join(directory, damaged[0]!), "{ not json");
    writeFileSync(join(directory, damaged[1]!), JSON.stringify({ v: 1, data: "not an object" }));
    const report = await store.pruneReport(nowMs);
    assert.equal(report.removed, expired.length, "every expired session went, around the damaged files");
    assert.equal(report.unreadable, damaged.length);
    assert.ok(await store.load(live, ctx(nowMs)), "the live session stays");
    for (const id of damaged) assert.ok(readdirSync(directory).includes(id), "a damaged file is left for a person to look at");
    assert.equal(await store.prune(nowMs), 0, "prune (the Store method) reports removed sessions only");
  });
});
