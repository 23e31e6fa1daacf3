/**
 * `sessionkit sessions` finds the tutorial's sessions with the tutorial's
 * own environment and no flag: on each store, start the tutorial as
 * `npm start` does, log in over HTTP, then list with the same SESSION_STORE
 * and SESSION_STORE_PREFIX (Redis, which cannot list every session, with
 * --user), and log the user out everywhere from the shell.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import pg from "pg";
import { createClient } from "redis";
import { hashSessionId } from "sessionkit";
import { probeService, serviceUnavailable } from "sessionkit/testing";
import { cliProcess } from "../cli/run-cli.js";
import { startTutorialProcess } from "../helpers/flask-app.js";
import { Visitor } from "./client.js";
import { logIn } from "./run-tutorial.js";

const SECRET = "tutorial-cli-sessions-secret-0123456789abcd";
const tag = randomBytes(4).toString("hex");
const dir = mkdtempSync(join(tmpdir(), "sk-tutorial-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The tutorial on `env`, a login as alice, then the CLI with the same environment. */
function sameEnvironment(kind: string, env: Record<string, string>, listArgs: string[] = []): void {
  test(`${kind}: the tutorial's login is listed, and revoked, from the shell with its environment`, async (t) => {
    const app = await startTutorialProcess({ SECRET_KEY: SECRET, ...env });
    t.after(() => app.stop());
    const alice = new Visitor(app.url);
    assert.equal((await logIn(alice, `alice-${tag}`)).status, 303);
    assert.match((await alice.get("/")).body, /Logged in as/);

    const listed = await cliProcess(["sessions", "list", "--json", ...listArgs], env);
    assert.equal(listed.code, 0, listed.err);
    const rows = JSON.parse(listed.out) as Array<{ idHashPrefix: string; userId: string | null }>;
    const mine = rows.find((r) => r.idHashPrefix === hashSessionId(alice.value!).slice(0, 12));
    assert.ok(mine, `alice's session is listed: ${listed.out}`);
    assert.equal(mine.userId, `alice-${tag}`);

    const revoked = await cliProcess(["sessions", "revoke", "--user", `alice-${tag}`, "--json"], env);
    assert.equal(revoked.code, 0, revoked.err);
    assert.deepEqual(JSON.parse(revoked.out), { revoked: 1 });
    assert.match((await alice.get("/")).body, /You are not logged in/, "the app sees the revocation");
    assert.ok(!`${listed.out}${listed.err}${revoked.out}`.includes(alice.value!), "the id is never printed");
  });
}

describe("sqlite and file", () => {
  sameEnvironment("sqlite", { SESSION_STORE: `sqlite:${join(dir, "tutorial.db")}` });
  sameEnvironment("file", { SESSION_STORE: `file:${join(dir, "sessions")}` });
});

describe("redis", async () => {
  const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const prefix = `sktut_cli_${tag}`;
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 3_000 } });
  client.on("error", () => {}); // the probe reports its own failure
  const unavailable = await probeService(`Redis at ${new URL(url).host}`, async () => void (await client.connect()));
  if (unavailable) {
    serviceUnavailable("the CLI on the tutorial's Redis", unavailable);
    return;
  }
  after(async () => {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 500 })) if (keys.length) await client.del(keys);
    client.destroy();
  });
  const env = { SESSION_STORE: url, SESSION_STORE_PREFIX: prefix };
  test("redis cannot list every session: list says to pass --user (64)", async () => {
    const run = await cliProcess(["sessions", "list"], env);
    assert.equal(run.code, 64);
    assert.match(run.err, /the redis store has no `list` \(it can only list one user's sessions: pass --user\)/);
  });
  sameEnvironment("redis", env, ["--user", `alice-${tag}`]);
});

describe("postgres", async () => {
  const url = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  const prefix = `sktcli_${tag}`;
  const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 3_000 });
  pool.on("error", () => {}); // the probe reports its own failure
  const unavailable = await probeService(`PostgreSQL at ${new URL(url).host}`, async () => void (await pool.query("SELECT 1")));
  if (unavailable) {
    await pool.end();
    serviceUnavailable("the CLI on the tutorial's PostgreSQL", unavailable);
    return;
  }
  after(async () => {
    await pool.query(`DROP TABLE IF EXISTS sessionkit_${prefix}`);
    await pool.end();
  });
  sameEnvironment("postgres", { SESSION_STORE: url, SESSION_STORE_PREFIX: prefix });
});
