/**
 * The MySQL store on a MariaDB server this file starts itself (a spare port,
 * a temporary folder, stopped afterwards): the shared suites, then what is
 * particular to this store.
 */
import { after } from "node:test";
import mysql from "mysql2/promise";
import { MysqlStore } from "../../src/stores/mysql.js";
import { serviceUnavailable, testSessionsOnStore, testStore, type MakeStore } from "../../src/testing/index.js";
import { startMariadb } from "../helpers/spawned-server.js";
import { registerMysqlSpecifics } from "./mysql-specifics.js";

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
  testSessionsOnStore("mysql (MariaDB)", fixture);
  registerMysqlSpecifics(pool, server);
}
