/**
 * The file store's per-session machinery: the one place a path is built from
 * an id hash, the per-session queue and lock file, and the write that is
 * dropped or undone when core has given up on it.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { StoreContext, StoreRecord } from "../../core/store.js";
import { KeyedQueue } from "../shared/keyed-queue.js";
import { FileStoreError } from "./errors.js";
import { FileChange } from "./file-change.js";
import { withLock, type LockTiming } from "./lock.js";
import { readRecord } from "./record-file.js";

/** An idHash is base64url(SHA-256(id)): exactly 43 characters of this alphabet. */
export const ID_HASH = /^[A-Za-z0-9_-]{43}$/;

/** A write's work, given the files to change and the record as it is now. */
export type WriteTask<T> = (change: FileChange, current: StoreRecord | undefined) => Promise<T>;

/**
 * The error of a write dropped because its caller gave up first.
 *
 * @example
 * if (ctx.abandoned) throw abandoned();
 */
export function abandoned(): FileStoreError {
  return new FileStoreError("SESSIONKIT_ABANDONED", "the write was dropped: core's deadline passed before it was applied, and the app was told it failed");
}

/**
 * Sessions as files in one directory.
 *
 * @example
 * const files = new SessionFiles("/var/sessions", true, { waitMs: 3000, staleMs: 30_000 });
 * await files.write(idHash, ctx, async (change, current) => { await change.put(idHash, "…"); return "ok"; });
 */
export class SessionFiles {
  readonly dir: string;
  readonly fsync: boolean;
  readonly #timing: LockTiming;
  readonly #queue = new KeyedQueue();
  #ready: Promise<void> | undefined;

  constructor(dir: string, fsync: boolean, timing: LockTiming) {
    this.dir = dir;
    this.fsync = fsync;
    this.#timing = timing;
  }

  /** The only place a path is built from an idHash: after the check, no input can leave the directory. */
  path(idHash: string): string {
    if (typeof idHash !== "string" || !ID_HASH.test(idHash)) {
      throw new FileStoreError("SESSIONKIT_BAD_ID_HASH", "the file store was given an id hash that is not 43 base64url characters");
    }
    return join(this.dir, idHash);
  }

  /** A new set of file changes in this directory. */
  change(): FileChange {
    return new FileChange(this.dir, this.fsync);
  }

  /**
   * One write: in the session's queue slot, under its lock file, reading the
   * current record first. The write is dropped when core has already given
   * up (`ctx.abandoned`) before it starts, and undone when core gave up
   * while it ran. The answer to core is settled in the same synchronous step
   * as that last check, so no deadline can pass between them: a write the
   * app was told failed is never found in the store.
   */
  write<T>(idHash: string, ctx: StoreContext, task: WriteTask<T>): Promise<T> {
    const path = this.path(idHash);
    return new Promise<T>((settle, fail) => {
      this.locked(idHash, async () => {
        if (ctx.abandoned) return fail(abandoned());
        const change = this.change();
        let result: T;
        try {
          result = await task(change, await readRecord(path));
          await change.sync();
        } catch (err) {
          await change.undo();
          return fail(err);
        }
        if (ctx.abandoned) {
          await change.undo();
          return fail(abandoned());
        }
        settle(result); // the commit point
        await change.finish(); // still under the lock: drop the backups, unindex
      }).catch(fail);
    });
  }

  /** Run `task` holding the session's in-process queue slot, then its lock file. */
  async locked<T>(idHash: string, task: () => Promise<T>): Promise<T> {
    this.path(idHash);
    await this.ensureDirectory();
    const lockPath = join(this.dir, ".locks", `${idHash}.lock`);
    return this.#queue.run(idHash, () => withLock(lockPath, this.#timing, task));
  }

  /**
   * Remove one session file under its lock, unless `keep`, given what it
   * holds, says to keep it: the decision and the removal are under one lock.
   * Resolves what it held (a damaged file counts as absent) and whether it
   * went. `before` runs first, under the lock (it may throw: nothing goes).
   */
  async remove(idHash: string, before?: () => void, keep?: (current: StoreRecord | undefined) => boolean): Promise<{ record: StoreRecord | undefined; removed: boolean }> {
    return this.locked(idHash, async () => {
      before?.();
      const current = await this.readForRemoval(idHash);
      if (keep?.(current) === true) return { record: current, removed: false };
      const change = this.change();
      await change.remove(idHash);
      await change.sync();
      await change.finish();
      return { record: current, removed: true };
    });
  }

  /** A record about to be removed: a damaged file cannot be a live session, so it reads as absent. */
  async readForRemoval(idHash: string): Promise<StoreRecord | undefined> {
    try {
      return await readRecord(this.path(idHash));
    } catch (err) {
      if (err instanceof FileStoreError && err.code === "SESSIONKIT_CORRUPT_RECORD") return undefined;
      throw err;
    }
  }

  ensureDirectory(): Promise<void> {
    this.#ready ??= mkdir(join(this.dir, ".locks"), { recursive: true, mode: 0o700 }).then(
      () => undefined,
      (err: unknown) => {
        this.#ready = undefined; // retry on the next call, e.g. once a volume is mounted
        throw err;
      },
    );
    return this.#ready;
  }
}
