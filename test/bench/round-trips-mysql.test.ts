// Issue #20: the MySQL store's round trips per request, read off the wire
// (test/bench/counting-clients.ts) between mysql2 and a MariaDB this file
// starts itself, so a statement prepared or a limit set behind the store's
// back is counted too. One pooled connection, so each statement is prepared
// once, as on a warm server; the counts are of warm requests.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import mysql from "mysql2/promise";
import { createSessions } from "../../src/index.js";
import { MysqlStore } from "../../src/stores/mysql.js";
import { serviceUnavailable } from "../../src/testing/index.js";
import { startMariadb } from "../helpers/spawned-server.js";
import { mysqlWire } from "./counting-clients.js";

const SECRET = "round-trips-secret-0123456789abcdef-0123456789";
/** A warm write: the load, then one transaction. */
const WRITE = ["execute SELECT", "query START", "execute SELECT FOR UPDATE", "execute UPDATE", "query COMMIT"];

/** A logged-in visitor on `store`, with a clock the test moves. */
async function visitor(store: MysqlStore): Promise<{ read: () => Promise<void>; write: () => Promise<void>; clock: { nowMs: number } }> {
  const clock = { nowMs: Date.now() };
  const sessions = createSessions<{ user?: string; n?: number }>({ secret: SECRET, store, lifetime: "1h", now: () => clock.nowMs });
  const first = await sessions.load(undefined, { secure: false });
  first.set("user", "alice");
  first.set("n", 0);
  const cookie = (await sessions.commit(first, { status: 200 })).setCookie[0]!.split(";", 1)[0]!;
  let n = 0;
  const v = {
    clock,
    read: async () => {
      const s = await sessions.load(cookie, { secure: false });
      assert.equal(s.get("user"), "alice");
      await sessions.commit(s, { status: 200 });
    },
    write: async () => {
      const s = await sessions.load(cookie, { secure: false });
      s.set("n", (n += 1));
      await sessions.commit(s, { status: 200 });
    },
  };
  // Warm: every statement a read and a write use is prepared on the connection.
  await v.write();
  await v.read();
  return v;
}

const started = await startMariadb();
if (started.skip !== undefined) {
  serviceUnavailable("MySQL round trips on MariaDB", started.skip);
} else {
  const { server } = started;
  const admin = await mysql.createConnection({ host: "127.0.0.1", port: server.port, user: "root" });
  await admin.query("CREATE DATABASE sessionkit_rt");
  await admin.end();
  const wire = mysqlWire("127.0.0.1", server.port);
  const pool = mysql.createPool({ stream: wire.stream, user: "root", database: "sessionkit_rt", connectionLimit: 1 });
  after(async () => {
    await pool.end();
    await server.stop();
  });
  const during = async (fn: () => Promise<void>): Promise<string[]> => {
    wire.reset();
    await fn();
    return wire.commands();
  };

  describe("MySQL (MariaDB): round trips per request, on the wire", () => {
    it("a read is one round trip: the load's SELECT (with its time limit inside the statement)", async () => {
      const v = await visitor(new MysqlStore({ pool, table: "rt_default" }));
      assert.deepEqual(await during(v.read), ["execute SELECT"]);
    });
    // MariaDB scopes the row lock wait and the statement time to each statement (SET STATEMENT … FOR):
    // no SET before the transaction and none after to put the connection's own limits back.
    it("a write is the load and one transaction: START, the row locked and read, the UPDATE, COMMIT", async () => {
      const v = await visitor(new MysqlStore({ pool, table: "rt_write" }));
      assert.deepEqual(await during(v.write), WRITE);
    });
    it("a write once the touch is due is still the load and one transaction (the new expiry rides in the UPDATE)", async () => {
      const v = await visitor(new MysqlStore({ pool, table: "rt_touch_write" }));
      v.clock.nowMs += 50 * 60_000;
      assert.deepEqual(await during(v.write), WRITE);
    });
    it("a read once the touch is due adds one transaction for the touch, then reads are one round trip again", async () => {
      const v = await visitor(new MysqlStore({ pool, table: "rt_touch_read" }));
      v.clock.nowMs += 50 * 60_000;
      await v.read(); // the touch's UPDATE is prepared on the connection
      v.clock.nowMs += 50 * 60_000;
      assert.deepEqual(await during(v.read), ["execute SELECT", "query START", "execute SELECT FOR UPDATE", "execute UPDATE", "query COMMIT"]);
      assert.deepEqual(await during(v.read), ["execute SELECT"]);
    });
    it("a new session's first commit is its INSERT in one transaction", async () => {
      const store = new MysqlStore({ pool, table: "rt_create" });
      await visitor(store); // its INSERT is prepared on the connection
      const sessions = createSessions<{ user?: string }>({ secret: SECRET, store });
      const fresh = await sessions.load(undefined, { secure: false });
      fresh.set("user", "bob");
      assert.deepEqual(await during(async () => void (await sessions.commit(fresh, { status: 200 }))), ["query START", "execute INSERT", "query COMMIT"]);
    });
    it("with statementTimeoutMs: 0 the same statements run, without limits", async () => {
      const v = await visitor(new MysqlStore({ pool, table: "rt_untimed", statementTimeoutMs: 0 }));
      assert.deepEqual(await during(v.read), ["execute SELECT"]);
      assert.deepEqual(await during(v.write), WRITE);
    });
  });
}
