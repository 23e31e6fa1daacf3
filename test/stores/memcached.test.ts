/**
 * The Memcached store on a memcached this file starts itself (a spare port,
 * stopped afterwards): the shared suites, then what is particular to it.
 */
import { after } from "node:test";
import { randomBytes } from "node:crypto";
import { MemcachedStore } from "../../src/stores/memcached.js";
import { serviceUnavailable, testSessionsOnStore, testStore, type MakeStore } from "../../src/testing/index.js";
import { loadMemcacheClient } from "../helpers/memcache-client.js";
import { startMemcached, type StartResult } from "../helpers/spawned-server.js";
import { dumpKeys } from "./memcached-raw.js";
import { registerMemcachedSpecifics } from "./memcached-specifics.js";

const loaded = await loadMemcacheClient();
const started: StartResult = loaded.skip === undefined ? await startMemcached() : { skip: loaded.skip };
if (started.skip !== undefined || loaded.MemcacheClient === undefined) {
  serviceUnavailable("MemcachedStore", started.skip ?? "memcache-client is not installed");
} else {
  const { server } = started;
  const { MemcacheClient } = loaded;
  const client = new MemcacheClient({ server: `127.0.0.1:${server.port}`, cmdTimeout: 10_000 });
  after(async () => {
    client.shutdown();
    await server.stop();
  });

  const fixture: MakeStore = async () => {
    const prefix = `t${randomBytes(6).toString("hex")}:`;
    return {
      store: new MemcachedStore({ client, prefix, userBatchSize: 4 }),
      userBatchSize: 4,
      // Memcached's own copy of this store's items (expired ones drop out on their own).
      cleanup: async () => {},
      // Every item under the prefix, key and value, one a line: what `lru_crawler metadump` and a get show.
      dump: async () => (await dumpKeys(server.port, prefix)).join("\n"),
    };
  };

  testStore("memcached", fixture, { heavy: true });
  testSessionsOnStore("memcached", fixture);
  registerMemcachedSpecifics(MemcacheClient, client, server);
}
