/**
 * Counting views of real clients for test/bench/round-trips.test.ts: each
 * forwards every call to the real client and records what was sent, so a
 * test can say how many commands, statements or round trips a request made.
 */
import type BetterSqlite3 from "better-sqlite3";
import type pg from "pg";
import type { createClient } from "redis";
import { connect, type Socket } from "node:net";
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
export function countingPool(pool: pg.Pool): { pool: PgPoolLike; reset: () => void; kinds: () => string[]; texts: () => string[] } {
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
    texts: () => [...texts],
  };
}

/** MySQL protocol commands (the first payload byte of a packet with sequence id 0). */
const MYSQL_COMMANDS: Readonly<Record<number, string>> = { 0x01: "quit", 0x03: "query", 0x0e: "ping", 0x16: "prepare", 0x17: "execute", 0x19: "close", 0x1a: "reset", 0x1f: "reset" };
/** Commands the server does not answer: they cost no round trip. */
const MYSQL_UNANSWERED = new Set(["quit", "close"]);

/** What a statement does, in two words at most: `SELECT`, `SELECT FOR UPDATE`, `START`; a MariaDB `SET STATEMENT … FOR x` counts as x. */
function sqlVerb(sql: string): string {
  const text = sql.replace(/^\s*SET STATEMENT .*? FOR (?=\w)/is, "").trim();
  const verb = /^(\w+)/.exec(text)?.[1]?.toUpperCase() ?? "";
  return verb === "SELECT" && /\bFOR UPDATE\s*$/i.test(text) ? "SELECT FOR UPDATE" : verb;
}

/**
 * A socket factory for mysql2's `stream` option that reads every command the
 * client sends off the wire, after the handshake: what one request cost in
 * round trips, including any the driver adds (a statement prepared the
 * first time a connection runs it, a ping). Each answered command is one
 * round trip: mysql2 sends a command only after the previous one's reply.
 * `commands()` gives each as `query SET`, `prepare SELECT`, `execute UPDATE`
 * (an execute is named by the statement its prepare carried).
 *
 * @example
 * const wire = mysqlWire("127.0.0.1", port); mysql.createPool({ stream: wire.stream, … }); wire.reset(); …; wire.commands(); // ["execute SELECT"]
 */
export function mysqlWire(host: string, port: number): { stream: () => Socket; reset: () => void; commands: () => string[] } {
  let sent: string[] = [];
  const stream = (): Socket => {
    const socket = connect(port, host);
    socket.setNoDelay(true);
    const statements = new Map<number, string>(); // statement id → verb, per connection
    let lastPrepare: string | undefined;
    let pending = Buffer.alloc(0);
    const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
    socket.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (Buffer.isBuffer(chunk)) {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 4 && pending.length >= 4 + pending.readUIntLE(0, 3)) {
          const length = pending.readUIntLE(0, 3);
          const sequence = pending[3];
          const payload = pending.subarray(4, 4 + length);
          pending = pending.subarray(4 + length);
          // Sequence 0 starts a command; the handshake's replies to the server have other sequence ids.
          if (sequence !== 0 || payload.length === 0) continue;
          const kind = MYSQL_COMMANDS[payload[0]!] ?? `command 0x${payload[0]!.toString(16)}`;
          if (kind === "query" || kind === "prepare") {
            const verb = sqlVerb(payload.subarray(1).toString("utf8"));
            if (kind === "prepare") lastPrepare = verb;
            sent.push(`${kind} ${verb}`);
          } else if (kind === "execute") {
            // A new statement id is answered to the prepare just before its first execute.
            const id = payload.readUInt32LE(1);
            if (!statements.has(id) && lastPrepare !== undefined) statements.set(id, lastPrepare);
            sent.push(`execute ${statements.get(id) ?? "?"}`);
          } else if (!MYSQL_UNANSWERED.has(kind)) {
            sent.push(kind);
          }
        }
      }
      return write(chunk, ...rest);
    }) as typeof socket.write;
    return socket;
  };
  return {
    stream,
    reset: () => {
      sent = [];
    },
    commands: () => [...sent],
  };
}
