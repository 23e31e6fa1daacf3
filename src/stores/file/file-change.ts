/**
 * The file writes of one store call, made durable together and undone
 * together when the caller gave up meanwhile.
 *
 * Why undo: core gives every store call a deadline, and tells the app a
 * write failed when it passes (`ctx.abandoned` turns true). A write that was
 * still running then must not land later, or the app's view and the store
 * disagree. So each replaced or removed file is first hard-linked to a
 * backup; once every rename is durable (directory fsync'd), the store checks
 * `ctx.abandoned` and, only if it is set, puts every backup back. That check
 * and the answer to core run in one synchronous step (see `FileStore`), so a
 * deadline can no longer pass between them.
 *
 * Backups and temporary files are `.tmp-*` names: one left by a process
 * killed mid-write is removed by `prune` once old.
 */
import { randomBytes } from "node:crypto";
import { link, rename } from "node:fs/promises";
import { join } from "node:path";
import { TEMP_PREFIX, codeOf, unlinkIfPresent } from "./fs-util.js";
import { syncDirectory, writeTemp } from "./record-file.js";

/**
 * Replace and remove files in one directory, with an undo.
 *
 * @example
 * const change = new FileChange(dir, true);
 * await change.put(idHash, encodeRecord(next));
 * await change.sync();
 * if (ctx.abandoned) await change.undo(); else await change.finish();
 */
export class FileChange {
  readonly #dir: string;
  readonly #fsync: boolean;
  readonly #undo: Array<() => Promise<void>> = [];
  readonly #backups: string[] = [];
  readonly #after: Array<() => Promise<void>> = [];

  constructor(dir: string, fsync: boolean) {
    this.#dir = dir;
    this.#fsync = fsync;
  }

  /** Replace (or create) `name` with `content`: temp file, fsync, backup of the old one, rename. */
  async put(name: string, content: string): Promise<void> {
    const target = join(this.#dir, name);
    const temp = await writeTemp(this.#dir, name, content, this.#fsync);
    let backup: string | undefined;
    try {
      backup = await this.#backup(target);
      await rename(temp, target);
    } catch (err) {
      await unlinkIfPresent(temp);
      if (backup !== undefined) await unlinkIfPresent(backup);
      throw err;
    }
    const saved = backup;
    this.#undo.push(saved === undefined ? () => unlinkIfPresent(target) : () => rename(saved, target));
  }

  /** Remove `name` (a missing file is not an error). */
  async remove(name: string): Promise<void> {
    const target = join(this.#dir, name);
    const backup = await this.#backup(target);
    if (backup === undefined) return;
    await unlinkIfPresent(target);
    this.#undo.push(() => rename(backup, target));
  }

  /** Work to do only once the change is kept (user index markers that may go stale harmlessly). */
  afterCommit(work: () => Promise<void>): void {
    this.#after.push(work);
  }

  /** Make the renames and unlinks durable (fsync the directory) before anyone is told they happened. */
  async sync(): Promise<void> {
    if (this.#fsync && this.#undo.length > 0) await syncDirectory(this.#dir);
  }

  /** Put every file back as it was, newest change first, durably. */
  async undo(): Promise<void> {
    for (const step of this.#undo.splice(0).reverse()) await step();
    await this.sync();
    await this.#dropBackups();
  }

  /** The change is kept: drop the backups and run the after-commit work. */
  async finish(): Promise<void> {
    this.#undo.length = 0;
    await this.#dropBackups();
    for (const work of this.#after.splice(0)) await work();
  }

  async #dropBackups(): Promise<void> {
    for (const backup of this.#backups.splice(0)) await unlinkIfPresent(backup);
  }

  /** Hard-link the current file to a backup name; `undefined` when there is no file. */
  async #backup(target: string): Promise<string | undefined> {
    const backup = join(this.#dir, `${TEMP_PREFIX}bak-${randomBytes(9).toString("base64url")}`);
    try {
      await link(target, backup);
    } catch (err) {
      if (codeOf(err) === "ENOENT") return undefined;
      throw err;
    }
    this.#backups.push(backup);
    return backup;
  }
}
