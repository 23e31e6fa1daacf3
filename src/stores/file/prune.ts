/**
 * The file store's prune: one streaming walk of the sessions directory and
 * one of its lock folder, in batches, so a million sessions never sit in
 * memory at once. It removes expired sessions, temporary files left by
 * writers that died (records, lock contents, backups), and locks whose
 * holder died; a session file it cannot read is skipped and counted, never
 * a reason to stop.
 */
import { opendir, stat } from "node:fs/promises";
import { join } from "node:path";
import { TEMP_PREFIX, codeOf, unlinkIfPresent } from "./fs-util.js";
import { clearStaleLock } from "./lock.js";

/**
 * What one prune did.
 *
 * @example
 * const { removed, unreadable } = await store.pruneReport(Date.now());
 */
export interface PruneReport {
  /** Expired sessions removed. */
  removed: number;
  /** Session files that could not be read or parsed: left in place, skipped. */
  unreadable: number;
  /** Temporary files of dead writers removed (in the directory and its lock folder). */
  tempFiles: number;
  /** Lock files of dead holders removed. */
  locks: number;
}

/** What the walk needs from the store. */
export interface PruneTarget {
  dir: string;
  lockDir: string;
  staleMs: number;
  batchSize: number;
  isSessionName(name: string): boolean;
  /** Remove the session `name` if it expired at `nowMs`, under its lock; "unreadable" when its file cannot be read. */
  removeIfExpired(name: string, nowMs: number): Promise<boolean | "unreadable">;
}

/**
 * Walk the directory and the lock folder once.
 *
 * @example
 * const report = await prune(target, Date.now(), 1000);
 */
export async function prune(target: PruneTarget, nowMs: number, limit: number): Promise<PruneReport> {
  const report: PruneReport = { removed: 0, unreadable: 0, tempFiles: 0, locks: 0 };
  // Locks first: a dead writer's lock would otherwise be broken by the session walk, uncounted.
  await walk(target.lockDir, target.batchSize, async (name) => {
    if (name.startsWith(TEMP_PREFIX)) {
      if (await removeOldTemp(join(target.lockDir, name), target.staleMs)) report.tempFiles += 1;
    } else if (name.endsWith(".lock") || name.endsWith(".lock.break")) {
      if (await clearStaleLock(join(target.lockDir, name), target.staleMs)) report.locks += 1;
    }
    return true;
  });
  await walk(target.dir, target.batchSize, async (name) => {
    if (report.removed >= limit) return false;
    if (name.startsWith(TEMP_PREFIX)) {
      if (await removeOldTemp(join(target.dir, name), target.staleMs)) report.tempFiles += 1;
    } else if (target.isSessionName(name)) {
      const gone = await target.removeIfExpired(name, nowMs);
      if (gone === "unreadable") report.unreadable += 1;
      else if (gone) report.removed += 1;
    }
    return true;
  });
  return report;
}

/** Stream `dir`'s file names to `visit`, `batchSize` at a time; `visit` returns false to stop. */
async function walk(dir: string, batchSize: number, visit: (name: string) => Promise<boolean>): Promise<void> {
  let handle;
  try {
    handle = await opendir(dir, { bufferSize: batchSize });
  } catch (err) {
    if (codeOf(err) === "ENOENT") return;
    throw err;
  }
  let batch: string[] = [];
  const flush = async (): Promise<boolean> => {
    for (const name of batch.splice(0)) if (!(await visit(name))) return false;
    return true;
  };
  // A batch of names is handled before the next is read. readdir returns
  // every entry that stays in place exactly once, whatever is removed
  // meanwhile, which is all a prune needs.
  for await (const entry of handle) {
    if (!entry.isFile()) continue;
    batch.push(entry.name);
    if (batch.length >= batchSize && !(await flush())) return;
  }
  await flush();
}

/**
 * Remove a temporary file older than `staleMs`: a live writer finishes with
 * its temp file in milliseconds, so an old one belongs to a writer that died.
 * (`Date.now()` against an mtime: both are the machine's wall clock, not a
 * session's time, which is core's.)
 */
async function removeOldTemp(path: string, staleMs: number): Promise<boolean> {
  try {
    if (Date.now() - (await stat(path)).mtimeMs <= staleMs) return false;
    await unlinkIfPresent(path);
    return true;
  } catch (err) {
    if (codeOf(err) === "ENOENT") return false;
    throw err;
  }
}
