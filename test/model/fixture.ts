/**
 * What the model test runs on: the seven kinds of session storage (five
 * server-side stores, and cookie mode with a memory or a Redis revocation
 * store), each opened on the real thing (a temp SQLite file, the shared
 * Redis under a random key prefix, the shared PostgreSQL in a random table,
 * a temp directory), a test clock, and the one function that commits.
 * Shared by the harness and by the regression tests it prints.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { createSessions, type Session, type SessionEvent, type SessionManager, type Store } from "../../src/index.js";
import { MemoryStore } from "../../src/stores/memory.js";
import { SqliteStore } from "../../src/stores/sqlite.js";
import { RedisStore } from "../../src/stores/redis.js";
import { PostgresStore } from "../../src/stores/postgres.js";
import { FileStore } from "../../src/stores/file.js";
import { probeService } from "../../src/testing/index.js";
import { FaultyStore } from "./fault-store.js";
import type { ModelConfig } from "./program.js";

export const KINDS = ["memory", "sqlite", "redis", "postgres", "file", "cookie-memory", "cookie-redis"] as const;
export type KindName = (typeof KINDS)[number];

/** A test secret (never a real one). */
export const SECRET = "model-test-secret-0123456789abcdef-0123456789";
/** Core's deadline per store call in the model test: short, so a paused store costs little real time. */
export const STORE_TIMEOUT_MS = 50;
/**
 * The deadline on the in-process kinds (memory, SQLite, cookie with a
 * memory store). Their calls settle before the event loop turns (no I/O, no
 * timer), so a deadline, which is a timer, can only pass while a pause holds
 * a call: there, 1 ms ends the pause as 50 would, 49 ms sooner.
 */
export const IN_PROCESS_STORE_TIMEOUT_MS = 1;
/**
 * The deadline of a printed regression test: long, since it has no model to
 * tell a slow machine's timeout from a bug (a pause there costs this much).
 */
export const REPRO_STORE_TIMEOUT_MS = 1_000;
/** Where every run's clock starts (a whole second, so cookie timestamps and the model agree). */
export const CLOCK_START_MS = Date.UTC(2026, 11, 3, 12, 0, 0);

/**
 * The clock every run injects (`createSessions({ now })`); it moves only when told.
 *
 * @example
 * const clock = new TestClock(); clock.advance(60_000);
 */
export class TestClock {
  nowMs = CLOCK_START_MS;
  readonly now = (): number => this.nowMs;
  advance(ms: number): void {
    this.nowMs += ms;
  }
  /** One millisecond, before each commit: real time passes between two requests' writes. */
  tick(): void {
    this.nowMs += 1;
  }
}

/** One kind of storage, opened once and shared by many runs. */
export interface OpenedKind {
  name: KindName;
  mode: "server" | "cookie";
  /** Core's deadline per store call in a run ({@link STORE_TIMEOUT_MS}, or {@link IN_PROCESS_STORE_TIMEOUT_MS}). */
  storeTimeoutMs: number;
  /**
   * The real store of a run: a fresh one (memory), one under a fresh key
   * prefix (Redis), or the shared one (a SQLite file, a PostgreSQL table, a
   * directory: ids are random and user names carry a per-run suffix).
   */
  storeForRun(): Store;
  close(): Promise<void>;
}

/**
 * Why a kind cannot run here (its service is unreachable), or undefined.
 *
 * @example
 * const skip = await kindUnavailable("redis");
 */
export async function kindUnavailable(name: KindName): Promise<string | undefined> {
  if (name === "redis" || name === "cookie-redis") {
    const { createClient } = await import("redis");
    const client = createClient({ url: "redis://127.0.0.1:6379", socket: { reconnectStrategy: false, connectTimeout: 2_000 } });
    client.on("error", () => {});
    const skip = await probeService("Redis at 127.0.0.1:6379", async () => {
      await client.connect();
      await client.ping();
    });
    if (client.isOpen) client.destroy();
    return skip;
  }
  if (name === "postgres") {
    const { default: pg } = await import("pg");
    return probeService("PostgreSQL at 127.0.0.1:5432 (database test, user postgres)", async () => {
      const pool = new pg.Pool({ host: "127.0.0.1", port: 5432, user: "postgres", database: "test", max: 1 });
      try {
        await pool.query("SELECT 1");
      } finally {
        await pool.end();
      }
    });
  }
  return undefined;
}

const label = (): string => `sk_model_${process.pid}_${randomBytes(4).toString("hex")}`;

/** The shared Redis, each run under its own random key prefix (all under one prefix per opening, removed on close). */
async function openRedis(): Promise<{ storeForRun(): Store; close(): Promise<void> }> {
  const { createClient } = await import("redis");
  const client = createClient({ url: "redis://127.0.0.1:6379", socket: { connectTimeout: 2_000 } });
  client.on("error", () => {});
  await client.connect();
  const prefix = `${label()}:`;
  return {
    storeForRun: () => {
      const run = `${prefix}${randomBytes(4).toString("hex")}:`;
      return new RedisStore({ client, prefix: `${run}s:`, userPrefix: `${run}u:` });
    },
    close: async () => {
      const keys: string[] = [];
      for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) keys.push(...(Array.isArray(batch) ? batch : [batch]));
      if (keys.length) await client.del(keys);
      client.destroy();
    },
  };
}

/**
 * Open one kind of storage on its real backend.
 *
 * @example
 * const kind = await openKind("sqlite"); try { … } finally { await kind.close(); }
 */
export async function openKind(name: KindName): Promise<OpenedKind> {
  const shared = (store: Store, close: () => Promise<void>, storeTimeoutMs = STORE_TIMEOUT_MS): OpenedKind => ({ name, mode: "server", storeTimeoutMs, storeForRun: () => store, close });
  const memory = (mode: "server" | "cookie"): OpenedKind => ({
    name,
    mode,
    storeTimeoutMs: IN_PROCESS_STORE_TIMEOUT_MS,
    storeForRun: () => new MemoryStore({ maxEntries: 100_000 }),
    close: async () => {},
  });
  switch (name) {
    case "memory":
      return memory("server");
    case "cookie-memory":
      return memory("cookie");
    case "sqlite": {
      const { default: Database } = await import("better-sqlite3");
      const dir = mkdtempSync(join(tmpdir(), "sk-model-"));
      const db = new Database(join(dir, "sessions.db"));
      const close = async () => {
        db.close();
        rmSync(dir, { recursive: true, force: true });
      };
      return shared(new SqliteStore({ db, table: "sessions" }), close, IN_PROCESS_STORE_TIMEOUT_MS);
    }
    case "file": {
      const dir = mkdtempSync(join(tmpdir(), "sk-model-files-"));
      return shared(new FileStore({ directory: dir, fsync: false }), async () => rmSync(dir, { recursive: true, force: true }));
    }
    case "redis":
      return { name, mode: "server", storeTimeoutMs: STORE_TIMEOUT_MS, ...(await openRedis()) };
    case "cookie-redis":
      return { name, mode: "cookie", storeTimeoutMs: STORE_TIMEOUT_MS, ...(await openRedis()) };
    case "postgres": {
      const { default: pg } = await import("pg");
      const pool = new pg.Pool({ host: "127.0.0.1", port: 5432, user: "postgres", database: "test", max: 4 });
      pool.on("error", () => {});
      const table = label();
      const store = new PostgresStore({ pool, table });
      await store.migrate();
      return shared(store, async () => {
        await pool.query(`DROP TABLE IF EXISTS "${table}"`);
        await pool.end();
      });
    }
  }
}

/**
 * The session manager of one run: the run's configuration, the test clock,
 * and the fault-injecting store (the session store, or in cookie mode the
 * revocation store).
 *
 * @example
 * const sessions = runSessions("memory", "server", config, clock, new FaultyStore(new MemoryStore(), 160), events.push.bind(events));
 */
export function runSessions(
  mode: "server" | "cookie",
  config: ModelConfig,
  clock: TestClock,
  store: Store,
  onEvent: (e: SessionEvent) => void,
  storeTimeoutMs: number = STORE_TIMEOUT_MS,
): SessionManager {
  return createSessions({
    secret: SECRET,
    ...(mode === "server" ? { store } : { revocation: { store }, format: config.format }),
    now: clock.now,
    lifetime: "1d",
    idleTimeout: config.idleSeconds,
    ...(config.absoluteSeconds !== undefined ? { absoluteTimeout: config.absoluteSeconds } : {}),
    regenerateGraceSeconds: config.graceSeconds,
    storeTimeoutMs,
    onEvent,
  });
}

/**
 * Commit a request's session with a 200 response and return its Set-Cookie
 * lines: the one place the model test calls `commit`, so a change of its
 * return type is a one-line change here.
 *
 * @example
 * const setCookie = await commit(sessions, session);
 */
export async function commit(sessions: SessionManager, session: Session): Promise<string[]> {
  return (await sessions.commit(session, { status: 200 })).setCookie;
}

/**
 * A fault-injecting wrapper with the model test's slowness threshold (80% of the deadline).
 *
 * @example
 * const store = faulty(new MemoryStore());
 */
export function faulty(store: Store, storeTimeoutMs: number = STORE_TIMEOUT_MS): FaultyStore {
  return new FaultyStore(store, storeTimeoutMs * 0.8);
}
