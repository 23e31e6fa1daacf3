/**
 * A store that fails while the tutorial runs: the visitor gets the 503 page,
 * and the server's log says why in words (never a password or an id). Redis
 * is a private redis-server stopped and started again under the app; the
 * PostgreSQL case drops this test's own table on the shared server.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, describe, test } from "node:test";
import pg from "pg";
import { probeService, serviceUnavailable } from "sessionkit/testing";
import { startTutorialProcess, type ServedProcess } from "../helpers/flask-app.js";
import { Visitor } from "./client.js";
import { logIn, redisServerMissing, startRedisServer } from "./run-tutorial.js";

const SECRET = "tutorial-store-log-test-secret-0123456789ab";

/** Wait until the process's stderr matches, or fail after `ms` (30 s: a reconnect on a loaded machine can take seconds). */
async function logged(app: ServedProcess, pattern: RegExp, ms = 30_000): Promise<string> {
  const deadline = Date.now() + ms;
  while (!pattern.test(app.stderr())) {
    if (Date.now() > deadline) assert.fail(`the log never said ${pattern}: ${app.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return app.stderr();
}

describe("redis goes away and comes back", () => {
  const missing = redisServerMissing();
  if (missing) {
    serviceUnavailable("tutorial log on a Redis outage", missing);
    return;
  }
  test("one line when the connection is lost, a 503 logged with its cause, one line when it is back", async (t) => {
    let redis = await startRedisServer([]);
    const port = redis.port;
    const app = await startTutorialProcess({ SECRET_KEY: SECRET, SESSION_STORE: `redis://127.0.0.1:${port}` });
    t.after(async () => {
      await app.stop();
      await redis.stop();
    });
    const v = new Visitor(app.url);
    assert.equal((await logIn(v, "alice")).status, 303);
    assert.ok(v.value, "a session was created in Redis");

    await redis.stop();
    const log = await logged(app, /lost the connection/);
    assert.match(log, new RegExp(`tutorial: SESSION_STORE: lost the connection to redis \\(127\\.0\\.0\\.1:${port}\\): .+; reconnecting\\.`));
    const down = await v.get("/");
    assert.equal(down.status, 503);
    assert.match(down.body, /The redis session store is not answering/);
    const answered = await logged(app, /answered 503/);
    assert.match(answered, /tutorial: answered 503 \(sessionkit: the redis store did not answer `load` in time; check that it is up and reachable/);
    assert.equal(answered.match(/lost the connection/g)?.length, 1, "one line per outage, not one per retry");

    redis = await startRedisServer([], port); // the same port: the app reconnects by itself
    await logged(app, new RegExp(`connected to redis \\(127\\.0\\.0\\.1:${port}\\) again`), 30_000);
    assert.ok(!app.stderr().includes(v.value!), "the session id is never logged");
  });
});

describe("postgres loses its table", async () => {
  const url = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 3_000 });
  pool.on("error", () => {}); // the probe reports its own failure
  const unavailable = await probeService(`PostgreSQL at ${new URL(url).host}`, async () => void (await pool.query("SELECT 1")));
  if (unavailable) {
    await pool.end();
    serviceUnavailable("tutorial log on a PostgreSQL failure", unavailable);
    return;
  }
  const prefix = `sklog_${randomBytes(5).toString("hex")}`;
  const table = `sessionkit_${prefix}`;
  after(async () => {
    await pool.query(`DROP TABLE IF EXISTS ${table}`);
    await pool.end();
  });

  test("a request after the table is dropped: 503, and the log says the table does not exist (42P01)", async (t) => {
    const app = await startTutorialProcess({ SECRET_KEY: SECRET, SESSION_STORE: url, SESSION_STORE_PREFIX: prefix });
    t.after(() => app.stop());
    const v = new Visitor(app.url);
    assert.equal((await logIn(v, "bob")).status, 303);
    await pool.query(`DROP TABLE ${table}`);
    const reply = await v.get("/");
    assert.equal(reply.status, 503);
    assert.match(reply.body, /The postgres session store cannot be used right now/);
    const log = await logged(app, /answered 503/);
    assert.match(log, /tutorial: answered 503 \(sessionkit: the postgres store failed on `load`: the table does not exist \(SQLSTATE 42P01\): create it/);
    assert.ok(!log.includes(v.value!), "the session id is never logged");
  });
});
