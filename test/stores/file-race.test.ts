/**
 * The file store's "log out everywhere" meeting a regenerate of an old id at
 * each step of its walk (issue #14, as on Redis in d871496). Real files and
 * real lock files; the walk is only held still at one step while a second
 * FileStore on the same directory (another process, as far as the locks
 * go) runs a whole rotate, then it goes on.
 *
 * The steps are what the walk does with the old id that a rotate can come
 * before: taking its lock file (`link` to `.locks/<id>.lock`), and reading
 * its file without holding that lock. This file holds the walk through
 * node:fs/promises, swapped for the time of one walk (syncBuiltinESMExports)
 * and passed through unchanged; so it has a file of its own.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import fsp from "node:fs/promises";
import { mkdtempSync, rmSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStore } from "../../src/stores/file.js";
import type { StoreRecord } from "../../src/core/store.js";
import { change, ctx, randomIdHash, record } from "../../src/testing/index.js";

const root = mkdtempSync(join(tmpdir(), "sk-file-race-"));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

type Fsp = { link: typeof fsp.link; readFile: typeof fsp.readFile; unlink: typeof fsp.unlink };

/**
 * Run `walk` with `before` run to its end just before the walk's `k`-th step
 * on `dir`/`idHash` (taking its lock, or reading it unlocked); resolves
 * whether that step came.
 */
async function holdingAt(dir: string, idHash: string, k: number, before: () => Promise<void>, walk: () => Promise<void>): Promise<boolean> {
  const file = join(dir, idHash);
  const lock = join(dir, ".locks", `${idHash}.lock`);
  const original: Fsp = { link: fsp.link, readFile: fsp.readFile, unlink: fsp.unlink };
  let steps = 0;
  let held = false;
  let passing = false;
  let met = false;
  const step = async (): Promise<void> => {
    if (passing || (steps += 1) !== k) return;
    met = true;
    passing = true;
    try {
      await before();
    } finally {
      passing = false;
    }
  };
  const patched = fsp as unknown as Fsp;
  patched.link = async (existing, path) => {
    if (String(path) !== lock) return original.link(existing, path);
    await step();
    await original.link(existing, path);
    if (!passing) held = true;
  };
  patched.readFile = (async (path: Parameters<typeof fsp.readFile>[0], options?: Parameters<typeof fsp.readFile>[1]) => {
    if (String(path) === file && !held) await step();
    return original.readFile(path, options);
  }) as typeof fsp.readFile;
  patched.unlink = async (path) => {
    await original.unlink(path);
    if (String(path) === lock && !passing) held = false;
  };
  syncBuiltinESMExports();
  try {
    await walk();
  } finally {
    Object.assign(patched, original);
    syncBuiltinESMExports();
  }
  return met;
}

describe("FileStore destroyForUser meeting a rotate of the old id (issue #14)", () => {
  const nowMs = Date.now();
  const graceUntilMs = nowMs + 60_000;

  /** destroyForUser("alice") with a rotate of alice's session to `to` before the walk's `k`-th step on its id. */
  async function meet(k: number, to: string) {
    const directory = join(root, `store-${(counter += 1)}`);
    const walker = new FileStore({ directory, fsync: false });
    const other = new FileStore({ directory, fsync: false });
    const [oldId, newId] = [randomIdHash(), randomIdHash()];
    assert.equal(await other.create(oldId, record({ a: "1" }, { userId: "alice", nowMs }), ctx(nowMs)), true);
    let rotated: string | undefined;
    let count = -1;
    const met = await holdingAt(
      directory,
      oldId,
      k,
      async () => {
        rotated = await other.rotate(oldId, newId, change({ userId: to }), graceUntilMs, ctx(nowMs));
      },
      async () => {
        count = await walker.destroyForUser("alice", undefined, ctx(nowMs));
      },
    );
    // Not met: the walk had ended the session before; a rotate now finds nothing.
    rotated ??= `after: ${await other.rotate(oldId, newId, change({ userId: to }), graceUntilMs, ctx(nowMs))}`;
    const oldRecord: StoreRecord | undefined = await other.load(oldId, ctx(nowMs));
    const newRecord: StoreRecord | undefined = await other.load(newId, ctx(nowMs));
    return { met, rotated, count, oldRecord, newRecord, other, newId };
  }

  it("a rotate to another user that finished first takes the session away: the old id stays, read-only, and nothing is counted", async () => {
    let k = 1;
    for (; k <= 10; k += 1) {
      const { met, rotated, count, oldRecord, newRecord, other, newId } = await meet(k, "bob");
      const at = `before step ${k} on the old id`;
      if (rotated === "ok") {
        assert.equal(count, 0, at);
        assert.equal(oldRecord?.frozen, true, `${at}: the old id is still there, frozen`);
        assert.equal(newRecord?.userId, "bob", at);
        assert.deepEqual((await other.listForUser("bob", ctx(nowMs))).map((s) => s.idHash), [newId], at);
      } else {
        assert.equal(count, 1, at);
        assert.equal(oldRecord, undefined, at);
        assert.equal(newRecord, undefined, at);
      }
      if (!met) break;
    }
    assert.ok(k > 1, "the walk takes the old id's lock at least once");
  });

  it("a rotate that keeps the user is ended under both ids, counted once, whichever step it came before", async () => {
    let k = 1;
    for (; k <= 10; k += 1) {
      const { met, count, oldRecord, newRecord } = await meet(k, "alice");
      const at = `before step ${k} on the old id`;
      assert.equal(count, 1, at);
      assert.equal(oldRecord, undefined, at);
      assert.equal(newRecord, undefined, at);
      if (!met) break;
    }
    assert.ok(k > 1, "the walk takes the old id's lock at least once");
  });
});
