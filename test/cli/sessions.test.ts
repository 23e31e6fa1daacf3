/**
 * `sessionkit sessions list|show|revoke|prune`, spawned as users run it
 * (bin/sessionkit.mjs), against real SQLite, Redis and PostgreSQL stores
 * filled through createSessions.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import pg from "pg";
import { createClient } from "redis";
import { createSessions, hashSessionId, type Store } from "../../src/index.js";
import { SqliteStore } from "../../src/stores/sqlite.js";
import { RedisStore } from "../../src/stores/redis.js";
import { PostgresStore } from "../../src/stores/postgres.js";
import { FileStore } from "../../src/stores/file.js";
import { FlaskSessionRedisStore } from "../../src/stores/flask-session.js";
import { probeService, serviceUnavailable } from "../../src/testing/index.js";
import { progressFrame } from "../../src/cli/stores/format.js";

const BIN = resolve(import.meta.dirname, "../../bin/sessionkit.mjs");
const tag = `${process.pid}_${randomBytes(3).toString("hex")}`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI (bounded: killed after 30 s). */
function cli(args: string[]): Promise<Run> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, SESSION_STORE: "", SESSION_STORE_PREFIX: "", SECRET_KEY: "", SESSION_FORMAT: "" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

interface Seeded {
  /** Raw ids (cookie values) of the live sessions: alice ×2, anonymous ×1. */
  alice: string[];
  anon: string;
  /** How many already-expired sessions were written. */
  expired: number;
}

const SECRET = "cli-test-secret-".repeat(3);

async function newSession(store: Store, data: Record<string, unknown>, user?: string, nowMs?: number): Promise<string> {
  const sessions = createSessions({ secret: SECRET, store, lifetime: "1h", ...(nowMs === undefined ? {} : { now: () => nowMs }) });
  const s = await sessions.load(undefined);
  for (const [k, v] of Object.entries(data)) s.set(k, v);
  if (user !== undefined) s.setUser(user);
  const cookie = ((await sessions.commit(s, { status: 200 })).setCookie).find((c) => c.startsWith("session="));
  assert.ok(cookie, "createSessions set a cookie");
  return cookie.split(";")[0]!.slice("session=".length);
}

async function seed(store: Store): Promise<Seeded> {
  const alice = [await newSession(store, { cart: ["book"] }, "alice"), await newSession(store, { theme: "dark" }, "alice")];
  const anon = await newSession(store, { visits: 3 });
  // Written two hours ago with a one-hour lifetime: expired now.
  await newSession(store, { old: true }, undefined, Date.now() - 7_200_000);
  return { alice, anon, expired: 1 };
}

const alive = async (store: Store, id: string): Promise<boolean> => {
  const sessions = createSessions({ secret: SECRET, store, lifetime: "1h" });
  return !(await sessions.load(`session=${id}`)).isNew;
};

/** The shared checks, for one store URL. */
function cliSuite(kind: string, make: () => Promise<{ store: Store; url: string; extra: string[] }>, canListAll: boolean, canPrune: boolean): void {
  describe(`sessions CLI on ${kind}`, () => {
    it("list, show, revoke by prefix, revoke --user and prune, with no whole id ever printed", async () => {
      const { store, url, extra } = await make();
      const seeded = await seed(store);
      const base = ["--store", url, ...extra];
      const everything: string[] = [];
      const run = async (args: string[]) => {
        const r = await cli(args);
        everything.push(r.stdout, r.stderr);
        return r;
      };

      const mine = await run(["sessions", "list", ...base, "--user", "alice", "--json"]);
      assert.equal(mine.code, 0, mine.stderr);
      const rows = JSON.parse(mine.stdout) as Array<{ idHashPrefix: string; userId: string; createdAt: string; expiresAt: string }>;
      assert.deepEqual(rows.map((r) => r.idHashPrefix).sort(), seeded.alice.map((id) => hashSessionId(id).slice(0, 12)).sort());
      for (const r of rows) {
        assert.equal(r.userId, "alice");
        assert.ok(Date.parse(r.expiresAt) > Date.now(), "expired sessions are not listed");
      }

      const all = await run(["sessions", "list", ...base]);
      if (canListAll) {
        assert.equal(all.code, 0, all.stderr);
        assert.match(all.stdout, /^ID \(hash prefix\)\s+USER\s+CREATED\s+EXPIRES$/m);
        assert.match(all.stdout, /^3 sessions$/m);
        assert.ok(all.stdout.includes(`${hashSessionId(seeded.anon).slice(0, 12)}…`));
      } else {
        assert.equal(all.code, 64, "a store without `list` is a usage error that names the method");
        assert.match(all.stderr, /has no `list`/);
      }

      const prefix = hashSessionId(seeded.alice[0]!).slice(0, 10);
      const shown = await run(["sessions", "show", ...base, prefix, "--user", "alice", "--json"]);
      assert.equal(shown.code, 0, shown.stderr);
      const detail = JSON.parse(shown.stdout) as { userId: string; data: Record<string, string>; frozen: boolean };
      assert.equal(detail.userId, "alice");
      assert.equal(detail.data.cart, '["book"]');
      assert.equal(detail.frozen, false);

      const none = await run(["sessions", "show", ...base, "zzzzzzzz", "--user", "alice"]);
      assert.equal(none.code, 65);
      assert.match(none.stderr, /no session matches/);

      const revoked = await run(["sessions", "revoke", ...base, prefix, "--user", "alice"]);
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.equal(await alive(store, seeded.alice[0]!), false, "the revoked session is gone");
      assert.equal(await alive(store, seeded.alice[1]!), true, "only that one");

      const byUser = await run(["sessions", "revoke", ...base, "--user", "alice", "--json"]);
      assert.equal(byUser.code, 0, byUser.stderr);
      assert.deepEqual(JSON.parse(byUser.stdout), { revoked: 1 });
      assert.equal(await alive(store, seeded.alice[1]!), false);
      assert.equal(await alive(store, seeded.anon), true, "another user's (anonymous) session survives");

      const pruned = await run(["sessions", "prune", ...base, "--batch", "1", "--json"]);
      assert.equal(pruned.code, 0, pruned.stderr);
      const result = JSON.parse(pruned.stdout) as { pruned: number; native?: boolean };
      if (canPrune) assert.equal(result.pruned, seeded.expired, "exactly the expired session, in batches of one");
      else assert.deepEqual(result, { pruned: 0, native: true });
      assert.equal(pruned.stderr, "", "no progress bar when stderr is not a terminal");

      const text = everything.join("\n");
      for (const id of [...seeded.alice, seeded.anon]) {
        assert.ok(!text.includes(id), "a raw session id was printed");
        assert.ok(!text.includes(hashSessionId(id)), "a whole id hash was printed");
      }
    });
  });
}

// --- SQLite: always available.
const dir = mkdtempSync(join(tmpdir(), "sk-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));
cliSuite("sqlite", async () => {
  const path = join(dir, "sessions.db");
  const db = new Database(path);
  after(() => db.close());
  return { store: new SqliteStore({ db }), url: `sqlite:${path}`, extra: [] };
}, true, true);

// --- Redis.
const REDIS_URL = "redis://127.0.0.1:6379";
const redis = createClient({ url: REDIS_URL, socket: { reconnectStrategy: false, connectTimeout: 2_000 } });
redis.on("error", () => {});
const redisSkip = await probeService(`Redis at ${REDIS_URL}`, async () => {
  await redis.connect();
});
const redisPrefix = `sk-test:cli:${tag}:`;
if (redisSkip) serviceUnavailable("sessions CLI on redis", redisSkip);
else {
  after(async () => {
    for await (const keys of redis.scanIterator({ MATCH: `${redisPrefix}*`, COUNT: 1000 })) if (keys.length) await redis.del(keys);
    redis.destroy();
  });
  const prefix = `${redisPrefix}sess:`;
  const userPrefix = `${redisPrefix}user:`;
  cliSuite("redis", async () => ({
    store: new RedisStore({ client: redis, prefix, userPrefix }),
    url: REDIS_URL,
    extra: ["--prefix", prefix, "--user-prefix", userPrefix],
  }), false, false);
  // Flask-Session's records are keyed by raw ids: the CLI still lists hashes, and show/revoke reach a session by its hash.
  const keyPrefix = `${redisPrefix}flask:session:`;
  const metaPrefix = `${redisPrefix}flask:meta:`;
  cliSuite("flask-session", async () => ({
    store: new FlaskSessionRedisStore({ client: redis, keyPrefix, metaPrefix }),
    url: `flask-session+${REDIS_URL}`,
    extra: ["--prefix", keyPrefix, "--meta-prefix", metaPrefix],
  }), false, false);
}

// --- Files: always available.
cliSuite("file", async () => {
  const directory = join(dir, "file-store");
  return { store: new FileStore({ directory }), url: `file:${directory}`, extra: [] };
}, true, true);

// --- PostgreSQL.
const PG_URL = "postgres://postgres@127.0.0.1:5432/test";
const pool = new pg.Pool({ connectionString: PG_URL, max: 2, connectionTimeoutMillis: 3_000 });
pool.on("error", () => {});
const pgSkip = await probeService(`PostgreSQL at ${PG_URL}`, async () => {
  await pool.query("SELECT 1");
});
const table = `sk_cli_${tag}`;
if (pgSkip) {
  serviceUnavailable("sessions CLI on postgres", pgSkip);
  await pool.end();
} else {
  after(async () => {
    await pool.query(`DROP TABLE IF EXISTS ${table}`);
    await pool.end();
  });
  cliSuite("postgres", async () => ({ store: new PostgresStore({ pool, table }), url: PG_URL, extra: ["--table", table] }), true, true);
}

describe("sessions CLI: usage", () => {
  it("--help documents every subcommand and the store URLs; a missing --store or subcommand is exit 64", async () => {
    const help = await cli(["sessions", "--help"]);
    assert.equal(help.code, 0);
    for (const word of ["list", "show", "revoke", "prune", "sqlite:PATH", "redis://", "postgres://", "--json", "--user"]) {
      assert.ok(help.stdout.includes(word), `help mentions ${word}`);
    }
    const noStore = await cli(["sessions", "list"]);
    assert.equal(noStore.code, 64);
    assert.match(noStore.stderr, /--store URL is required/);
    const noSub = await cli(["sessions", "--store", "sqlite:/nonexistent"]);
    assert.equal(noSub.code, 64);
    const badUrl = await cli(["sessions", "list", "--store", "mysql://secret-password@host/db"]);
    assert.equal(badUrl.code, 64);
    assert.ok(!badUrl.stderr.includes("secret-password"), "the URL is never echoed");
  });

  it("a store that cannot be opened is exit 69, with the cause in words, and nothing is created", async () => {
    const missing = join(dir, "missing.db");
    const r = await cli(["sessions", "list", "--store", `sqlite:${missing}`]);
    assert.equal(r.code, 69);
    assert.equal(r.stderr.trim(), `sessionkit sessions: could not open the sqlite store at ${missing} (table sessionkit_sessions): no such file or folder (ENOENT): create it, or correct the path`);
    assert.equal(existsSync(missing), false, "no empty database was made");
  });

  it("prune on a file store reports session files it could not read, and still prunes the rest", async () => {
    const directory = join(dir, "damaged-store");
    const store = new FileStore({ directory });
    await newSession(store, { old: true }, undefined, Date.now() - 7_200_000);
    writeFileSync(join(directory, "A".repeat(43)), "not json");
    const json = await cli(["sessions", "prune", "--store", `file:${directory}`, "--json"]);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), { pruned: 1, batches: 2, unreadable: 1 });
    const text = await cli(["sessions", "prune", "--store", `file:${directory}`]);
    assert.match(text.stdout, /^pruned 0 expired sessions\n1 session file could not be read and was left in place$/m);
  });

  it("the prune progress frame moves its marker and shows count and rate", () => {
    assert.equal(progressFrame(0, 0, 0, 10), "\r[===       ] pruned 0 (0/s)");
    assert.equal(progressFrame(3, 3_000, 1_500, 10), "\r[   ===    ] pruned 3,000 (2,000/s)");
    assert.equal(progressFrame(7, 7_000, 1_000, 10), "\r[       ===] pruned 7,000 (7,000/s)");
    assert.equal(progressFrame(8, 8_000, 1_000, 10), "\r[      === ] pruned 8,000 (8,000/s)", "bounces back at the end");
  });
});
