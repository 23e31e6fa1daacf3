/**
 * A lock file per session, so that a change-set is atomic across the
 * processes of one machine.
 *
 * Acquire: write `<pid> <token> <acquiredAtMs>` into a temp file, then
 * hard-link it to the lock path (`link` fails with EEXIST when the lock
 * exists: exactly one process wins), so a lock file is never seen without
 * its content. With `open(path, "wx")` and a write after it, a holder killed
 * between the two left an empty lock that only `staleMs` (30 s) could clear
 * (seen in CI: a SIGKILL test hit that window). Release: unlink it if it
 * still holds our token.
 *
 * A holder that died (SIGKILL, crash, power cut) leaves its lock behind. A
 * lock is stale when its pid is no longer alive on this machine, or when it
 * is older than `staleMs` (which also covers a pid that was reused, and a
 * lock file of another version whose content never got written). Breaking a stale lock is itself
 * serialized by a second lock (`<path>.break`) and re-checks the content
 * inside it, so two waiters can never both break it and one of them delete
 * the fresh lock the other just took.
 *
 * Every `Date.now()` here is the lock's own wall clock (wait deadlines, lock
 * ages compared across processes and with file mtimes), never a session's
 * time, which only core's clock decides.
 */
import { randomBytes } from "node:crypto";
import { link, readFile, stat, unlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { FileStoreError } from "./errors.js";
import { TEMP_PREFIX, codeOf, sleep, unlinkIfPresent } from "./fs-util.js";

/** Timing of {@link withLock}. */
export interface LockTiming {
  /** Give up waiting after this long (ms). */
  waitMs: number;
  /** A lock older than this is stale whatever its pid (ms). */
  staleMs: number;
}

/** How long a `.break` lock may live: its holder only reads and unlinks one small file. */
const BREAK_STALE_MS = 5_000;

/**
 * Run `task` while holding the lock file `lockPath`.
 *
 * @example
 * await withLock(`${dir}/${idHash}.lock`, { waitMs: 3000, staleMs: 30_000 }, () => rewrite());
 */
export async function withLock<T>(lockPath: string, timing: LockTiming, task: () => Promise<T>): Promise<T> {
  const token = await acquire(lockPath, timing);
  try {
    return await task();
  } finally {
    await release(lockPath, token);
  }
}

async function acquire(lockPath: string, timing: LockTiming): Promise<string> {
  const token = randomBytes(12).toString("base64url");
  const deadline = Date.now() + timing.waitMs;
  let delayMs = 1;
  // Bounded by the deadline; each pass either takes the lock, breaks a stale one, or sleeps.
  for (;;) {
    if (await tryCreate(lockPath, `${process.pid} ${token} ${Date.now()}`)) return token;
    if (await isStale(lockPath, timing.staleMs)) {
      await breakStale(lockPath, timing.staleMs);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new FileStoreError(
        "SESSIONKIT_LOCK_TIMEOUT",
        `a session lock stayed held for more than ${timing.waitMs} ms; another process is slow or stuck on the same session`,
      );
    }
    await sleep(delayMs);
    delayMs = Math.min(delayMs * 2, 20);
  }
}

/**
 * Create the lock file exclusively, with its content already in it; `false`
 * when someone else holds it. The temp file is a `.tmp-*` name, so one left
 * by a process killed between write and unlink is removed by `prune`.
 */
async function tryCreate(path: string, content: string): Promise<boolean> {
  const temp = join(dirname(path), `${TEMP_PREFIX}lock-${randomBytes(9).toString("base64url")}`);
  await writeFile(temp, content, { flag: "wx", mode: 0o600 });
  try {
    await link(temp, path);
    return true;
  } catch (err) {
    if (codeOf(err) === "EEXIST") return false;
    throw err;
  } finally {
    await unlinkIfPresent(temp);
  }
}

interface LockContent {
  pid: number;
  token: string;
  atMs: number;
}

async function readLock(path: string): Promise<LockContent | "gone" | "unreadable"> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if (codeOf(err) === "ENOENT") return "gone";
    throw err;
  }
  const [pid, token, atMs] = text.split(" ");
  const parsed = { pid: Number(pid), token: token ?? "", atMs: Number(atMs) };
  // Empty or partial: its writer is between open and write, or died there.
  return Number.isSafeInteger(parsed.pid) && parsed.token !== "" && Number.isFinite(parsed.atMs) ? parsed : "unreadable";
}

async function isStale(path: string, staleMs: number): Promise<boolean> {
  const lock = await readLock(path);
  if (lock === "gone") return false; // released meanwhile: just retry
  if (lock === "unreadable") return (await ageMs(path)) > staleMs;
  return !isAlive(lock.pid) || Date.now() - lock.atMs > staleMs;
}

async function breakStale(lockPath: string, staleMs: number): Promise<void> {
  const breakPath = `${lockPath}.break`;
  const breakToken = randomBytes(12).toString("base64url");
  if (!(await tryCreate(breakPath, `${process.pid} ${breakToken} ${Date.now()}`))) {
    // Someone else is breaking it; if that breaker died, clear its break lock.
    if ((await ageMs(breakPath)) > BREAK_STALE_MS) await unlinkIfPresent(breakPath);
    await sleep(1);
    return;
  }
  try {
    // Re-checked under the break lock: nobody but a breaker removes another's
    // lock, so what we judge stale here is still what we unlink.
    if (await isStale(lockPath, staleMs)) await unlinkIfPresent(lockPath);
  } finally {
    await release(breakPath, breakToken);
  }
}

/**
 * For prune: remove a lock file (or a `.break` lock) left by a holder that
 * died, judged and removed exactly as a waiter would break it. Resolves
 * whether it was removed.
 *
 * @example
 * await clearStaleLock(join(dir, ".locks", `${idHash}.lock`), 30_000);
 */
export async function clearStaleLock(lockPath: string, staleMs: number): Promise<boolean> {
  if (lockPath.endsWith(".break")) {
    // A breaker only reads and unlinks one small file: older than this, it died.
    if ((await ageMs(lockPath)) <= Math.max(BREAK_STALE_MS, staleMs)) return false;
    await unlinkIfPresent(lockPath);
    return true;
  }
  if (!(await isStale(lockPath, staleMs))) return false;
  await breakStale(lockPath, staleMs);
  return !(await exists(lockPath));
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (codeOf(err) === "ENOENT") return false;
    throw err;
  }
}

async function release(path: string, token: string): Promise<void> {
  const lock = await readLock(path);
  // Only our own lock: if ours was broken as stale, the file is someone else's now.
  if (typeof lock === "object" && lock.token === token) await unlinkIfPresent(path);
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user, so it is alive.
    return codeOf(err) === "EPERM";
  }
}

// Date.now() here is the wall clock against file mtimes (which the OS writes
// from the same clock), not a session's time: core's clock never applies.
async function ageMs(path: string): Promise<number> {
  try {
    return Date.now() - (await stat(path)).mtimeMs;
  } catch (err) {
    if (codeOf(err) === "ENOENT") return 0;
    throw err;
  }
}
