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
import { applyChangeSet, type ApplyResult, type ChangeSet, type Store, type StoreContext, type StoreRecord, type StoredSessionInfo } from "../core/store.js";
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
      const expiresAtMs = Math.max(old.expiresAtMs, graceUntilMs);
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
        // An old (frozen) id ends its session through its successor chain, unless that leads to the
        // excepted session or to one another user's login took since (see #end).
        removed += await this.#destroyLinked(idHash, exceptIdHash, ctx.nowMs, undefined, userId);
        // Gone with its record, or stale (the session is gone, spared or someone else's): the marker goes.
        await this.#users.remove(userId, idHash);
      }
      ctx.progress?.();
    }
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
   * With `owner`, only the session `idHash` leads to while it carries that
   * user (see #end). Dropped when core gave up before it started; once the
   * first file is gone, the logout runs to the end.
   */
  async #destroyLinked(idHash: string, stopAt: string | undefined, nowMs = Number.NEGATIVE_INFINITY, ctx?: StoreContext, owner?: string): Promise<number> {
    const walk: EndWalk = { live: 0, seen: new Set(), stopAt, nowMs, ctx };
    await this.#end(idHash, owner, walk);
    return walk.live;
  }

  /**
   * One step of {@link FileStore.#destroyLinked}: remove `id`, then the ids
   * linked to it; resolves false when the session `id` leads to was left
   * alone (`stopAt`, or it does not carry `owner`). What a record is gets
   * decided under the same lock that removes it, so no rotate or write of
   * any process comes between. With `owner`, a frozen record (an old id) is
   * not the user's by its own user, which it keeps: its session is the one
   * its successor chain leads to. So the successor is decided and removed
   * first (it carries the user: removed; another user, or none: a login
   * that finished first took the session, left alone), and the frozen
   * record goes only after it, under its lock again; a frozen record is
   * never rewritten, so what it said still holds then.
   */
  async #end(id: string, owner: string | undefined, walk: EndWalk): Promise<boolean> {
    if (id === walk.stopAt) return false;
    if (walk.seen.has(id) || !ID_HASH.test(id)) return true;
    const first = walk.seen.size === 0;
    walk.seen.add(id);
    const before = () => {
      if (first && walk.ctx?.abandoned === true) throw abandoned();
    };
    // Kept for now: a frozen record (decided by its successor first), or a current one of someone else.
    const keep = (current: StoreRecord | undefined): boolean => owner !== undefined && current !== undefined && (linkOf(current) !== undefined || current.userId !== owner);
    let { record, removed } = await this.#files.remove(id, before, keep);
    const successor = removed || record === undefined ? undefined : linkOf(record);
    if (successor !== undefined) {
      if (!(await this.#end(successor, owner, walk))) return false;
      // Its session is ended: the old id goes too, whoever it named, and the ids before it.
      ({ record, removed } = await this.#files.remove(id));
    }
    if (!removed) return false;
    if (record === undefined) return true;
    if (record.userId !== undefined) await this.#users.remove(record.userId, id);
    if (record.expiresAtMs > walk.nowMs && record.frozen !== true) walk.live += 1;
    if (record.successor !== undefined) await this.#end(record.successor, owner, walk);
    if (record.predecessor !== undefined) await this.#end(record.predecessor, undefined, walk);
    return true;
  }
}

/** The state of one {@link FileStore} destroy walk: live sessions ended, ids visited, the id it never crosses, core's time. */
interface EndWalk {
  live: number;
  readonly seen: Set<string>;
  readonly stopAt: string | undefined;
  readonly nowMs: number;
  readonly ctx: StoreContext | undefined;
}

/** The successor a frozen record (an old id) leads to, if it names one a path can be built from. */
function linkOf(record: StoreRecord): string | undefined {
  return record.frozen === true && record.successor !== undefined && ID_HASH.test(record.successor) ? record.successor : undefined;
}

function info(idHash: string, record: StoreRecord): StoredSessionInfo {
  const out: StoredSessionInfo = { idHash, createdAtMs: record.createdAtMs, expiresAtMs: record.expiresAtMs };
  if (record.userId !== undefined) out.userId = record.userId;
  return out;
}
