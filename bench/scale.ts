/**
 * `npm run bench:scale`: does a store stay fast with ten million sessions?
 *
 * Through sessionkit's own stores: `load` and `apply` (a commit's write)
 * p50/p99 at 1,000 sessions, at SCALE_SESSIONS (default 1,000,000) and, for
 * Redis and PostgreSQL, at SCALE_LARGE (default 10,000,000); then "log out
 * everywhere" (`destroyForUser`) of a user with 10,000 sessions among all the
 * others, and `prune` of the rest once expired. For the memory store, the
 * heap one session costs. Redis and PostgreSQL run on servers of the run's
 * own (bench/scale/servers.ts), never the shared ones; SQLite on a temp file.
 * Writes the "scale" section of `bench/RESULTS.md`.
 *
 * Knobs: SCALE_SESSIONS, SCALE_LARGE (0: none), SCALE_SAMPLES (2,000 per
 * point), SCALE_ONLY (comma list of sqlite, redis, postgres, memory),
 * SCALE_MEMORY_GIB (10: most memory the run's Redis may take; every fill
 * also stops when the machine has under 2 GiB available), SCALE_PG_SETTINGS
 * (PostgreSQL settings for its own cluster, such as `jit=off`).
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { storeContext } from "sessionkit";
import { ROOT } from "./build.js";
import { writeSection } from "./report.js";
import { postgresFill, redisFill } from "./scale/bulk.js";
import { createAll, measureStore, type Filler, type ScaleRow } from "./scale/measure.js";
import { watchMemory } from "./scale/memory.js";
import { HEAVY_SESSIONS, idHashOf, population } from "./scale/population.js";
import { startPostgres, startRedis } from "./scale/servers.js";

const total = Math.max(Number(process.env.SCALE_SESSIONS ?? 1_000_000), 2_000);
const large = Number(process.env.SCALE_LARGE ?? 10_000_000);
const samples = Math.min(Number(process.env.SCALE_SAMPLES ?? 2_000), 100_000);
const only = new Set((process.env.SCALE_ONLY ?? "sqlite,redis,postgres,memory").split(","));
const tag = `scale_${process.pid}`;
const log = (line: string): void => void process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const memory = watchMemory(2);
/** Most memory the run's own Redis may take, in GiB: the machine is shared by several people. */
const budgetGiB = Number(process.env.SCALE_MEMORY_GIB ?? 10);
const bornMs = Date.now();
const GiB = 1024 ** 3;
const serverSizes = [1_000, total, ...(large > total ? [large] : [])];
const progress = (name: string) => (done: number) => {
  memory.check();
  if (done % 1_000_000 === 0) log(`  ${name}: ${done.toLocaleString("en-US")} sessions`);
};

async function sqlite(): Promise<ScaleRow> {
  const { default: Database } = await import("better-sqlite3");
  const { SqliteStore } = await import("sessionkit/stores/sqlite");
  const dir = mkdtempSync(join(tmpdir(), "sessionkit-scale-"));
  const file = join(dir, "sessions.db");
  const db = new Database(file);
  try {
    const store = new SqliteStore({ db, table: tag });
    const p = population(tag, total);
    const filler: Filler = {
      // One outer transaction per 10,000 creates (each create's own transaction becomes a savepoint): the fill is setup.
      fill: async (from, to) => {
        for (let start = from; start < to; start += 10_000) {
          db.exec("BEGIN");
          await createAll(store, p, { from: start, to: Math.min(start + 10_000, to), window: 1, bornMs });
          db.exec("COMMIT");
          progress("sqlite")(Math.min(start + 10_000, to));
        }
      },
      footprint: async () => `${(statSync(file).size / GiB).toFixed(2)} GiB file`,
    };
    return await measureStore(store, p, filler, [1_000, total], { samples, bornMs, note: "file on local disk, WAL; every session created through the store", log });
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function redis(): Promise<ScaleRow> {
  const { createClient } = await import("redis");
  const { RedisStore } = await import("sessionkit/stores/redis");
  const server = await startRedis();
  try {
    const client = createClient({ url: server.url });
    await client.connect();
    try {
      const keys = { prefix: "sk:sess:", userPrefix: "sk:user:" };
      const store = new RedisStore({ client, ...keys });
      const p = population(tag, serverSizes.at(-1)!);
      const filler: Filler = {
        fill: async (from, to) => {
          const first = Math.min(to, Math.max(from, 1_000));
          await createAll(store, p, { from, to: first, window: 256, bornMs });
          if (first < to) {
            await redisFill(client, p, { from: first, to, bornMs }, keys, async (done) => {
              progress("redis")(done);
              if (done % 100_000 !== 0) return;
              const used = Number(/used_memory:(\d+)/.exec(String(await client.sendCommand(["INFO", "memory"])))?.[1]);
              if (used > budgetGiB * GiB) throw new Error(`memory guard: Redis holds ${(used / GiB).toFixed(1)} GiB at ${done} sessions (budget ${budgetGiB} GiB; SCALE_MEMORY_GIB)`);
            });
          }
        },
        footprint: async () => {
          const info = String(await client.sendCommand(["INFO", "memory"]));
          const used = Number(/used_memory:(\d+)/.exec(info)?.[1]);
          const keyCount = Number(await client.sendCommand(["DBSIZE"]));
          const perSession = used / serverSizes.at(-1)!;
          // What fits: Redis holds every session in memory, so its size is the limit of one server.
          const perTenGiB = Math.floor((10 * GiB) / perSession / 1e6);
          return `${(used / GiB).toFixed(2)} GiB used_memory, ${Math.round(perSession)} B per session with its user-index entry (${keyCount.toLocaleString("en-US")} keys): ~${perTenGiB}M sessions per 10 GiB`;
        },
      };
      const note = "own redis-server, no persistence; past 1,000, the commands of the store's create and userAdd scripts, 500 sessions per script call; expiry is Redis's TTL: no prune";
      return await measureStore(store, p, filler, serverSizes, { samples, bornMs, note, log });
    } finally {
      await client.quit();
    }
  } finally {
    await server.stop();
  }
}

async function postgres(): Promise<ScaleRow> {
  const { default: pg } = await import("pg");
  const { PostgresStore } = await import("sessionkit/stores/postgres");
  const sharedBuffersMb = 1024;
  // SCALE_PG_SETTINGS: server settings to try, space-separated (`jit=off`), named in the row's note.
  const extra = (process.env.SCALE_PG_SETTINGS ?? "").split(" ").filter(Boolean);
  const server = await startPostgres(sharedBuffersMb, extra);
  try {
    const pool = new pg.Pool({ connectionString: server.url, max: 8 });
    try {
      const store = new PostgresStore({ pool, table: tag });
      const p = population(tag, serverSizes.at(-1)!);
      const filler: Filler = {
        fill: async (from, to) => {
          const first = Math.min(to, Math.max(from, 1_000));
          await createAll(store, p, { from, to: first, window: 64, bornMs });
          if (first < to) await postgresFill(pool, tag, p, { from: first, to, bornMs }, progress("postgres"));
        },
        footprint: async () => {
          const { rows } = await pool.query<{ bytes: string }>(`SELECT pg_total_relation_size('"${tag}"') AS bytes`);
          return `${(Number(rows[0]!.bytes) / GiB).toFixed(2)} GiB table and indexes on disk, shared_buffers ${sharedBuffersMb} MB`;
        },
      };
      const settings = extra.length > 0 ? ` (server settings: ${extra.join(", ")})` : "";
      const note = `own cluster (initdb, fsync on)${settings}, 8 pooled connections; past 1,000, rows by INSERT … SELECT generate_series in the store's format`;
      return await measureStore(store, p, filler, serverSizes, { samples, bornMs, note, log });
    } finally {
      await pool.end();
    }
  } finally {
    await server.stop();
  }
}

/** Heap bytes per session in the memory store, measured over 100,000 sessions after a full GC. */
async function memoryBytesPerSession(): Promise<number> {
  const { MemoryStore } = await import("sessionkit/stores/memory");
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with --expose-gc to measure the memory store");
  const n = 100_000;
  const p = population(tag, n);
  const store = new MemoryStore({ maxEntries: n });
  gc();
  const before = process.memoryUsage().heapUsed;
  await createAll(store, p, { from: 0, to: n, window: 1_000, bornMs });
  gc();
  const bytes = (process.memoryUsage().heapUsed - before) / n;
  if ((await store.load(idHashOf(p, n - 1), storeContext())) === undefined) throw new Error("memory store lost a session");
  return bytes;
}

const rows: ScaleRow[] = [];
const failures: string[] = [];
const loadBefore = loadavg()[0]!;
for (const [name, run] of [["sqlite", sqlite], ["redis", redis], ["postgres", postgres]] as const) {
  if (!only.has(name)) continue;
  try {
    rows.push(await run());
  } catch (error) {
    const why = error instanceof Error ? `${error.name}: ${error.message.slice(0, 300)}` : "error";
    failures.push(`${name}: ${why}`);
    log(`${name} failed: ${why}`);
  }
}
const heapPerSession = only.has("memory") ? await memoryBytesPerSession() : undefined;
memory.stop();

const ms = (n: number): string => n.toFixed(3);
const count = (n: number): string => n.toLocaleString("en-US");
const lines = [
  "## Scale (`npm run bench:scale`)",
  "",
  `${new Date().toISOString().slice(0, 10)}, Node ${process.versions.node}, ${cpus().length} cores shared with other work (1-minute load average ${loadBefore.toFixed(1)} at the start; per row below). Through each store's API: \`load\` of a random existing session and \`apply\` (what a commit of a changed session writes) to a random one, ${count(samples)} sequential calls each per size; then \`destroyForUser\` ("log out everywhere") of a user with ${count(HEAVY_SESSIONS)} sessions (fewer below a million) spread among all the others, and \`prune\` of the rest once expired. A session holds a user name, a counter and a CSRF token, and has a user (four sessions per user). Memory in use on the whole shared machine (MemTotal − MemAvailable, every user's) went from ${memory.baselineGiB.toFixed(1)} GiB at the start to a peak of ${memory.peakGiB().toFixed(1)} GiB; each store's own size is in the second table.`,
  "",
  "| store | sessions | load p50 / p99 (ms) | apply p50 / p99 (ms) | load avg |",
  "|---|---|---|---|---|",
  ...rows.flatMap((r) => r.points.map((pt) => `| ${r.store} | ${count(pt.sessions)} | ${ms(pt.load.p50)} / ${ms(pt.load.p99)} | ${ms(pt.apply.p50)} / ${ms(pt.apply.p99)} | ${pt.loadAvg.toFixed(1)} |`)),
  "",
  "| store | sessions | log out one user everywhere | list that user's sessions | prune the rest, expired | fill | size | note |",
  "|---|---|---|---|---|---|---|---|",
  ...rows.map((r) => {
    const size = r.points.at(-1)!.sessions;
    const h = r.heavy;
    const logout = h === undefined ? "—" : "failed" in h ? `failed: ${h.failed}` : `${(h.logoutMs / 1000).toFixed(2)} s for ${count(h.sessions)} sessions (load avg ${h.loadAvg.toFixed(1)})`;
    const list = h === undefined || "failed" in h ? "—" : `${(h.listMs / 1000).toFixed(2)} s`;
    const prune = r.prune ? `${(r.prune.ms / 1000).toFixed(1)} s for ${count(r.prune.removed)}` : "—";
    return `| ${r.store} | ${count(size)} | ${logout} | ${list} | ${prune} | ${(r.fillMs / 1000).toFixed(0)} s | ${r.footprint} | ${r.note} |`;
  }),
  ...(heapPerSession === undefined ? [] : ["", `Memory store: about **${Math.round(heapPerSession)} bytes of heap per session** (100,000 sessions of the shape above, after a full GC).`]),
  ...(failures.length ? ["", "Not measured:", ...failures.map((f) => `- ${f}`)] : []),
];
writeSection(join(ROOT, "bench", "RESULTS.md"), "scale", lines.join("\n"));
log("wrote the scale section of bench/RESULTS.md");
