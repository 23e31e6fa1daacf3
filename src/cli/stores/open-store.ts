/**
 * Turn a `--store` URL into a store for the CLI's `sessions` commands:
 * `sqlite:path`, `redis://…` (or `rediss://`), `flask-session+redis://…`,
 * `postgres://…` (or `postgresql://`), `file:path`. Each driver is imported only when its URL is
 * used, so the CLI needs none of them installed to run the others.
 *
 * Never print the URL: it may hold a password. Errors name the scheme only.
 */
import type { Store } from "../../core/store.js";
import { UsageError } from "../args.js";

/** A store the CLI opened, and how to release what it opened. */
export interface OpenedStore {
  store: Store;
  /** The scheme, for messages (`sqlite`, `redis`, `postgres`, `file`). */
  kind: string;
  close(): Promise<void>;
}

/** Options that pick the table or key prefix when the app does not use the default. */
export interface StoreUrlOptions {
  /** SQLite / PostgreSQL table name. */
  table?: string | undefined;
  /** Redis key prefix of sessions (RedisStore `prefix`). */
  prefix?: string | undefined;
  /** Redis key prefix of the user index (RedisStore `userPrefix`). */
  userPrefix?: string | undefined;
  /** FlaskSessionRedisStore `metaPrefix` (sessionkit's metadata beside Flask-Session's records). */
  metaPrefix?: string | undefined;
}

/**
 * The scheme of a store URL, or undefined for one the CLI does not know.
 *
 * @example
 * storeKind("postgresql://localhost/app"); // "postgres"
 */
export function storeKind(url: string): "sqlite" | "redis" | "flask-session" | "postgres" | "file" | undefined {
  if (url.startsWith("sqlite:")) return "sqlite";
  if (url.startsWith("flask-session+redis://") || url.startsWith("flask-session+rediss://")) return "flask-session";
  if (url.startsWith("redis://") || url.startsWith("rediss://")) return "redis";
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) return "postgres";
  if (url.startsWith("file:")) return "file";
  return undefined;
}

/** `sqlite:path`, `sqlite://path` and `file:` URLs: the path part. */
function pathPart(url: string, scheme: string): string {
  let path = url.slice(scheme.length + 1);
  if (path.startsWith("//")) path = path.slice(2);
  if (path.length === 0) throw new UsageError(`--store ${scheme}: needs a path, as in ${scheme}:./sessions${scheme === "sqlite" ? ".db" : ""}`);
  return path;
}

async function importDriver<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if ((error as { code?: unknown }).code === "ERR_MODULE_NOT_FOUND") {
      throw new UsageError(`this store needs the "${name}" package: npm install ${name}`);
    }
    throw error;
  }
}

/**
 * Open the store a URL names. The caller must `close()` it.
 *
 * @example
 * const { store, close } = await openStore("sqlite:./sessions.db");
 * try { console.log(await store.list?.({ nowMs: Date.now(), limit: 10 })); } finally { await close(); }
 */
export async function openStore(url: string, options: StoreUrlOptions = {}): Promise<OpenedStore> {
  const kind = storeKind(url);
  const table = options.table === undefined ? {} : { table: options.table };
  switch (kind) {
    case "sqlite": {
      const { default: Database } = await importDriver("better-sqlite3", () => import("better-sqlite3"));
      const { SqliteStore } = await import("../../stores/sqlite.js");
      // fileMustExist: a typo in the path must not create an empty database and report "no sessions".
      const db = new Database(pathPart(url, "sqlite"), { fileMustExist: true });
      return { store: new SqliteStore({ db, ...table }), kind, close: async () => void db.close() };
    }
    case "redis": {
      const { createClient } = await importDriver("redis", () => import("redis"));
      const { RedisStore } = await import("../../stores/redis.js");
      const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 5_000 } });
      client.on("error", () => {}); // surfaced by the commands themselves, class and code only
      await client.connect();
      const prefixes = { ...(options.prefix === undefined ? {} : { prefix: options.prefix }), ...(options.userPrefix === undefined ? {} : { userPrefix: options.userPrefix }) };
      return { store: new RedisStore({ client, ...prefixes }), kind, close: async () => void client.destroy() };
    }
    case "flask-session": {
      const { createClient } = await importDriver("redis", () => import("redis"));
      const { FlaskSessionRedisStore } = await import("../../stores/flask-session.js");
      const client = createClient({ url: url.slice("flask-session+".length), socket: { reconnectStrategy: false, connectTimeout: 5_000 } });
      client.on("error", () => {}); // surfaced by the commands themselves, class and code only
      await client.connect();
      const prefixes = { ...(options.prefix === undefined ? {} : { keyPrefix: options.prefix }), ...(options.metaPrefix === undefined ? {} : { metaPrefix: options.metaPrefix }) };
      return { store: new FlaskSessionRedisStore({ client, ...prefixes }), kind, close: async () => void client.destroy() };
    }
    case "postgres": {
      const { default: pg } = await importDriver("pg", () => import("pg"));
      const { PostgresStore } = await import("../../stores/postgres.js");
      const pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 5_000 });
      pool.on("error", () => {}); // an idle client dying must not crash the CLI; the next query reports it
      // autoMigrate off: a wrong URL or table must fail, not create an empty table and report "no sessions".
      return { store: new PostgresStore({ pool, autoMigrate: false, ...table }), kind, close: () => pool.end() };
    }
    case "file": {
      const { FileStore } = await import("../../stores/file.js");
      return { store: new FileStore({ directory: pathPart(url, "file") }), kind, close: async () => {} };
    }
    default:
      throw new UsageError("--store must be sqlite:PATH, redis://…, flask-session+redis://…, postgres://… or file:DIR");
  }
}
