/**
 * `sessionkit/stores/file`: one file per session in a directory the app
 * names, as Flask-Session's filesystem backend and PHP's default handler do.
 * No server to run; a folder to inspect and back up.
 *
 * Layout of the directory:
 * - `<idHash>`: one session (JSON). The name is the SHA-256 of the session id,
 *   checked to be 43 base64url characters before any path is built, so no
 *   input can name another file, and a listing shows no live session id.
 * - `.locks/<idHash>.lock`: held while one write to that session runs.
 * - `.users/<sha256(userId)>/<idHash>`: the user index (empty marker files).
 * - `.tmp-*` (here and in `.locks/`): a write in progress, or left by a
 *   writer that died; `prune` removes old ones.
 */
import { readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { ConfigError } from "../core/errors.js";
import { applyChangeSet, linkKeptUntilMs, type ApplyResult, type ChangeSet, type Store, type StoreContext, type StoreRecord, type StoredSessionInfo } from "../core/store.js";
import { FileStoreError } from "./file/errors.js";
import { codeOf } from "./file/fs-util.js";
import { withLock } from "./file/lock.js";
import { prune, type PruneReport } from "./file/prune.js";
import { encodeRecord, readRecord } from "./file/record-file.js";
import { ID_HASH, SessionFiles, abandoned } from "./file/session-files.js";
import { FileUserIndex } from "./file/user-index.js";
import { batchSize, refuseRemovedOptions } from "./shared/options.js";

/** The prune lock outlives any prune of a live holder; a dead holder's is broken at once. */
const PRUNE_LOCK_STALE_MS = 10 * 60 * 1000;

export { FileStoreError } from "./file/errors.js";
export type { PruneReport } from "./file/prune.js";

/** Options of {@link FileStore}. */
export interface FileStoreOptions {
  /** The directory holding the sessions; created (mode 0700) if missing. */
  directory: string;
  /** fsync each file and the directory on write (default true). Off trades crash safety for speed. */
  fsync?: boolean;
  /** How long to wait for another process's lock on the same session, in ms (default 3000). */
  lockWaitMs?: number;
  /** A lock older than this is broken even if its pid looks alive, in ms (default 30000). */
  staleLockMs?: number;
  /** How many directory entries prune reads and checks per batch (default 256). */
  pruneBatchSize?: number;
  /** How many index markers one batch of `destroyForUser` reads before ending them (default 256). */
  userBatchSize?: number;
}

/**
 * A {@link Store} keeping each session in its own file.
 *
 * Every write runs under a per-session lock file (and, inside one process,
 * a per-session queue), reads the current file, and replaces it by
 * write-temp + fsync + rename. So concurrent requests from any process of
 * the machine keep each other's keys, a destroyed session is never
 * rewritten, and a crash mid-write leaves the last committed file. A write
 * whose caller has given up (core's deadline passed while it waited in the
 * queue or ran) is dropped or undone, never applied later. Readers take no
 * lock. Not for directories shared between machines (NFS locking and pid
 * checks are not reliable there).
 *
 * @example
 * import { FileStore } from "sessionkit/stores/file";
 * const store = new FileStore({ directory: "./sessions" });
 * const sessions = createSessions({ secret, store });
 * setInterval(() => void store.prune(Date.now()), 600_000).unref();
 */
export class FileStore implements Store {
  readonly name = "file";
  readonly #files: SessionFiles;
  readonly #staleMs: number;
  readonly #pruneBatchSize: number;
  readonly #users: FileUserIndex;

  constructor(options: FileStoreOptions) {
    if (options === null || typeof options !== "object" || typeof options.directory !== "string" || options.directory === "") {
      throw new ConfigError("directory", 'name the sessions directory: new FileStore({ directory: "./sessions" }).');
    }
    refuseRemovedOptions(options);
    const waitMs = batchSize(options.lockWaitMs, 3000, "lockWaitMs");
    const staleMs = batchSize(options.staleLockMs, 30_000, "staleLockMs");
    this.#pruneBatchSize = batchSize(options.pruneBatchSize, 256, "pruneBatchSize");
    const dir = resolve(options.directory);
    this.#staleMs = staleMs;
    this.#files = new SessionFiles(dir, options.fsync ?? true, Object.freeze({ waitMs, staleMs }));
    this.#users = new FileUserIndex(dir, batchSize(options.userBatchSize, 256, "userBatchSize"), (name) => ID_HASH.test(name));
  }

  /**
   * Read a session; `undefined` when there is none or it has expired at `ctx.nowMs`.
   *
   * @example
   * const record = await store.load(idHash, storeContext());
   */
  async load(idHash: string, ctx: StoreContext): Promise<StoreRecord | undefined> {
    const record = await readRecord(this.#files.path(idHash));
    return record !== undefined && record.expiresAtMs > ctx.nowMs ? record : undefined;
  }

  /**
   * Write a new session unless a live one exists under `idHash`.
   *
   * @example
   * const created = await store.create(idHash, record, storeContext());
   */
  async create(idHash: string, record: StoreRecord, ctx: StoreContext): Promise<boolean> {
    return this.#files.write(idHash, ctx, async (change, existing) => {
      if (existing !== undefined && existing.expiresAtMs > ctx.nowMs) return false;
      if (existing?.userId !== undefined && existing.userId !== record.userId) change.afterCommit(() => this.#users.remove(existing.userId!, idHash));
      const { successor: _s, predecessor: _p, ...plain } = record;
      if (plain.userId !== undefined && plain.frozen !== true) await this.#users.add(plain.userId, idHash);
      await change.put(idHash, encodeRecord(plain));
      return true;
    });
  }

  /**
   * Apply a change-set atomically (across processes); never creates a session.
   *
   * @example
   * await store.apply(idHash, { set: { n: "2" }, delete: [] }, storeContext()); // "ok" | "missing" | "frozen"
   */
  async apply(idHash: string, change: ChangeSet, ctx: StoreContext): Promise<ApplyResult> {
    return this.#files.write(idHash, ctx, async (files, current) => {
      if (current === undefined || current.expiresAtMs <= ctx.nowMs) return "missing";
      if (current.frozen === true) return "frozen";
      const next = applyChangeSet(current, change);
      // Index first, unindex once kept: a crash between leaves an extra marker, which reads ignore.
      if (next.userId !== undefined && next.userId !== current.userId) await this.#users.add(next.userId, idHash);
      await files.put(idHash, encodeRecord(next));
      if (current.userId !== undefined && current.userId !== next.userId) files.afterCommit(() => this.#users.remove(current.userId!, idHash));
      return "ok";
    });
  }

  /**
   * Move the idle expiry of a live session; its data is re-read under the lock, never a stale copy.
   *
   * @example
   * await store.touch(idHash, Date.now() + 3_600_000, storeContext());
   */
  async touch(idHash: string, expiresAtMs: number, ctx: StoreContext): Promise<boolean> {
    return this.#files.write(idHash, ctx, async (files, current) => {
      // A frozen record's expiry is the end of the regenerate grace window: it must not roll.
      if (current === undefined || current.expiresAtMs <= ctx.nowMs || current.frozen === true) return false;
      await files.put(idHash, encodeRecord({ ...current, expiresAtMs }));
      return true;
    });
  }

  /**
   * Give a session a new id, under the old id's lock (see `Store.rotate`):
   * the new file is written, then the old one frozen (kept as the link a
   * logout follows), and both land or neither does.
   *
   * @example
   * await store.rotate(oldIdHash, newIdHash, { set: {}, delete: [] }, Date.now() + 10_000, storeContext());
   */
  async rotate(oldIdHash: string, newIdHash: string, change: ChangeSet, graceUntilMs: number, ctx: StoreContext): Promise<ApplyResult> {
    this.#files.path(newIdHash);
    return this.#files.write(oldIdHash, ctx, async (files, old) => {
      if (old === undefined || old.expiresAtMs <= ctx.nowMs) return "missing";
      if (old.frozen === true) return "frozen";
      const applied = applyChangeSet(old, change);
      const next: StoreRecord = { data: applied.data, createdAtMs: applied.createdAtMs, expiresAtMs: applied.expiresAtMs, userId: applied.userId, predecessor: oldIdHash };
      // The new id is fresh (256 random bits) and unknown to anyone until this returns: the old id's lock covers it.
      if (next.userId !== undefined) await this.#users.add(next.userId, newIdHash);
      await files.put(newIdHash, encodeRecord(next));
      // The frozen old record keeps its user and its index marker: a "log out everywhere" that read the
      // index before the new marker was added still reaches the session, through the successor link.
      const expiresAtMs = linkKeptUntilMs(old.expiresAtMs, change, graceUntilMs);
      await files.put(oldIdHash, encodeRecord({ ...old, frozen: true, successor: newIdHash, readableUntilMs: graceUntilMs, expiresAtMs }));
      return "ok" as const;
    });
  }

  /**
   * Delete a session and every id linked to it by a regenerate, each under
   * its own lock, so a change-set in flight cannot bring any back. Once
   * started, a destroy runs to the end even if its caller gave up: it only
   * ever removes.
   *
   * @example
   * await store.destroy(idHash, storeContext());
   */
  async destroy(idHash: string, ctx: StoreContext): Promise<void> {
    this.#files.path(idHash);
    await this.#destroyLinked(idHash, undefined, Number.NEGATIVE_INFINITY, ctx);
  }

  /**
   * The live sessions indexed under `userId`, oldest first: every one of them.
   *
   * @example
   * const devices = await store.listForUser("user-42", storeContext());
   */
  async listForUser(userId: string, ctx: StoreContext): Promise<StoredSessionInfo[]> {
    const out: StoredSessionInfo[] = [];
    await this.#users.walk(userId, async (idHash) => {
      const record = await this.load(idHash, ctx);
      // The marker may outlive its record (crash between the two writes): trust the record.
      if (record?.userId === userId && record.frozen !== true) out.push(info(idHash, record));
    });
    return out.sort((a, b) => a.createdAtMs - b.createdAtMs || (a.idHash < b.idHash ? -1 : 1));
  }

  /**
   * Delete every session of `userId` but `exceptIdHash` (with their linked
   * ids), `userBatchSize` index markers at a time; resolves how many live
   * sessions went. Every marker handled leaves the index, so the walk ends.
   *
   * @example
   * await store.destroyForUser("user-42", currentIdHash, storeContext());
   */
  async destroyForUser(userId: string, exceptIdHash: string | undefined, ctx: StoreContext): Promise<number> {
    let removed = 0;
    for (;;) {
      const batch = await this.#users.batch(userId, exceptIdHash);
      if (batch.length === 0) return removed;
      for (const idHash of batch) {
        const owned = await this.#files.locked(idHash, async () => (await this.#files.readForRemoval(idHash))?.userId === userId);
        const ended = owned ? await this.#endSession(idHash, userId, exceptIdHash, ctx.nowMs) : undefined;
        if (ended !== undefined) removed += ended;
        else await this.#users.remove(userId, idHash); // a stale marker: the session is gone, spared or someone else's
      }
      ctx.progress?.();
    }
  }

  /**
   * End the session `idHash` (one of `userId`'s markers) belongs to, with all
   * its ids; resolves how many live sessions went (0 or 1), or `undefined`
   * when it is spared: its successor chain reaches `exceptIdHash`, or ends
   * at a current record that carries another user (a login as someone else
   * finished first). An old (frozen) id is followed to its successor.
   *
   * The current record is judged and removed under its own lock, in one
   * step, so a rotate of it runs wholly before (then it is frozen, and the
   * walk goes on to the new id) or wholly after (then it finds the record
   * gone and resolves "missing"). One lock at a time, as rotate holds one.
   */
  async #endSession(idHash: string, userId: string, exceptIdHash: string | undefined, nowMs: number): Promise<number | undefined> {
    let id = idHash;
    for (let hop = 0; hop < 64; hop += 1) {
      if (id === exceptIdHash) return undefined;
      let successor: string | undefined;
      const { record, removed } = await this.#files.removeIf(id, (current) => {
        if (current?.frozen === true && current.successor !== undefined && ID_HASH.test(current.successor)) successor = current.successor;
        return successor === undefined && current?.userId === userId;
      });
      if (successor !== undefined) {
        id = successor;
        continue;
      }
      if (record === undefined) break; // the chain is cut (a logout or prune is removing it): end what the marker links to
      if (!removed) return undefined; // the session is someone else's now
      if (record.userId !== undefined) await this.#users.remove(record.userId, id);
      const live = record.expiresAtMs > nowMs && record.frozen !== true ? 1 : 0;
      return live + (record.predecessor === undefined ? 0 : await this.#destroyLinked(record.predecessor, exceptIdHash, nowMs));
    }
    return this.#destroyLinked(idHash, exceptIdHash, nowMs);
  }

  /**
   * Delete sessions that expired at or before `nowMs` (at most `limit`), and
   * what dead writers left: see {@link FileStore.pruneReport}. Resolves how
   * many sessions it removed.
   *
   * @example
   * await store.prune(Date.now());
   */
  async prune(nowMs: number, limit = Number.POSITIVE_INFINITY): Promise<number> {
    return (await this.pruneReport(nowMs, limit)).removed;
  }

  /**
   * `prune`, unless another process (or store object) is pruning this folder:
   * then `undefined`, nothing removed. The lock is the lock file
   * `<directory>/.prune.lock`, taken without waiting, as the session locks
   * are (a holder that died is seen at once; any older than 10 minutes is stale).
   *
   * @example
   * const removed = await store.pruneExclusive(Date.now()); // undefined: another process is pruning
   */
  async pruneExclusive(nowMs: number): Promise<number | undefined> {
    await this.#files.ensureDirectory();
    let started = false;
    try {
      return await withLock(join(this.#files.dir, ".prune.lock"), { waitMs: 0, staleMs: PRUNE_LOCK_STALE_MS }, () => {
        started = true;
        return this.prune(nowMs);
      });
    } catch (error) {
      if (!started && error instanceof FileStoreError && error.code === "SESSIONKIT_LOCK_TIMEOUT") return undefined;
      throw error;
    }
  }

  /**
   * {@link FileStore.prune}, with everything it did: expired sessions removed,
   * session files it could not read (skipped, left in place: look at them),
   * temporary files and locks of dead writers removed (in the directory and
   * in `.locks/`, once older than `staleLockMs`).
   *
   * @example
   * const { removed, unreadable } = await store.pruneReport(Date.now());
   * if (unreadable > 0) console.warn(`${unreadable} session files could not be read`);
   */
  async pruneReport(nowMs: number, limit = Number.POSITIVE_INFINITY): Promise<PruneReport> {
    await this.#files.ensureDirectory();
    return prune(
      {
        dir: this.#files.dir,
        lockDir: join(this.#files.dir, ".locks"),
        staleMs: this.#staleMs,
        batchSize: this.#pruneBatchSize,
        isSessionName: (name) => ID_HASH.test(name),
        removeIfExpired: (name, at) =>
          this.#files.locked(name, async () => {
            let record: StoreRecord | undefined;
            try {
              record = await readRecord(this.#files.path(name));
            } catch (err) {
              if (err instanceof FileStoreError || codeOf(err) !== undefined) return "unreadable" as const;
              throw err;
            }
            if (record === undefined || record.expiresAtMs > at) return false;
            const change = this.#files.change();
            await change.remove(name);
            await change.sync();
            await change.finish();
            if (record.userId !== undefined) await this.#users.remove(record.userId, name);
            return true;
          }),
      },
      nowMs,
      limit,
    );
  }

  /**
   * Summaries of live sessions (all of them unless `limit`), for the CLI.
   *
   * @example
   * for (const s of await store.list({ nowMs: Date.now(), limit: 20 })) console.log(s.idHash.slice(0, 8), s.expiresAtMs);
   */
  async list(options: { nowMs: number; limit?: number; userId?: string }): Promise<StoredSessionInfo[]> {
    if (options.userId !== undefined) return (await this.listForUser(options.userId, { nowMs: options.nowMs, abandoned: false })).slice(0, options.limit);
    await this.#files.ensureDirectory();
    const names = (await readdir(this.#files.dir)).filter((n) => ID_HASH.test(n)).sort();
    const out: StoredSessionInfo[] = [];
    for (const idHash of names) {
      if (out.length >= (options.limit ?? Number.POSITIVE_INFINITY)) break;
      const record = await this.load(idHash, { nowMs: options.nowMs, abandoned: false }).catch((err: unknown) => {
        if (err instanceof FileStoreError) return undefined; // unreadable: prune reports it
        throw err;
      });
      if (record !== undefined && record.frozen !== true) out.push(info(idHash, record));
    }
    return out;
  }

  /**
   * Remove `idHash` and every id linked to it, each under its own lock, never
   * `stopAt`; resolves how many live, unfrozen sessions went (at `nowMs`).
   * Dropped when core gave up before it started; once the first file is
   * gone, the logout runs to the end.
   */
  async #destroyLinked(idHash: string, stopAt: string | undefined, nowMs = Number.NEGATIVE_INFINITY, ctx?: StoreContext): Promise<number> {
    let live = 0;
    const pending = [idHash];
    const seen = new Set<string>();
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      if (next === stopAt || seen.has(next) || !ID_HASH.test(next)) continue;
      seen.add(next);
      const first = next === idHash;
      const record = await this.#files.remove(next, () => {
        if (first && ctx?.abandoned === true) throw abandoned();
      });
      if (record === undefined) continue;
      if (record.userId !== undefined) await this.#users.remove(record.userId, next);
      if (record.expiresAtMs > nowMs && record.frozen !== true) live += 1;
      if (record.successor !== undefined) pending.push(record.successor);
      if (record.predecessor !== undefined) pending.push(record.predecessor);
    }
    return live;
  }
}

function info(idHash: string, record: StoreRecord): StoredSessionInfo {
  const out: StoredSessionInfo = { idHash, createdAtMs: record.createdAtMs, expiresAtMs: record.expiresAtMs };
  if (record.userId !== undefined) out.userId = record.userId;
  return out;
}
