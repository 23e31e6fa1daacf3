/**
 * The MySQL store on a MariaDB server this file starts itself (a spare port,
 * a temporary folder, stopped afterwards): the shared suites, then what is
 * particular to this store.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import mysql from "mysql2/promise";
import { MysqlStore } from "../../src/stores/mysql.js";
import { serviceUnavailable, testSessionsOnStore, testStore, type MakeStore } from "../../src/testing/index.js";
import { startMariadb } from "../helpers/spawned-server.js";
import { registerMysqlSpecifics } from "./mysql-specifics.js";
import { registerRaceTests } from "../../src/testing/store-suite-races.js";

const started = await startMariadb();
if (started.skip !== undefined) {
  serviceUnavailable("MysqlStore on MariaDB", started.skip);
} else {
  const { server } = started;
  const admin = await mysql.createConnection({ host: "127.0.0.1", port: server.port, user: "root" });
  await admin.query("CREATE DATABASE sessionkit_test");
  await admin.end();
  const pool = mysql.createPool({ host: "127.0.0.1", port: server.port, user: "root", database: "sessionkit_test", connectionLimit: 20 });
  after(async () => {
    await pool.end();
    await server.stop();
  });

  let counter = 0;
  const fixture: MakeStore = async () => {
    const table = `sk_${(counter += 1)}`;
    return {
      store: new MysqlStore({ pool, table, userBatchSize: 4 }),
      userBatchSize: 4,
      cleanup: async () => void (await pool.query(`DROP TABLE IF EXISTS \`${table}\``)),
      // Every row as text, one a line: what a dump of the table shows (none before the first migration).
      dump: async () => {
        const [exists] = await pool.query("SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?", [table]);
        if ((exists as unknown[]).length === 0) return "";
        const [rows] = await pool.query(`SELECT * FROM \`${table}\` ORDER BY id_hash`);
        return (rows as Record<string, unknown>[]).map((r) => JSON.stringify(r, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString("latin1") : v))).join("\n");
      },
    };
  };

  testStore("mysql (MariaDB)", fixture, { heavy: true });

  // READ COMMITTED (a common server default) takes no gap locks: a batch's locking read does not hold
  // back a racing rotate's insert, so only the walk (the frozen row keeps its user, its successor
  // link is followed) meets the new id. The race again, with every connection at that level.
  const committed = mysql.createPool({ host: "127.0.0.1", port: server.port, user: "root", database: "sessionkit_test", connectionLimit: 20 });
  committed.pool.on("connection", (c) => void c.query("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED"));
  after(() => committed.end());
  describe("mysql (MariaDB) at READ COMMITTED", () => {
    registerRaceTests(async () => {
      const table = `sk_rc_${(counter += 1)}`;
      return {
        store: new MysqlStore({ pool: committed, table, userBatchSize: 4 }),
        userBatchSize: 4,
        cleanup: async () => void (await committed.query(`DROP TABLE IF EXISTS \`${table}\``)),
      };
    });
    it("runs every connection of the pool at READ COMMITTED", async () => {
      const [rows] = await committed.query("SELECT @@SESSION.tx_isolation AS level");
      assert.equal((rows as Array<{ level: string }>)[0]?.level, "READ-COMMITTED");
    });
  });
  testSessionsOnStore("mysql (MariaDB)", fixture);
  registerMysqlSpecifics(pool, server);
}
