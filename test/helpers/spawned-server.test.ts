/**
 * startMemcached and startMariadb pick a spare port before the server binds
 * it; another process may take it in between. Each case hands them a port
 * that is already taken, as that race leaves it, and checks that they end up
 * on a server of their own (it reports the child's pid: memcached in `stats`,
 * MariaDB in the pid file `@@pid_file` names), never on whatever holds the
 * port; and that ports which stay taken fail naming each port and the
 * server's own words.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { serviceUnavailable } from "../../src/testing/index.js";
import { mariadbPid, memcachedPid, startMariadb, startMemcached, type SpawnedServer, type StartResult } from "./spawned-server.js";
import { holdPort, picker } from "./taken-port.js";

/** The server a start gave, failing the test with its skip reason otherwise. */
function started(result: StartResult): SpawnedServer {
  assert.equal(result.skip, undefined);
  return result.server!;
}

if (!["/usr/bin/memcached", "/usr/local/bin/memcached"].some((path) => existsSync(path))) {
  serviceUnavailable("throwaway memcached starts", "Memcached is not installed (apt-get install memcached)");
} else {
  describe("starting a throwaway memcached when its port was taken before it bound it", () => {
    it("moves to a new port when a plain TCP server holds the picked one", async () => {
      const holder = await holdPort();
      const { pickPort, picks } = picker(holder.port);
      try {
        const server = started(await startMemcached([], { pickPort }));
        try {
          assert.deepEqual(picks, [holder.port, server.port]);
          assert.equal(await memcachedPid(server.port), server.pid);
        } finally {
          await server.stop();
        }
      } finally {
        holder.server.close();
      }
    });

    it("never takes another memcached on the port for its own, and leaves it alone", async () => {
      const other = started(await startMemcached());
      const { pickPort, picks } = picker(other.port);
      try {
        const server = started(await startMemcached([], { pickPort }));
        try {
          assert.deepEqual(picks, [other.port, server.port]);
          assert.notEqual(server.port, other.port);
          assert.equal(await memcachedPid(server.port), server.pid);
          assert.equal(await memcachedPid(other.port), other.pid, "the other server was left alone");
        } finally {
          await server.stop();
        }
      } finally {
        await other.stop();
      }
    });

    it("a port that stays taken fails after 5 tries, naming the port and the server's last log line", async () => {
      const holder = await holdPort();
      try {
        const result = await startMemcached([], { pickPort: async () => holder.port });
        assert.equal(result.server, undefined);
        const tries = result.skip!.split("\n").filter((line) => line.startsWith(`port ${holder.port}: exited at start`) && line.includes("Address already in use"));
        assert.match(result.skip!, /^memcached did not start \(.*memcached did not start on any of 5 ports:/);
        assert.equal(tries.length, 5, result.skip);
      } finally {
        holder.server.close();
      }
    });
  });
}

if (!existsSync("/usr/sbin/mariadbd") && !existsSync("/usr/sbin/mysqld")) {
  serviceUnavailable("throwaway mariadbd starts", "MariaDB is not installed (mariadbd, mariadb-install-db; apt-get install mariadb-server)");
} else {
  describe("starting a throwaway mariadbd when its port was taken before it bound it", () => {
    it("moves to a new port when a plain TCP server holds the picked one; a port that stays taken fails naming it", async () => {
      const holder = await holdPort();
      const { pickPort, picks } = picker(holder.port);
      try {
        const server = started(await startMariadb({ pickPort }));
        try {
          assert.deepEqual(picks, [holder.port, server.port]);
          assert.equal(await mariadbPid(server.port), server.pid);
        } finally {
          await server.stop();
        }
        const result = await startMariadb({ pickPort: async () => holder.port });
        assert.equal(result.server, undefined);
        const tries = result.skip!.split("\n").filter((line) => line.startsWith(`port ${holder.port}: exited at start`) && line.includes(`another server running on port: ${holder.port}`));
        assert.equal(tries.length, 5, result.skip);
      } finally {
        holder.server.close();
      }
    });

    it("never takes another mariadbd on the port for its own, and leaves it alone", async () => {
      const other = started(await startMariadb());
      const { pickPort, picks } = picker(other.port);
      try {
        const server = started(await startMariadb({ pickPort }));
        try {
          assert.deepEqual(picks, [other.port, server.port]);
          assert.equal(await mariadbPid(server.port), server.pid);
          assert.equal(await mariadbPid(other.port), other.pid, "the other server was left alone");
        } finally {
          await server.stop();
        }
      } finally {
        await other.stop();
      }
    });
  });
}
