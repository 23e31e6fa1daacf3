/**
 * Store selection from `SESSION_STORE`. Each driver (better-sqlite3, redis,
 * pg) is imported only when chosen, so `SESSION_STORE=cookie` runs with none
 * of them installed — the way sessionkit itself never loads a driver you did
 * not ask for.
 */
import { statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { describeStoreCause, type Store } from "sessionkit";
import { TutorialConfigError } from "./config.js";
import { connectRedis } from "./redis-client.js";

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
/** `flask-session+redis://…`: Flask-Session's own records on that Redis. */
const FLASK_SESSION_SCHEME = "flask-session+";

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
  if (spec === "sqlite" || spec.startsWith("sqlite:")) return openSqlite(sqlitePath(spec), prefix);
  if (spec.startsWith("file:")) {
    const { FileStore } = await import("sessionkit/stores/file");
    const directory = fileDirectory(spec);
    return { store: new FileStore({ directory }), label: storeLabel(spec), close: async () => {} };
  }
  if (spec.startsWith("redis://") || spec.startsWith("rediss://")) return openRedis(spec, prefix);
  if (spec.startsWith("flask-session+redis://") || spec.startsWith("flask-session+rediss://")) return openFlaskSession(spec, prefix);
  if (spec.startsWith("postgres://") || spec.startsWith("postgresql://")) return openPostgres(spec, prefix);
  throw new UnknownStoreError();
}

/**
 * What to call the store on the pages and in messages, without opening it
 * and without credentials: `sqlite (./sessionkit-tutorial.db)`,
 * `redis (127.0.0.1:6379)`. A malformed URL is a TutorialConfigError naming
 * SESSION_STORE (never quoting the URL, which may hold a password).
 *
 * @example
 * storeLabel("postgres://app:pw@db:5433/app"); // "postgres (db:5433)"
 */
export function storeLabel(spec: string): string {
  if (spec === "cookie") return "cookie";
  if (spec === "memory") return "memory (lost on restart)";
  if (spec === "sqlite" || spec.startsWith("sqlite:")) return `sqlite (${sqlitePath(spec)})`;
  if (spec.startsWith("file:")) return `file (${fileDirectory(spec)})`;
  if (spec.startsWith("redis://") || spec.startsWith("rediss://")) return `redis (${safeHost(spec, 6379)})`;
  if (spec.startsWith(`${FLASK_SESSION_SCHEME}redis://`) || spec.startsWith(`${FLASK_SESSION_SCHEME}rediss://`)) {
    return `flask-session (redis ${safeHost(spec.slice(FLASK_SESSION_SCHEME.length), 6379)})`;
  }
  if (spec.startsWith("postgres://") || spec.startsWith("postgresql://")) return `postgres (${safeHost(spec, 5432)})`;
  throw new UnknownStoreError();
}

function sqlitePath(spec: string): string {
  return spec === "sqlite" ? DEFAULT_SQLITE_FILE : spec.slice(7);
}

function fileDirectory(spec: string): string {
  return spec.slice(5) || "./sessions";
}

/** A table name from the prefix: the stores accept letters, digits and `_` only. */
function tableName(prefix: string | undefined): string | undefined {
  return prefix === undefined ? undefined : `sessionkit_${prefix.replace(/[^A-Za-z0-9_]/g, "_")}`;
}

async function openSqlite(path: string, prefix: string | undefined): Promise<OpenedStore> {
  const [{ default: Database }, { SqliteStore }] = await Promise.all([import("better-sqlite3"), import("sessionkit/stores/sqlite")]);
  // A missing folder is a code-less TypeError in better-sqlite3; stat fails first with its errno (ENOENT, EACCES).
  statSync(dirname(resolve(path)));
  const db = new Database(path);
  const table = tableName(prefix);
  const store = new SqliteStore(table === undefined ? { db } : { db, table });
  // Idempotent: closing twice (a test, then shutdown) is not an error.
  return { store, label: `sqlite (${path})`, close: async () => void (db.open ? db.close() : undefined) };
}

/** Host and port only: a URL may carry a password, which must never reach a page or a log. */
function safeHost(url: string, defaultPort: number): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ERR_INVALID_URL") throw error;
    throw new TutorialConfigError(
      "SESSION_STORE",
      "is not a valid URL (malformed URL). Write it as redis://[:PASSWORD@]HOST[:PORT] or postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE, with special characters in the password percent-encoded.",
    );
  }
  if (parsed.hostname === "") throw new TutorialConfigError("SESSION_STORE", "names no host: write it as redis://HOST:PORT or postgres://USER@HOST/DATABASE.");
  return `${parsed.hostname}:${parsed.port || defaultPort}`;
}

async function openRedis(url: string, prefix: string | undefined): Promise<OpenedStore> {
  const label = storeLabel(url);
  const [client, { RedisStore }] = await Promise.all([connectRedis(url, label), import("sessionkit/stores/redis")]);
  const store = new RedisStore(prefix === undefined ? { client } : { client, prefix: `${prefix}:sess:`, userPrefix: `${prefix}:user:` });
  return { store, label, close: async () => void (client.isOpen ? await client.close() : undefined) };
}

/**
 * Flask-Session 0.8's records (`SESSION_TYPE = "redis"`): a Flask app using
 * Flask-Session on the same Redis, with the same SECRET_KEY, cookie name and
 * key prefix (default `session:`), shares its logins with the tutorial.
 */
async function openFlaskSession(spec: string, prefix: string | undefined): Promise<OpenedStore> {
  const label = storeLabel(spec);
  const url = spec.slice(FLASK_SESSION_SCHEME.length);
  const [client, { FlaskSessionRedisStore }] = await Promise.all([connectRedis(url, label), import("sessionkit/stores/flask-session")]);
  const store = new FlaskSessionRedisStore({ client, keyPrefix: prefix ?? "session:" });
  return { store, label, close: async () => void (client.isOpen ? await client.close() : undefined) };
}

async function openPostgres(url: string, prefix: string | undefined): Promise<OpenedStore> {
  const label = storeLabel(url);
  const [{ default: pg }, { PostgresStore }] = await Promise.all([import("pg"), import("sessionkit/stores/postgres")]);
  // connectionTimeoutMillis: a server that never answers fails the connection instead of queueing requests forever.
  const pool = new pg.Pool({ connectionString: url, max: 5, connectionTimeoutMillis: 2_000 });
  // An idle client's error would otherwise crash the process; requests still see the StoreError.
  pool.on("error", (error: Error) => console.error(`tutorial: SESSION_STORE: an idle connection to ${label} failed: ${describeStoreCause(error).text}.`));
  const table = tableName(prefix);
  const store = new PostgresStore(table === undefined ? { pool } : { pool, table });
  return { store, label, close: () => pool.end() };
}
