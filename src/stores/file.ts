/**
 * `sessionkit/stores/file`: one file per session in a directory the app
 * names, as Flask-Session's filesystem backend and PHP's default handler do.
 * No server to run; a folder to inspect and back up.
 *
 * Layout of the directory:
 * - `<idHash>`: one session (JSON). The name is the SHA-256 of the session id,
 *   checked to be 43 base64url characters before any path is built, so no
 *   input can name another file, and a listing shows no live session id.
 * - `.locks/<idHash>.lock`: held while one change-set is applied.
 * - `.users/<sha256(userId)>/<idHash>`: the user index (empty marker files).
 * - `.tmp-*`: a write in progress (or left by a writer that crashed; `prune` removes old ones).
 */
import { createHash } from "node:crypto";
import { mkdir, opendir, readdir, stat, unlink, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { ConfigError } from "../core/errors.js";
import { applyChangeSet, type ApplyResult, type ChangeSet, type Store, type StoreRecord, type StoredSessionInfo } from "../core/store.js";
import { FileStoreError } from "./file/errors.js";
import { KeyedQueue } from "./shared/keyed-queue.js";
import { codeOf, withLock, type LockTiming } from "./file/lock.js";
import { encodeRecord, readRecord, TEMP_PREFIX, writeAtomic } from "./file/record-file.js";

export { FileStoreError } from "./file/errors.js";

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
  /** Clock used to hide expired sessions, in ms. Pass the same clock as `createSessions({ now })`. */
  now?: () => number;
}

/** An idHash is base64url(SHA-256(id)): exactly 43 characters of this alphabet. */
const ID_HASH = /^[A-Za-z0-9_-]{43}$/;

/**
 * A {@link Store} keeping each session in its own file.
 *
 * Every change-set, touch and destroy runs under a per-session lock file
 * (and, inside one process, a per-session queue), reads the current file, and
 * replaces it by write-temp + fsync + rename. So concurrent requests from any
 * process of the machine keep each other's keys, a destroyed session is never
 * rewritten, and a crash mid-write leaves the last committed file. Readers
 * take no lock. Not for directories shared between machines (NFS locking and
 * pid checks are not reliable there).
 *
 * @example
 * import { FileStore } from "sessionkit/stores/file";
 * const store = new FileStore({ directory: "./sessions" });
 * const sessions = createSessions({ secret, store });
 * setInterval(() => void store.prune(Date.now()), 600_000).unref();
 */
export class FileStore implements Store {
  readonly name = "file";
  readonly #dir: string;
  readonly #fsync: boolean;
  readonly #timing: LockTiming;
  readonly #pruneBatchSize: number;
  readonly #now: () => number;
  readonly #queue = new KeyedQueue();
  #ready: Promise<void> | undefined;

  constructor(options: FileStoreOptions) {
    if (options === null || typeof options !== "object" || typeof options.directory !== "string" || options.directory === "") {
      throw new ConfigError("directory", 'name the sessions directory: new FileStore({ directory: "./sessions" }).');
    }
    const waitMs = positiveInt(options.lockWaitMs ?? 3000, "lockWaitMs");
    const staleMs = positiveInt(options.staleLockMs ?? 30_000, "staleLockMs");
    this.#pruneBatchSize = positiveInt(options.pruneBatchSize ?? 256, "pruneBatchSize");
    this.#dir = resolve(options.directory);
    this.#fsync = options.fsync ?? true;
    this.#timing = Object.freeze({ waitMs, staleMs });
    this.#now = options.now ?? Date.now;
  }

  /**
   * Read a session; `undefined` when there is none or it has expired.
   *
   * @example
   * const record = await store.load(idHash);
   */
  async load(idHash: string): Promise<StoreRecord | undefined> {
    const record = await readRecord(this.#recordPath(idHash));
    return record !== undefined && record.expiresAtMs > this.#now() ? record : undefined;
  }

  /**
   * Write a new session unless a live one exists under `idHash`.
   *
   * @example
   * const created = await store.create(idHash, record, 3600);
   */
  async create(idHash: string, record: StoreRecord, _ttlSeconds: number): Promise<boolean> {
    return this.#locked(idHash, async (path) => {
      const existing = await readRecord(path);
      if (existing !== undefined && existing.expiresAtMs > this.#now()) return false;
      if (existing?.userId !== undefined && existing.userId !== record.userId) await this.#unindex(existing.userId, idHash);
      if (record.userId !== undefined) await this.#index(record.userId, idHash);
      await writeAtomic(this.#dir, idHash, encodeRecord(record), this.#fsync);
      return true;
    });
  }

  /**
   * Apply a change-set atomically (across processes); never creates a session.
   *
   * @example
   * await store.apply(idHash, { set: { n: "2" }, delete: [] }, 3600); // "ok" | "missing" | "frozen"
   */
  async apply(idHash: string, change: ChangeSet, _ttlSeconds: number): Promise<ApplyResult> {
    return this.#locked(idHash, async (path) => {
      const current = await readRecord(path);
      if (current === undefined || current.expiresAtMs <= this.#now()) return "missing";
      if (current.frozen === true) return "frozen";
      const next = applyChangeSet(current, change);
      // Index first, unindex after the write: a crash between leaves an extra marker, which reads ignore.
      if (next.userId !== undefined && next.userId !== current.userId) await this.#index(next.userId, idHash);
      await writeAtomic(this.#dir, idHash, encodeRecord(next), this.#fsync);
      if (current.userId !== undefined && current.userId !== next.userId) await this.#unindex(current.userId, idHash);
      return "ok";
    });
  }

  /**
   * Move the idle expiry of a live session; its data is re-read under the lock, never a stale copy.
   *
   * @example
   * await store.touch(idHash, Date.now() + 3_600_000, 3600);
   */
  async touch(idHash: string, expiresAtMs: number, _ttlSeconds: number): Promise<boolean> {
    return this.#locked(idHash, async (path) => {
      const current = await readRecord(path);
      // A frozen record's expiry is the end of the regenerate grace window: it must not roll.
      if (current === undefined || current.expiresAtMs <= this.#now() || current.frozen === true) return false;
      await writeAtomic(this.#dir, idHash, encodeRecord({ ...current, expiresAtMs }), this.#fsync);
      return true;
    });
  }

  /**
   * Delete a session (under its lock, so a change-set in flight cannot bring it back).
   *
   * @example
   * await store.destroy(idHash);
   */
  async destroy(idHash: string): Promise<void> {
    await this.#locked(idHash, (path) => this.#remove(path, idHash));
  }

  /**
   * The live sessions indexed under `userId`, oldest first.
   *
   * @example
   * const devices = await store.listForUser("user-42");
   */
  async listForUser(userId: string): Promise<StoredSessionInfo[]> {
    const out: StoredSessionInfo[] = [];
    for (const idHash of await this.#indexed(userId)) {
      const record = await this.load(idHash);
      // The marker may outlive its record (crash between the two writes): trust the record.
      if (record?.userId === userId) out.push(info(idHash, record));
    }
    return out.sort((a, b) => a.createdAtMs - b.createdAtMs || (a.idHash < b.idHash ? -1 : 1));
  }

  /**
   * Delete every session of `userId` but `exceptIdHash`; resolves how many went.
   *
   * @example
   * await store.destroyForUser("user-42", currentIdHash);
   */
  async destroyForUser(userId: string, exceptIdHash?: string): Promise<number> {
    let removed = 0;
    for (const idHash of await this.#indexed(userId)) {
      if (idHash === exceptIdHash) continue;
      const gone = await this.#locked(idHash, async (path) => {
        const record = await readRecord(path);
        if (record?.userId !== userId) return false;
        await this.#remove(path, idHash);
        return true;
      });
      if (gone) removed += 1;
    }
    return removed;
  }

  /**
   * Delete sessions that expired at or before `nowMs` (at most `limit`), walking
   * the directory `pruneBatchSize` entries at a time; also clears temporary
   * files older than `staleLockMs` left by writers that crashed.
   *
   * @example
   * await store.prune(Date.now());
   */
  async prune(nowMs: number, limit = Number.POSITIVE_INFINITY): Promise<number> {
    await this.#ensureDirectory();
    let removed = 0;
    let batch: string[] = [];
    const flush = async (): Promise<void> => {
      for (const name of batch) {
        if (removed >= limit) return;
        if (name.startsWith(TEMP_PREFIX)) {
          await this.#removeOldTemp(name);
          continue;
        }
        const gone = await this.#locked(name, async (path) => {
          const record = await readRecord(path);
          if (record === undefined || record.expiresAtMs > nowMs) return false;
          await this.#remove(path, name);
          return true;
        });
        if (gone) removed += 1;
      }
      batch = [];
    };
    // opendir streams the directory, so a million sessions never sit in memory at once.
    for await (const entry of await opendir(this.#dir, { bufferSize: this.#pruneBatchSize })) {
      if (!entry.isFile() || !(ID_HASH.test(entry.name) || entry.name.startsWith(TEMP_PREFIX))) continue;
      batch.push(entry.name);
      if (batch.length >= this.#pruneBatchSize) await flush();
      if (removed >= limit) break;
    }
    await flush();
    return removed;
  }

  /**
   * Summaries of stored sessions (expired ones included until pruned), for the CLI.
   *
   * @example
   * for (const s of await store.list({ limit: 20 })) console.log(s.idHash.slice(0, 8), s.expiresAtMs);
   */
  async list(options: { limit?: number; userId?: string } = {}): Promise<StoredSessionInfo[]> {
    const limit = options.limit ?? 1000;
    const names = options.userId === undefined ? await this.#recordNames() : await this.#indexed(options.userId);
    const out: StoredSessionInfo[] = [];
    for (const idHash of names) {
      if (out.length >= limit) break;
      const record = await readRecord(this.#recordPath(idHash));
      if (record === undefined || (options.userId !== undefined && record.userId !== options.userId)) continue;
      out.push(info(idHash, record));
    }
    return out;
  }

  /** Run `task` holding the session's in-process queue slot, then its lock file. */
  async #locked<T>(idHash: string, task: (recordPath: string) => Promise<T>): Promise<T> {
    const path = this.#recordPath(idHash);
    await this.#ensureDirectory();
    const lockPath = join(this.#dir, ".locks", `${idHash}.lock`);
    return this.#queue.run(idHash, () => withLock(lockPath, this.#timing, () => task(path)));
  }

  /** The only place a path is built from an idHash: after the check, no input can leave the directory. */
  #recordPath(idHash: string): string {
    if (typeof idHash !== "string" || !ID_HASH.test(idHash)) {
      throw new FileStoreError("SESSIONKIT_BAD_ID_HASH", "the file store was given an id hash that is not 43 base64url characters");
    }
    return join(this.#dir, idHash);
  }

  async #remove(path: string, idHash: string): Promise<void> {
    const record = await readRecord(path);
    await unlinkIfPresent(path);
    if (record?.userId !== undefined) await this.#unindex(record.userId, idHash);
  }

  #userDir(userId: string): string {
    return join(this.#dir, ".users", createHash("sha256").update(userId, "utf8").digest("base64url"));
  }

  async #index(userId: string, idHash: string): Promise<void> {
    const dir = this.#userDir(userId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(join(dir, idHash), "", { mode: 0o600 });
  }

  async #unindex(userId: string, idHash: string): Promise<void> {
    await unlinkIfPresent(join(this.#userDir(userId), idHash));
  }

  async #indexed(userId: string): Promise<string[]> {
    try {
      return (await readdir(this.#userDir(userId))).filter((n) => ID_HASH.test(n)).sort();
    } catch (err) {
      if (codeOf(err) === "ENOENT") return [];
      throw err;
    }
  }

  async #recordNames(): Promise<string[]> {
    await this.#ensureDirectory();
    return (await readdir(this.#dir)).filter((n) => ID_HASH.test(n)).sort();
  }

  async #removeOldTemp(name: string): Promise<void> {
    const path = join(this.#dir, name);
    try {
      if (Date.now() - (await stat(path)).mtimeMs > this.#timing.staleMs) await unlink(path);
    } catch (err) {
      if (codeOf(err) !== "ENOENT") throw err;
    }
  }

  #ensureDirectory(): Promise<void> {
    this.#ready ??= mkdir(join(this.#dir, ".locks"), { recursive: true, mode: 0o700 }).then(
      () => undefined,
      (err: unknown) => {
        this.#ready = undefined; // retry on the next call, e.g. once a volume is mounted
        throw err;
      },
    );
    return this.#ready;
  }
}

function info(idHash: string, record: StoreRecord): StoredSessionInfo {
  const out: StoredSessionInfo = { idHash, createdAtMs: record.createdAtMs, expiresAtMs: record.expiresAtMs };
  if (record.userId !== undefined) out.userId = record.userId;
  return out;
}

function positiveInt(value: number, option: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new ConfigError(option, "use a whole number ≥ 1.");
  return value;
}

async function unlinkIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if (codeOf(err) !== "ENOENT") throw err;
  }
}
