/**
 * Store selection from `SESSION_STORE`. Each driver (better-sqlite3, redis,
 * pg) is imported only when chosen, so `SESSION_STORE=cookie` runs with none
 * of them installed — the way sessionkit itself never loads a driver you did
 * not ask for.
 */
import type { Store } from "sessionkit";

/**
 * The store the app runs on, and how to let go of it.
 *
 * @example
 * const opened: OpenedStore = await openStore("memory"); await opened.close();
 */
export interface OpenedStore {
  /** `undefined` in cookie mode: the whole session is in the cookie. */
  store: Store | undefined;
  /** What to show the visitor, without credentials: `sqlite (./sessionkit-tutorial.db)`, `redis (127.0.0.1:6379)`. */
  label: string;
  /** Close what this module opened (database file, connection, pool). */
  close(): Promise<void>;
}

/**
 * `SESSION_STORE` names no store the tutorial knows.
 *
 * @example
 * await openStore("mongodb://x"); // throws UnknownStoreError
 */
export class UnknownStoreError extends Error {
  readonly code = "TUTORIAL_UNKNOWN_STORE";
  constructor() {
    super(
      "tutorial: SESSION_STORE: use sqlite, sqlite:PATH, memory, cookie, redis://HOST:PORT, flask-session+redis://HOST:PORT, postgres://USER@HOST/DB or file:DIRECTORY.",
    );
    this.name = "UnknownStoreError";
  }
}

const DEFAULT_SQLITE_FILE = "./sessionkit-tutorial.db";

/**
 * Open the store `spec` names. `prefix` keeps apps sharing one server apart
 * (a Redis key prefix, a PostgreSQL or SQLite table name). With
 * `flask-session+redis://…` the sessions are Flask-Session's own Redis
 * records, shared with a Flask app, and `prefix` is its `SESSION_KEY_PREFIX`.
 *
 * @example
 * const { store, close } = await openStore("sqlite:./sessions.db");
 * const sessions = createSessions({ secret, store });
 */
export async function openStore(spec: string, prefix?: string): Promise<OpenedStore> {
  if (spec === "cookie") return { store: undefined, label: "cookie", close: async () => {} };
  if (spec === "memory") {
    const { MemoryStore } = await import("sessionkit/stores/memory");
    return { store: new MemoryStore(), label: "memory (lost on restart)", close: async () => {} };
  }
  if (spec === "sqlite" || spec.startsWith("sqlite:")) return openSqlite(spec === "sqlite" ? DEFAULT_SQLITE_FILE : spec.slice(7), prefix);
  if (spec.startsWith("file:")) {
    const { FileStore } = await import("sessionkit/stores/file");
    const directory = spec.slice(5) || "./sessions";
    return { store: new FileStore({ directory }), label: `file (${directory})`, close: async () => {} };
  }
  if (spec.startsWith("redis://") || spec.startsWith("rediss://")) return openRedis(spec, prefix);
  if (spec.startsWith("flask-session+redis://") || spec.startsWith("flask-session+rediss://")) {
    return openFlaskSession(spec.slice("flask-session+".length), prefix);
  }
  if (spec.startsWith("postgres://") || spec.startsWith("postgresql://")) return openPostgres(spec, prefix);
  throw new UnknownStoreError();
}

/** A table name from the prefix: the stores accept letters, digits and `_` only. */
function tableName(prefix: string | undefined): string | undefined {
  return prefix === undefined ? undefined : `sessionkit_${prefix.replace(/[^A-Za-z0-9_]/g, "_")}`;
}

async function openSqlite(path: string, prefix: string | undefined): Promise<OpenedStore> {
  const [{ default: Database }, { SqliteStore }] = await Promise.all([import("better-sqlite3"), import("sessionkit/stores/sqlite")]);
  const db = new Database(path);
  const table = tableName(prefix);
  const store = new SqliteStore(table === undefined ? { db } : { db, table });
  // Idempotent: closing twice (a test, then shutdown) is not an error.
  return { store, label: `sqlite (${path})`, close: async () => void (db.open ? db.close() : undefined) };
}

/** Host and port only: a URL may carry a password, which must never reach a page or a log. */
function safeHost(url: string): string {
  const parsed = new URL(url);
  return parsed.port ? `${parsed.hostname}:${parsed.port}` : parsed.hostname;
}

async function openRedis(url: string, prefix: string | undefined): Promise<OpenedStore> {
  const [client, { RedisStore }] = await Promise.all([connectRedis(url), import("sessionkit/stores/redis")]);
  const store = new RedisStore(prefix === undefined ? { client } : { client, prefix: `${prefix}:sess:`, userPrefix: `${prefix}:user:` });
  return { store, label: `redis (${safeHost(url)})`, close: async () => void (await client.close()) };
}

/** A node-redis client for the tutorial: connected, and with the error listener node-redis needs. */
async function connectRedis(url: string) {
  const { createClient } = await import("redis");
  const client = createClient({ url });
  // Without a listener node-redis turns a dropped connection into an uncaught 'error' and kills the process;
  // the store reports failures per request (503) instead. Only the class is printed: messages may hold the URL.
  client.on("error", (error: unknown) => console.error(`tutorial: redis connection problem (${(error as Error)?.name ?? typeof error})`));
  await client.connect();
  return client;
}

/**
 * Flask-Session 0.8's records (`SESSION_TYPE = "redis"`): a Flask app using
 * Flask-Session on the same Redis, with the same SECRET_KEY, cookie name and
 * key prefix (default `session:`), shares its logins with the tutorial.
 */
async function openFlaskSession(url: string, prefix: string | undefined): Promise<OpenedStore> {
  const [client, { FlaskSessionRedisStore }] = await Promise.all([connectRedis(url), import("sessionkit/stores/flask-session")]);
  const store = new FlaskSessionRedisStore({ client, keyPrefix: prefix ?? "session:" });
  return { store, label: `flask-session (redis ${safeHost(url)})`, close: async () => void (await client.close()) };
}

async function openPostgres(url: string, prefix: string | undefined): Promise<OpenedStore> {
  const [{ default: pg }, { PostgresStore }] = await Promise.all([import("pg"), import("sessionkit/stores/postgres")]);
  const pool = new pg.Pool({ connectionString: url, max: 5 });
  // An idle client's error would otherwise crash the process; requests still see the StoreError.
  pool.on("error", (error: Error) => console.error(`tutorial: idle postgres client failed (${error.name})`));
  const table = tableName(prefix);
  const store = new PostgresStore(table === undefined ? { pool } : { pool, table });
  return { store, label: `postgres (${safeHost(url)})`, close: () => pool.end() };
}
