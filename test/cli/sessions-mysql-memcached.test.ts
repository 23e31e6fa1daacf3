/**
 * The CLI's `--store mysql://…` and `--store memcached://…`, on servers this
 * file starts itself: list a user's sessions, revoke them, and a table that
 * is not there is reported, never created.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import mysql from "mysql2/promise";
import { MemcachedStore } from "../../src/stores/memcached.js";
import { MysqlStore } from "../../src/stores/mysql.js";
import type { Store } from "../../src/core/store.js";
import { ctx, randomIdHash, record, serviceUnavailable } from "../../src/testing/index.js";
import { loadMemcacheClient } from "../helpers/memcache-client.js";
import { startMariadb, startMemcached } from "../helpers/spawned-server.js";
import { cliInProcess } from "./run-cli.js";

/** Two sessions of `u-1`, one of `u-2`; then the CLI lists and revokes `u-1`'s. */
async function listAndRevoke(store: Store, url: string): Promise<void> {
  const mine = [randomIdHash(), randomIdHash()];
  const theirs = randomIdHash();
  for (const id of mine) await store.create(id, record({ a: "1" }, { userId: "u-1" }), ctx());
  await store.create(theirs, record({ a: "1" }, { userId: "u-2" }), ctx());
  const listed = await cliInProcess(["sessions", "list", "--store", url, "--user", "u-1", "--json"]);
  assert.equal(listed.code, 0, listed.err);
  // The CLI prints id hashes truncated (idHashPrefix).
  const prefixes = (JSON.parse(listed.out) as Array<{ idHashPrefix: string }>).map((s) => s.idHashPrefix);
  assert.equal(prefixes.length, 2);
  for (const id of mine) assert.ok(prefixes.some((prefix) => prefix.length >= 8 && id.startsWith(prefix)), "each of u-1's sessions is listed");
  const revoked = await cliInProcess(["sessions", "revoke", "--store", url, "--user", "u-1"]);
  assert.equal(revoked.code, 0, revoked.err);
  for (const id of mine) assert.equal(await store.load(id, ctx()), undefined);
  assert.ok(await store.load(theirs, ctx()), "another user's session stays");
}

const mariadb = await startMariadb();
if (mariadb.skip !== undefined) {
  serviceUnavailable("sessions CLI on mysql://", mariadb.skip);
} else {
  const { server } = mariadb;
  const admin = await mysql.createConnection({ host: "127.0.0.1", port: server.port, user: "root" });
  await admin.query("CREATE DATABASE cli_test");
  await admin.end();
  const pool = mysql.createPool({ host: "127.0.0.1", port: server.port, user: "root", database: "cli_test", connectionLimit: 4 });
  after(async () => {
    await pool.end();
    await server.stop();
  });
  const url = `mysql://root@127.0.0.1:${server.port}/cli_test`;

  describe("sessions CLI on mysql://", () => {
    it("lists a user's sessions and revokes them", () => listAndRevoke(new MysqlStore({ pool }), url));

    it("a table that is not there is exit 69 with the cause in words, and is not created", async () => {
      const run = await cliInProcess(["sessions", "list", "--store", url, "--table", "nope"]);
      assert.equal(run.code, 69);
      assert.match(run.err, /the table does not exist \(ER_NO_SUCH_TABLE\)/);
      const [rows] = await pool.query("SELECT 1 FROM information_schema.tables WHERE table_schema = 'cli_test' AND table_name = 'nope'");
      assert.deepEqual(rows, []);
    });
  });
}

// The CLI imports memcache-client by its package name: the scratch install the store tests fall back on does not count.
const bare = await import("memcache-client").then(() => undefined, () => "the memcache-client package is not installed (npm install -D memcache-client@1.0.5)");
const loaded = await loadMemcacheClient();
const memcached = bare === undefined ? await startMemcached() : { skip: bare };
if (memcached.skip !== undefined || loaded.MemcacheClient === undefined) {
  serviceUnavailable("sessions CLI on memcached://", memcached.skip ?? loaded.skip ?? "memcache-client is not installed");
} else {
  const { server } = memcached;
  // 10 s per command, as the store's own memcached tests: the client's default 5 s is the one way it rejects
  // a gets on a live connection, and a loaded two-core machine has come close to it.
  const client = new loaded.MemcacheClient({ server: `127.0.0.1:${server.port}`, cmdTimeout: 10_000 });
  after(async () => {
    client.shutdown();
    await server.stop();
  });
  describe("sessions CLI on memcached://", () => {
    it("lists a user's sessions and revokes them (SESSION_STORE_PREFIX is the key prefix P:)", async () => {
      await listAndRevoke(new MemcachedStore({ client, prefix: "sessionkit:" }), `memcached://127.0.0.1:${server.port}`);
    });
  });
}
