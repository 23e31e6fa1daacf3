/**
 * R63: SQLite under writers from several processes on one file. WAL and
 * busy_timeout make them wait their turn, so 5 processes × 10 concurrent
 * requests on one session keep all 50 keys with no error; and a lock held
 * past busy_timeout is the typed, retryable SqliteBusyError inside a
 * StoreError (503 with Retry-After from the adapters), never a raw driver
 * error, and the same request succeeds once the lock is gone.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { StoreError, createSessions, hashSessionId } from "../../src/index.js";
import { errorAnswer } from "../../src/adapters/shared.js";
import { SqliteBusyError, SqliteStore } from "../../src/stores/sqlite.js";
import { ctx } from "../../src/testing/index.js";

const CHILD = fileURLToPath(new URL("./sqlite-writer.child.ts", import.meta.url));
const SECRET = "sqlite-processes-secret-0123456789abcdef-XYZ";
const dir = mkdtempSync(join(tmpdir(), "sk-sqlite-proc-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A child process and the lines it printed. */
interface Child {
  proc: ChildProcessWithoutNullStreams;
  /** Resolves with the first line that satisfies `test`. */
  line(test: (line: string) => boolean): Promise<string>;
  exited: Promise<number | null>;
}

function spawnChild(args: string[]): Child {
  const proc = spawn(process.execPath, ["--conditions=source", "--import", "tsx", CHILD, ...args], { stdio: ["pipe", "pipe", "pipe"] });
  const lines: string[] = [];
  const waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  let stderr = "";
  let buffer = "";
  proc.stdout.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let nl = buffer.indexOf("\n"); nl !== -1; nl = buffer.indexOf("\n")) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      lines.push(line);
      for (const w of waiters.splice(0)) (w.test(line) ? w.resolve(line) : waiters.push(w));
    }
  });
  proc.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => proc.kill("SIGKILL"), 60_000);
  const exited = new Promise<number | null>((resolve) =>
    proc.on("close", (code) => {
      clearTimeout(timer);
      for (const w of waiters.splice(0)) w.resolve(`exited ${code}: ${stderr.slice(0, 500)}`);
      resolve(code);
    }),
  );
  return {
    proc,
    exited,
    line: (test) => {
      const seen = lines.find(test);
      return seen !== undefined ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ test, resolve }));
    },
  };
}

/** A session with one key in a fresh database file; its Cookie header. */
async function seededSession(file: string): Promise<{ cookie: string; store: SqliteStore; db: Database.Database }> {
  const db = new Database(file);
  const store = new SqliteStore({ db });
  const sessions = createSessions({ secret: SECRET, store });
  const session = await sessions.load(undefined);
  session.set("seed", 0);
  const [line] = (await sessions.commit(session)).setCookie;
  return { cookie: line!.split(";")[0]!, store, db };
}

describe("R63 SQLite with several processes on one file", () => {
  it("R63 5 processes × 10 concurrent writers on one session keep all 50 keys, with no error and no unhandled SQLITE_BUSY", async () => {
    const file = join(dir, "writers.db");
    const { cookie, store, db } = await seededSession(file);
    assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
    const children = Array.from({ length: 5 }, (_, p) => spawnChild(["writers", file, SECRET, cookie, `p${p}-`, "10"]));
    try {
      for (const child of children) assert.equal(await child.line((l) => l === "ready" || l.startsWith("exited")), "ready");
      // Every child is set up: release them together so their writes really overlap.
      for (const child of children) child.proc.stdin.write("go\n");
      const reports = await Promise.all(children.map((child) => child.line((l) => l.startsWith("[") || l.startsWith("exited"))));
      assert.deepEqual(reports, ["[]", "[]", "[]", "[]", "[]"], "no child saw an error");
      assert.deepEqual(await Promise.all(children.map((child) => child.exited)), [0, 0, 0, 0, 0]);
      const record = await store.load(hashSessionId(cookie.slice("session=".length)), ctx());
      const expected = ["seed", ...Array.from({ length: 5 }, (_, p) => Array.from({ length: 10 }, (_, i) => `p${p}-${i}`)).flat()];
      assert.deepEqual(Object.keys(record!.data).sort(), expected.sort(), "all 50 keys, none lost");
    } finally {
      for (const child of children) child.proc.kill("SIGKILL");
      db.close();
    }
  });

  it("R63 a write lock held by another process past busy_timeout is a retryable StoreError (SqliteBusyError), answered 503; the retry succeeds once it is released", async () => {
    const file = join(dir, "busy.db");
    const seeded = await seededSession(file);
    seeded.db.close();
    const db = new Database(file, { timeout: 50 });
    const events: string[] = [];
    const sessions = createSessions({ secret: SECRET, store: new SqliteStore({ db, busyTimeoutMs: 50 }), onEvent: (e) => events.push(e.type) });
    const holder = spawnChild(["lock", file]);
    try {
      assert.equal(await holder.line((l) => l === "locked" || l.startsWith("exited")), "locked");
      // WAL: readers never wait for the writer, so the load works while the lock is held.
      const session = await sessions.load(seeded.cookie);
      assert.equal(session.get("seed"), 0);
      session.set("late", 1);
      const error = await sessions.commit(session).then(
        () => assert.fail("the commit succeeded while another process held the write lock"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof StoreError, String(error));
      assert.equal(error.code, "STORE_UNAVAILABLE");
      assert.equal(error.operation, "apply");
      assert.equal(error.retryable, true);
      assert.equal(error.timedOut, false);
      assert.ok(error.cause instanceof SqliteBusyError);
      assert.equal(error.cause.code, "SQLITE_BUSY");
      assert.equal(error.cause.retryable, true);
      // Core says the cause in words read from its code (src/core/store-cause-words.ts), never the driver's message.
      assert.match(error.message, /the database is locked by another connection \(SQLITE_BUSY\)/);
      for (const text of [error.message, error.cause.message]) assert.ok(!text.includes(seeded.cookie.slice("session=".length)), "no session id in a message");
      assert.deepEqual(events, ["store_error"]);
      const answer = errorAnswer(error, {});
      assert.equal(answer?.status, 503);
      assert.equal(answer?.headers?.["Retry-After"], "1");

      holder.proc.stdin.write("release\n");
      assert.equal(await holder.line((l) => l === "released" || l.startsWith("exited")), "released");
      const retry = await sessions.load(seeded.cookie);
      retry.set("late", 1);
      await sessions.commit(retry);
      assert.equal((await sessions.load(seeded.cookie)).get("late"), 1, "the same request, retried, is saved");
    } finally {
      holder.proc.kill("SIGKILL");
      db.close();
    }
  });
});
