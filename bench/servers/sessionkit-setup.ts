/**
 * The sessionkit manager every `sk-*` server uses, chosen by `SK_MODE`:
 * `signed` (default), `encrypted`, `memory`, `redis` or `sqlite`. One place,
 * so every framework row measures the same configuration.
 *
 * Production settings: a ≥32-byte secret, httpOnly SameSite=Lax cookie,
 * `secure: "auto"` (off here because the benchmark speaks plain HTTP).
 */
import { createSessions } from "sessionkit";
import { SECRET } from "./shared.js";

/** The session as the route contract uses it. */
export interface BenchSession {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

/** What `/login`, `/read` and `/write` do to the session, shared by every framework. */
export const routes = {
  login(session: BenchSession): string {
    session.set("user", "alice");
    session.set("n", 0);
    return "ok";
  },
  read(session: BenchSession): string {
    return String(session.get("user") ?? "");
  },
  write(session: BenchSession, n: number): string {
    session.set("n", n);
    return String(n);
  },
};

/** The manager, and for the memory store a dump of its records (served on `/__store` for the sanity check). */
export interface BenchSetup {
  sessions: ReturnType<typeof createSessions<{ user?: string; n?: number }>>;
  mode: string;
  close: () => Promise<void>;
  dump?: () => Promise<Record<string, unknown>>;
}

/**
 * Build the manager for `SK_MODE`, with the store's client opened here (and
 * closed by `close`). Store entry points are imported lazily, so a cookie-mode
 * server loads no driver.
 *
 * @example
 * const { sessions, close } = await benchSessions();
 */
export async function benchSessions(): Promise<BenchSetup> {
  const mode = process.env.SK_MODE ?? "signed";
  const cookie = { httpOnly: true, sameSite: "lax" as const, secure: "auto" as const };
  if (mode === "signed" || mode === "encrypted") {
    return { sessions: createSessions<{ user?: string; n?: number }>({ secret: SECRET, format: mode, cookie }), mode, close: async () => {} };
  }
  if (mode === "memory") {
    const { MemoryStore } = await import("sessionkit/stores/memory");
    const store = new MemoryStore({ maxEntries: 100_000 });
    const dump = async (): Promise<Record<string, unknown>> => {
      const out: Record<string, unknown> = {};
      for (const info of await store.list({ nowMs: Date.now(), limit: 1_000 })) out[info.idHash] = await store.load(info.idHash, { nowMs: Date.now(), abandoned: false }); // storeContext()'s value, spelt out: older trees (--baseline) lack the helper
      return out;
    };
    return { sessions: createSessions<{ user?: string; n?: number }>({ secret: SECRET, store, cookie }), mode, close: async () => {}, dump };
  }
  if (mode === "redis") {
    const { createClient } = await import("redis");
    const { RedisStore } = await import("sessionkit/stores/redis");
    const client = createClient({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" });
    await client.connect();
    const store = new RedisStore({ client, prefix: process.env.BENCH_PREFIX ?? "bench:sessionkit:" });
    return {
      sessions: createSessions<{ user?: string; n?: number }>({ secret: SECRET, store, cookie }),
      mode,
      close: async () => {
        await client.quit();
      },
    };
  }
  if (mode === "sqlite") {
    const { default: Database } = await import("better-sqlite3");
    const { SqliteStore } = await import("sessionkit/stores/sqlite");
    const file = process.env.BENCH_SQLITE_FILE;
    if (!file) throw new Error("SK_MODE=sqlite needs BENCH_SQLITE_FILE");
    const db = new Database(file);
    db.pragma("journal_mode = WAL");
    const store = new SqliteStore({ db });
    return {
      sessions: createSessions<{ user?: string; n?: number }>({ secret: SECRET, store, cookie }),
      mode,
      close: async () => {
        db.close();
      },
    };
  }
  throw new Error(`unknown SK_MODE ${mode}`);
}
