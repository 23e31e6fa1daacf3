import type { Loaded, TestClient } from "../helpers/memcache-client.js";
import type { SpawnedServer } from "../helpers/spawned-server.js";

/** The Memcached store's own tests. */
export function registerMemcachedSpecifics(_MemcacheClient: NonNullable<Loaded["MemcacheClient"]>, _client: TestClient, _server: SpawnedServer): void {}
