/**
 * Turn a `--store` URL into a store for the CLI's `sessions` commands:
 * `sqlite:path`, `redis://…` (or `rediss://`), `flask-session+redis://…`,
 * `postgres://…` (or `postgresql://`), `file:path`. Each driver is imported only when its URL is
 * used, so the CLI needs none of them installed to run the others.
 *
 * Never print the URL: it may hold a password. Errors name the scheme only.
 *
 * A file or folder that does not exist is an error here, never created: a
 * typo must not report "0 sessions" from a new, empty store.
 */
import { opendirSync, statSync } from "node:fs";
import type { Store } from "../../core/store.js";
import { UsageError } from "../args.js";

/** A store the CLI opened, and how to release what it opened. */
export interface OpenedStore {
  store: Store;
  /** The scheme, for messages (`sqlite`, `redis`, `postgres`, `file`). */
  kind: string;
  close(): Promise<void>;
}

/**
 * A store call failed (the store, not the CLI): `sessions` reports it with
 * its cause in words and exit 69, where a bug of the CLI is exit 70.
 *
 * @example
 * catch (e) { if (e instanceof StoreCallError) console.error(describeStoreCause(e.cause).text) }
 */
export class StoreCallError extends Error {
  readonly code = "CLI_STORE_FAILED";
  /** The store method that failed. */
  readonly operation: string;
  constructor(operation: string, cause: unknown) {
    super(`the store failed on \`${operation}\``, { cause });
    this.name = "StoreCallError";
    this.operation = operation;
  }
}

/**
 * The store, with each method's failure turned into a {@link StoreCallError}.
 * Every method is wrapped, the contract's and a store's own (a method the
 * store lacks stays absent, so commands can say it is missing); the store
 * itself is what the method runs on, so its private fields work.
 *
 * @example
 * const store = guarded(new SqliteStore({ db }));
 */
export function guarded<S extends Store>(store: S): S {
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (error) {
          throw new StoreCallError(String(property), error);
        }
      };
    },
  });
}

/** The tutorial's SQLite file, named in the hint for a bare `sqlite`. */
const TUTORIAL_SQLITE = "sqlite:./sessionkit-tutorial.db";

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

/**
 * The table and key prefixes SESSION_STORE_PREFIX stands for, as the
 * tutorial applies it (examples/tutorial/store.ts): Redis keys `P:sess:`
 * and `P:user:`, the table `sessionkit_P` (characters other than letters,
 * digits and `_` made `_`); for the Flask-Session store (`kind`
 * "flask-session") the key prefix P itself, Flask-Session's
 * SESSION_KEY_PREFIX. Options given explicitly win.
 *
 * @example
 * withStorePrefix({}, "shop"); // { table: "sessionkit_shop", prefix: "shop:sess:", userPrefix: "shop:user:" }
 */
export function withStorePrefix(options: StoreUrlOptions, storePrefix: string | undefined, kind?: string): StoreUrlOptions {
  if (storePrefix === undefined || storePrefix === "") return options;
  if (!/^[A-Za-z0-9_:-]{1,64}$/.test(storePrefix)) throw new UsageError("SESSION_STORE_PREFIX: use 1 to 64 letters, digits, `_`, `-` or `:`");
  if (kind === "flask-session") return { ...options, prefix: options.prefix ?? storePrefix };
  return {
    ...options,
    table: options.table ?? `sessionkit_${storePrefix.replace(/[^A-Za-z0-9_]/g, "_")}`,
    prefix: options.prefix ?? `${storePrefix}:sess:`,
    userPrefix: options.userPrefix ?? `${storePrefix}:user:`,
  };
}

/** Store settings of the tutorial that name no store the CLI can open: say why, and what to give instead. */
function notAStore(url: string): UsageError | undefined {
  if (url === "cookie") return new UsageError("SESSION_STORE=cookie keeps sessions in the cookies, not in a store: there is nothing to list (use decode or verify on a cookie)");
  if (url === "memory") return new UsageError("SESSION_STORE=memory keeps sessions inside the app's process: the CLI cannot reach them");
  if (url === "sqlite") return new UsageError(`a bare \`sqlite\` names no file: give sqlite:PATH (the tutorial's default is ${TUTORIAL_SQLITE})`);
  return undefined;
}

/**
 * Where a store URL points, for messages: the path of a file store or SQLite
 * file, the host:port of a server (never the user or password).
 *
 * @example
 * storeWhere("postgres://app:pw@db.internal/app"); // "db.internal:5432"
 */
export function storeWhere(url: string): string {
  const kind = storeKind(url);
  if (kind === "sqlite" || kind === "file") return url.slice(kind.length + 1).replace(/^\/\//, "");
  if (kind === "redis" || kind === "flask-session" || kind === "postgres") {
    const parsed = serverUrl(kind === "flask-session" ? url.slice("flask-session+".length) : url);
    return `${parsed.hostname}:${parsed.port || (kind === "postgres" ? 5432 : 6379)}`;
  }
  return "?";
}

/** A server URL, parsed; a malformed one is a usage error that never repeats it. */
function serverUrl(url: string): URL {
  try {
    return new URL(url);
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ERR_INVALID_URL") throw error;
    throw new UsageError("the store URL is malformed: write it as redis://[:PASSWORD@]HOST[:PORT] or postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE, percent-encoding special characters in the password");
  }
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
  const refused = notAStore(url);
  if (refused) throw refused;
  const kind = storeKind(url);
  if (kind === "redis" || kind === "postgres") serverUrl(url);
  if (kind === "flask-session") serverUrl(url.slice("flask-session+".length));
  const table = options.table === undefined ? {} : { table: options.table };
  switch (kind) {
    case "sqlite": {
      const { default: Database } = await importDriver("better-sqlite3", () => import("better-sqlite3"));
      const { SqliteStore } = await import("../../stores/sqlite.js");
      const path = pathPart(url, "sqlite");
      statSync(path); // ENOENT, in words, rather than SQLite's "cannot open"
      // fileMustExist: a typo in the path must not create an empty database and report "no sessions".
      const db = new Database(path, { fileMustExist: true });
      try {
        // SqliteStore creates a missing table: here it must exist (SQLITE_ERROR, "no such table", if not).
        db.prepare(`SELECT 1 FROM "${(options.table ?? "sessionkit_sessions").replaceAll('"', '""')}" LIMIT 0`);
        // wal: false leaves the file's journal mode as the app set it.
        return { store: guarded(new SqliteStore({ db, wal: false, ...table })), kind, close: async () => void db.close() };
      } catch (error) {
        db.close();
        throw error;
      }
    }
    case "redis": {
      const { createClient } = await importDriver("redis", () => import("redis"));
      const { RedisStore } = await import("../../stores/redis.js");
      const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 5_000 } });
      client.on("error", () => {}); // surfaced by the commands themselves, class and code only
      await client.connect();
      const prefixes = { ...(options.prefix === undefined ? {} : { prefix: options.prefix }), ...(options.userPrefix === undefined ? {} : { userPrefix: options.userPrefix }) };
      return { store: guarded(new RedisStore({ client, ...prefixes })), kind, close: async () => void client.destroy() };
    }
    case "flask-session": {
      const { createClient } = await importDriver("redis", () => import("redis"));
      const { FlaskSessionRedisStore } = await import("../../stores/flask-session.js");
      const client = createClient({ url: url.slice("flask-session+".length), socket: { reconnectStrategy: false, connectTimeout: 5_000 } });
      client.on("error", () => {}); // surfaced by the commands themselves, class and code only
      await client.connect();
      const prefixes = { ...(options.prefix === undefined ? {} : { keyPrefix: options.prefix }), ...(options.metaPrefix === undefined ? {} : { metaPrefix: options.metaPrefix }) };
      return { store: guarded(new FlaskSessionRedisStore({ client, ...prefixes })), kind, close: async () => void client.destroy() };
    }
    case "postgres": {
      const { default: pg } = await importDriver("pg", () => import("pg"));
      const { PostgresStore } = await import("../../stores/postgres.js");
      const pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 5_000 });
      pool.on("error", () => {}); // an idle client dying must not crash the CLI; the next query reports it
      // autoMigrate off: a wrong URL or table must fail, not create an empty table and report "no sessions".
      return { store: guarded(new PostgresStore({ pool, autoMigrate: false, ...table })), kind, close: () => pool.end() };
    }
    case "file": {
      const { FileStore } = await import("../../stores/file.js");
      const directory = pathPart(url, "file");
      // FileStore creates a missing folder: here one must exist (ENOENT), be a folder (ENOTDIR) and be readable (EACCES).
      opendirSync(directory).closeSync();
      return { store: guarded(new FileStore({ directory })), kind, close: async () => {} };
    }
    default:
      throw new UsageError("--store must be sqlite:PATH, redis://…, flask-session+redis://…, postgres://… or file:DIR");
  }
}
