/**
 * `npm run bench:scale`: does a store stay fast with a million sessions?
 *
 * For SQLite, Redis and PostgreSQL (through sessionkit's own stores) it
 * measures `load` latency (p50, p99 of random reads) at 1,000 sessions and
 * again at SCALE_SESSIONS (default 1,000,000), then the time `prune` takes
 * to remove them all once expired; for the memory store, the heap one
 * session costs. Writes the "scale" section of `bench/RESULTS.md` and cleans
 * up after itself (its own table, key prefix and temp file).
 *
 * Knobs: SCALE_SESSIONS, SCALE_SAMPLES (2,000 loads per point), SCALE_ONLY
 * (comma list of sqlite, redis, postgres, memory), REDIS_URL, PG_URL.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { storeContext, type Store, type StoreRecord } from "sessionkit";
import { ROOT } from "./build.js";
import { writeSection } from "./report.js";

const total = Math.max(Number(process.env.SCALE_SESSIONS ?? 1_000_000), 2_000);
const samples = Math.min(Number(process.env.SCALE_SAMPLES ?? 2_000), 100_000);
const only = new Set((process.env.SCALE_ONLY ?? "sqlite,redis,postgres,memory").split(","));
const tag = `scale_${process.pid}`;
const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** A deterministic 43-char id hash for session `i` (what core would pass a store). */
const idHashOf = (i: number): string => createHash("sha256").update(`${tag}:${i}`).digest("base64url");

/** A typical small session: a user name, a counter, a CSRF token. */
function recordAt(i: number, nowMs: number): StoreRecord {
  const data = Object.create(null) as Record<string, string>;
  data.user = JSON.stringify(`user-${i}`);
  data.n = String(i);
  data.csrf = JSON.stringify(idHashOf(i).slice(0, 32));
  return { data, createdAtMs: nowMs, expiresAtMs: nowMs + 86_400_000 };
}

/** Grow the store from `from` to `to` sessions, `window` creates in flight at a time. */
async function fill(store: Store, from: number, to: number, window: number, batch?: (run: () => Promise<void>) => Promise<void>): Promise<number> {
  const t0 = performance.now();
  const nowMs = Date.now();
  for (let start = from; start < to; start += 10_000) {
    const end = Math.min(start + 10_000, to);
    const run = async (): Promise<void> => {
      for (let i = start; i < end; i += window) {
        const pending: Promise<boolean>[] = [];
        for (let j = i; j < Math.min(i + window, end); j++) pending.push(store.create(idHashOf(j), recordAt(j, nowMs), storeContext(nowMs)));
        const created = await Promise.all(pending);
        if (created.includes(false)) throw new Error(`${store.name}: a create collided; is the table or prefix fresh?`);
      }
    };
    await (batch ? batch(run) : run());
    if ((end / 10_000) % 10 === 0) log(`  ${store.name}: ${end.toLocaleString("en-US")} sessions`);
  }
  return performance.now() - t0;
}

/** p50 and p99 of `samples` sequential loads of random existing sessions, in ms. */
async function loadLatency(store: Store, count: number): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let s = 0; s < samples; s++) {
    const i = Math.floor(Math.random() * count);
    const t0 = performance.now();
    const record = await store.load(idHashOf(i), storeContext());
    times.push(performance.now() - t0);
    if (record === undefined) throw new Error(`${store.name}: session ${i} of ${count} is missing`);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(times.length * 0.5)] ?? Number.NaN, p99: times[Math.floor(times.length * 0.99)] ?? Number.NaN };
}

interface ScaleRow {
  store: string;
  small: { p50: number; p99: number };
  large: { p50: number; p99: number };
  fillMs: number;
  pruneMs: number | undefined;
  pruned: number | undefined;
  note: string;
}

async function measureStore(
  store: Store,
  window: number,
  note: string,
  batch?: (run: () => Promise<void>) => Promise<void>,
  bulk?: (from: number, to: number) => Promise<number>,
): Promise<ScaleRow> {
  log(`${store.name}: filling`);
  let fillMs = await fill(store, 0, 1_000, window, batch);
  const small = await loadLatency(store, 1_000);
  fillMs += bulk ? await bulk(1_000, total) : await fill(store, 1_000, total, window, batch);
  const large = await loadLatency(store, total);
  let pruneMs: number | undefined;
  let pruned: number | undefined;
  if (store.prune) {
    // Every record expires in a day: prune as of two days from now finds all of them expired.
    const t0 = performance.now();
    pruned = await store.prune(Date.now() + 2 * 86_400_000);
    pruneMs = performance.now() - t0;
    if (pruned !== total) throw new Error(`${store.name}: prune removed ${pruned} of ${total}`);
  }
  log(`${store.name}: load p50 ${small.p50.toFixed(3)} → ${large.p50.toFixed(3)} ms, prune ${pruneMs?.toFixed(0) ?? "n/a"} ms`);
  return { store: store.name, small, large, fillMs, pruneMs, pruned, note };
}

async function sqlite(): Promise<ScaleRow> {
  const { default: Database } = await import("better-sqlite3");
  const { SqliteStore } = await import("sessionkit/stores/sqlite");
  const dir = mkdtempSync(join(tmpdir(), "sessionkit-scale-"));
  const db = new Database(join(dir, "sessions.db"));
  try {
    const store = new SqliteStore({ db, table: tag });
    // One outer transaction per 10,000 creates (each create's own transaction becomes a savepoint):
    // the fill is setup, not what is measured.
    const batch = async (run: () => Promise<void>): Promise<void> => {
      db.exec("BEGIN");
      await run();
      db.exec("COMMIT");
    };
    return await measureStore(store, 1, "file on local disk, WAL", batch);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function redis(): Promise<ScaleRow> {
  const { createClient } = await import("redis");
  const { RedisStore } = await import("sessionkit/stores/redis");
  const client = createClient({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" });
  await client.connect();
  const prefix = `${tag}:`;
  try {
    const row = await measureStore(new RedisStore({ client, prefix }), 256, "expiry is Redis's own TTL: no prune needed");
    return row;
  } finally {
    // Leave nothing behind in the shared Redis.
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 5_000 })) {
      const list = Array.isArray(keys) ? keys : [keys];
      if (list.length > 0) await client.unlink(list);
    }
    await client.quit();
  }
}

async function postgres(): Promise<ScaleRow> {
  const { default: pg } = await import("pg");
  const { PostgresStore } = await import("sessionkit/stores/postgres");
  const pool = new pg.Pool({ connectionString: process.env.PG_URL ?? "postgres://postgres@127.0.0.1:5432/test", max: 8 });
  try {
    // Past the first 1,000 (created through the store), rows are cloned from one the store wrote,
    // in bulk INSERT … SELECT statements: the store's one-row create costs ~1 ms here, so a
    // million would take ~20 minutes of filling for a measurement of reads and prune.
    const bulk = async (from: number, to: number): Promise<number> => {
      const t0 = performance.now();
      for (let start = from; start < to; start += 100_000) {
        const end = Math.min(start + 100_000, to) - 1;
        await pool.query(
          `INSERT INTO "${tag}" (id_hash, data, created_at_ms, expires_at_ms, user_id, frozen)
           SELECT translate(rtrim(encode(sha256(convert_to($1 || i::text, 'UTF8')), 'base64'), '='), '+/', '-_'),
                  t.data, t.created_at_ms, t.expires_at_ms, t.user_id, t.frozen
           FROM generate_series($2::int, $3::int) AS i, (SELECT * FROM "${tag}" WHERE id_hash = $4) AS t`,
          [`${tag}:`, start, end, idHashOf(0)],
        );
        log(`  postgres: ${(end + 1).toLocaleString("en-US")} sessions`);
      }
      await pool.query(`ANALYZE "${tag}"`);
      return performance.now() - t0;
    };
    return await measureStore(new PostgresStore({ pool, table: tag }), 64, "local server, 8 pooled connections; rows past 1,000 bulk-cloned from a store-written one", undefined, bulk);
  } finally {
    await pool.query(`DROP TABLE IF EXISTS "${tag}" CASCADE`).catch((error: unknown) => log(`could not drop ${tag}: ${error instanceof Error ? error.name : "error"}`));
    await pool.end();
  }
}

/** Heap bytes per session in the memory store, measured over 100,000 sessions after a full GC. */
async function memoryBytesPerSession(): Promise<number> {
  const { MemoryStore } = await import("sessionkit/stores/memory");
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with --expose-gc to measure the memory store");
  const n = 100_000;
  const store = new MemoryStore({ maxEntries: n });
  gc();
  const before = process.memoryUsage().heapUsed;
  await fill(store, 0, n, 1_000);
  gc();
  const bytes = (process.memoryUsage().heapUsed - before) / n;
  if ((await store.load(idHashOf(n - 1), storeContext())) === undefined) throw new Error("memory store lost a session");
  return bytes;
}

const rows: ScaleRow[] = [];
const failures: string[] = [];
for (const [name, run] of [["sqlite", sqlite], ["redis", redis], ["postgres", postgres]] as const) {
  if (!only.has(name)) continue;
  try {
    rows.push(await run());
  } catch (error) {
    const why = error instanceof Error ? `${error.name}: ${error.message.slice(0, 200)}` : "error";
    failures.push(`${name}: ${why}`);
    log(`${name} failed: ${why}`);
  }
}
const memory = only.has("memory") ? await memoryBytesPerSession() : undefined;

const ms = (n: number): string => n.toFixed(3);
const lines = [
  "## Scale (`npm run bench:scale`)",
  "",
  `${new Date().toISOString().slice(0, 10)}, Node ${process.versions.node}. \`store.load\` of random existing sessions (${samples.toLocaleString("en-US")} sequential loads per point), then \`store.prune\` of all ${total.toLocaleString("en-US")} once expired. Sessions hold a user name, a counter and a CSRF token.`,
  "",
  `| store | load p50 / p99 at 1,000 (ms) | load p50 / p99 at ${total.toLocaleString("en-US")} (ms) | prune ${total.toLocaleString("en-US")} expired | fill time | note |`,
  "|---|---|---|---|---|---|",
  ...rows.map(
    (r) =>
      `| ${r.store} | ${ms(r.small.p50)} / ${ms(r.small.p99)} | ${ms(r.large.p50)} / ${ms(r.large.p99)} | ${r.pruneMs === undefined ? "—" : `${(r.pruneMs / 1000).toFixed(1)} s`} | ${(r.fillMs / 1000).toFixed(0)} s | ${r.note} |`,
  ),
  ...(memory === undefined ? [] : ["", `Memory store: about **${Math.round(memory)} bytes of heap per session** (100,000 sessions of the shape above, after a full GC).`]),
  ...(failures.length ? ["", "Not measured:", ...failures.map((f) => `- ${f}`)] : []),
];
writeSection(join(ROOT, "bench", "RESULTS.md"), "scale", lines.join("\n"));
log("wrote the scale section of bench/RESULTS.md");
