/**
 * Counting views of real clients for test/bench/round-trips.test.ts: each
 * forwards every call to the real client and records what was sent, so a
 * test can say how many commands, statements or round trips a request made.
 */
import type BetterSqlite3 from "better-sqlite3";
import type pg from "pg";
import type { createClient } from "redis";
import type { PgClientLike, PgPoolLike } from "../../src/stores/postgres/runner.js";

type RedisClient = ReturnType<typeof createClient>;

/** Split one MONITOR line's quoted arguments: `… [0 127.0.0.1:5] "evalsha" "ab" "1"` → ["evalsha", "ab", "1"]. */
function monitorArgs(line: string): string[] {
  return [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!);
}

/**
 * MONITOR on a dedicated connection, keeping only the commands `client`
 * sent (by its address: other processes share this Redis, and commands a
 * script runs show as `lua`). `during(fn)` brackets `fn` with two ECHO
 * markers and gives what came between, as `command` or `evalsha <sha1>`.
 *
 * @example
 * const monitor = await redisMonitor(client); await monitor.during(() => store.load(h, ctx)); // ["evalsha …"]
 */
export async function redisMonitor(client: RedisClient): Promise<{ during: (fn: () => Promise<unknown>) => Promise<string[]>; close: () => Promise<void> }> {
  const info = String(await client.sendCommand(["CLIENT", "INFO"]));
  const addr = /(?:^| )addr=(\S+)/.exec(info)?.[1];
  if (!addr) throw new Error("CLIENT INFO gave no addr");
  const seen: string[][] = [];
  const watcher = client.duplicate();
  await watcher.connect();
  await watcher.monitor((line: string) => {
    if (line.includes(` ${addr}]`)) seen.push(monitorArgs(line));
  });
  const mark = async (text: string): Promise<number> => {
    await client.sendCommand(["ECHO", text]);
    for (let waited = 0; waited < 5_000; waited += 2) {
      const at = seen.findIndex((args) => args[0]?.toLowerCase() === "echo" && args[1] === text);
      if (at >= 0) return at;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    throw new Error(`MONITOR never showed the marker ${text}`);
  };
  let markers = 0;
  return {
    during: async (fn) => {
      const id = `${process.pid}-${(markers += 1)}`;
      const start = await mark(`start-${id}`);
      await fn();
      const end = await mark(`end-${id}`);
      return seen.slice(start + 1, end).map((args) => {
        const command = args[0]!.toLowerCase();
        return command === "evalsha" ? `evalsha ${args[1]}` : command;
      });
    },
    close: async () => {
      watcher.destroy();
    },
  };
}

/** What a counting Database saw since the last reset. */
export interface SqliteCounts {
  reset(): void;
  snapshot(): { statements: string[]; transactions: number; exec: number };
}

/**
 * A better-sqlite3 Database that counts statement executions (by method:
 * `get`, `run`, `all`, `iterate`), transactions (each call of a
 * `db.transaction` function or its `immediate`/`deferred`/`exclusive`) and
 * `exec` calls. Methods are called on the real objects.
 *
 * @example
 * const { db, counts } = countingDatabase(new Database(":memory:")); new SqliteStore({ db });
 */
export function countingDatabase(real: BetterSqlite3.Database): { db: BetterSqlite3.Database; counts: SqliteCounts } {
  let statements: string[] = [];
  let transactions = 0;
  let exec = 0;
  const countedStatement = (statement: BetterSqlite3.Statement): BetterSqlite3.Statement => {
    const proxy: BetterSqlite3.Statement = new Proxy(statement, {
      get(target, key) {
        const value = Reflect.get(target, key, target) as unknown;
        if (typeof value !== "function") return value;
        if (key === "get" || key === "run" || key === "all" || key === "iterate") {
          return (...args: unknown[]) => {
            statements.push(key);
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        // Setters such as safeIntegers() return the statement: hand back the counting view.
        return (...args: unknown[]) => {
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          return result === target ? proxy : result;
        };
      },
    });
    return proxy;
  };
  const db = new Proxy(real, {
    get(target, key) {
      const value = Reflect.get(target, key, target) as unknown;
      if (key === "prepare") return (source: string) => countedStatement(target.prepare(source));
      if (key === "exec") {
        return (source: string) => {
          exec += 1;
          target.exec(source);
          return db;
        };
      }
      if (key === "transaction") {
        return (fn: (...args: unknown[]) => unknown) => {
          const tx = target.transaction(fn) as BetterSqlite3.Transaction<(...args: unknown[]) => unknown>;
          const counted = (...args: unknown[]): unknown => ((transactions += 1), tx(...args));
          for (const kind of ["deferred", "immediate", "exclusive"] as const) {
            Object.assign(counted, { [kind]: (...args: unknown[]) => ((transactions += 1), tx[kind](...args)) });
          }
          return counted;
        };
      }
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    db,
    counts: {
      reset: () => {
        statements = [];
        transactions = 0;
        exec = 0;
      },
      snapshot: () => ({ statements: [...statements], transactions, exec }),
    },
  };
}

/**
 * A pool whose borrowed clients record every `query` (each is one round
 * trip: node-postgres sends a query only after the previous one answered).
 * `kinds()` gives each query's first SQL word, upper-cased.
 *
 * @example
 * const counting = countingPool(pool); new PostgresStore({ pool: counting.pool }); counting.kinds(); // ["SELECT"]
 */
export function countingPool(pool: pg.Pool): { pool: PgPoolLike; reset: () => void; kinds: () => string[] } {
  let texts: string[] = [];
  // One wrapper per pooled connection, as pg-pool hands out the same client object each time
  // (the store remembers per connection what it read of its settings).
  const wrappers = new WeakMap<PgClientLike, PgClientLike>();
  const wrapped: PgPoolLike = {
    connect: async () => {
      const client = (await pool.connect()) as unknown as PgClientLike;
      let wrapper = wrappers.get(client);
      if (wrapper === undefined) {
        wrapper = {
          query: (text, values) => {
            texts.push(text);
            return client.query(text, values);
          },
          release: (destroy) => client.release(destroy),
          on: (event, listener) => client.on(event, listener),
          removeListener: (event, listener) => client.removeListener(event, listener),
        };
        wrappers.set(client, wrapper);
      }
      return wrapper;
    },
  };
  return {
    pool: wrapped,
    reset: () => {
      texts = [];
    },
    kinds: () => texts.map((text) => /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? ""),
  };
}
