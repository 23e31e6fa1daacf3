/**
 * `npm start` against a store it cannot use fails fast and says why: it
 * exits on its own within 5 seconds (more only by what this machine needs to
 * boot Node at all), with the exit code README.md gives, and one line naming
 * SESSION_STORE, the host:port and the cause in words — never a password.
 * One case per store kind, each broken for real: a closed port, a Redis
 * that wants a password, a role and a database that do not exist, folders
 * this process cannot write, a malformed URL.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { probeService, serviceUnavailable } from "sessionkit/testing";
import { freePort } from "../helpers/flask-app.js";
import { bootCost, redisServerMissing, runToExit, startRedisServer, unwritableFolder, type Exited } from "./run-tutorial.js";

const STORE_UNAVAILABLE = 69;
const CONFIG = 78;
const PASSWORD = `pw-${randomBytes(6).toString("hex")}`;
const PG_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

let budgetMs = 5_000;
before(async () => {
  // Booting Node, tsx and Express is not the start-up check's to save: on a machine too loaded to boot
  // in 2 s, the bound grows by what booting cost. A tutorial that hangs or retries forever still fails it.
  budgetMs = Math.max(5_000, (await bootCost()) + 3_000);
});

/** The run exited by itself, in time, with `code`, naming the variable and `where`, saying `why`, and no secret. */
function failedFast(run: Exited, code: number, where: string, why: RegExp, secret = PASSWORD): void {
  assert.notEqual(run.code, null, `it did not exit on its own: ${run.output}`);
  assert.equal(run.code, code, run.output);
  assert.ok(run.ms < budgetMs, `exited after ${Math.round(run.ms)} ms (budget ${budgetMs} ms)`);
  assert.match(run.output, /SESSION_STORE/, "names the variable");
  assert.ok(run.output.includes(where), `names ${where}: ${run.output}`);
  assert.match(run.output, why);
  assert.ok(!run.output.includes(secret), "the password is not printed");
  assert.doesNotMatch(run.output, /\n\s+at .+:\d+:\d+/, "no stack trace");
}

test("the README gives the exit codes these tests expect", () => {
  const readme = readFileSync(new URL("../../examples/tutorial/README.md", import.meta.url), "utf8");
  assert.match(readme, /\| `69` \| .*store/);
  assert.match(readme, /\| `78` \| .*SESSION_STORE/);
});

describe("redis", () => {
  test("nothing listening: connection refused, host and port, exit 69", async () => {
    const port = await freePort();
    const run = await runToExit({ SESSION_STORE: `redis://:${PASSWORD}@127.0.0.1:${port}` });
    failedFast(run, STORE_UNAVAILABLE, `127.0.0.1:${port}`, /connection refused \(ECONNREFUSED\)/);
  });

  const missing = redisServerMissing();
  if (missing) {
    serviceUnavailable("tutorial start-up on a Redis that wants a password", missing);
    return;
  }
  let redis: Awaited<ReturnType<typeof startRedisServer>>;
  before(async () => {
    redis = await startRedisServer(["--requirepass", `other-${PASSWORD}`]);
  });
  after(async () => redis?.stop());

  test("a password is needed: NOAUTH in words", async () => {
    const run = await runToExit({ SESSION_STORE: `redis://127.0.0.1:${redis.port}` });
    failedFast(run, STORE_UNAVAILABLE, `127.0.0.1:${redis.port}`, /requires a password \(NOAUTH\): put it in the URL/);
  });

  test("a wrong password: WRONGPASS in words, the password never printed", async () => {
    const run = await runToExit({ SESSION_STORE: `redis://:${PASSWORD}@127.0.0.1:${redis.port}` });
    failedFast(run, STORE_UNAVAILABLE, `127.0.0.1:${redis.port}`, /refused the user name or password \(WRONGPASS\)/);
  });
});

describe("postgres", async () => {
  test("nothing listening: connection refused", async () => {
    const port = await freePort();
    const run = await runToExit({ SESSION_STORE: `postgres://app:${PASSWORD}@127.0.0.1:${port}/app` });
    failedFast(run, STORE_UNAVAILABLE, `127.0.0.1:${port}`, /connection refused \(ECONNREFUSED\)/);
  });

  const pool = new pg.Pool({ connectionString: PG_URL, max: 1, connectionTimeoutMillis: 3_000 });
  pool.on("error", () => {}); // the probe reports its own failure
  const unavailable = await probeService(`PostgreSQL at ${new URL(PG_URL).host}`, async () => void (await pool.query("SELECT 1")));
  await pool.end();
  if (unavailable) {
    serviceUnavailable("tutorial start-up on PostgreSQL", unavailable);
    return;
  }
  const server = new URL(PG_URL);
  const where = `${server.hostname}:${server.port || 5432}`;

  test("a role that does not exist: refused role (28000), the password never printed", async () => {
    const url = new URL(PG_URL);
    url.username = `sk_no_role_${randomBytes(4).toString("hex")}`;
    url.password = PASSWORD;
    const run = await runToExit({ SESSION_STORE: url.href });
    failedFast(run, STORE_UNAVAILABLE, where, /the server refused the role \(SQLSTATE 28000\)/);
  });

  test("a database that does not exist (3D000)", async () => {
    const url = new URL(PG_URL);
    url.pathname = `/sk_no_db_${randomBytes(4).toString("hex")}`;
    const run = await runToExit({ SESSION_STORE: url.href });
    failedFast(run, STORE_UNAVAILABLE, where, /the database does not exist \(SQLSTATE 3D000\): create it/);
  });
});

describe("sqlite and file", () => {
  const { dir, runAs } = unwritableFolder();
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("sqlite in a folder this process cannot write: cannot open (SQLITE_CANTOPEN)", async () => {
    const path = join(dir, "sessions.db");
    const run = await runToExit({ SESSION_STORE: `sqlite:${path}` }, { runAs });
    failedFast(run, STORE_UNAVAILABLE, path, /cannot open the database file \(SQLITE_CANTOPEN\): its folder must exist and be writable/);
  });

  test("sqlite in a folder that does not exist: no such folder (ENOENT)", async () => {
    const path = join(dir, "typo", "sessions.db");
    const run = await runToExit({ SESSION_STORE: `sqlite:${path}` });
    failedFast(run, STORE_UNAVAILABLE, path, /no such file or folder \(ENOENT\)/);
  });

  test("files in a folder this process cannot write: permission denied (EACCES)", async () => {
    const run = await runToExit({ SESSION_STORE: `file:${dir}` }, { runAs });
    failedFast(run, STORE_UNAVAILABLE, dir, /permission denied \(EACCES\)/);
  });
});

describe("a malformed URL", () => {
  test("is a configuration error naming SESSION_STORE, never echoing the URL (exit 78)", async () => {
    const run = await runToExit({ SESSION_STORE: `redis://:${PASSWORD}@127.0.0.1:99999` });
    failedFast(run, CONFIG, "SESSION_STORE", /is not a valid URL/);
    const unknown = await runToExit({ SESSION_STORE: `mongodb://root:${PASSWORD}@db/app` });
    failedFast(unknown, CONFIG, "SESSION_STORE", /use sqlite, sqlite:PATH, memory, cookie, redis:\/\/HOST:PORT.*mysql:\/\/USER@HOST\/DB, memcached:\/\/HOST:PORT/);
  });
});
