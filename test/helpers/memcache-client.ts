/**
 * memcache-client for the tests (a devDependency), loaded lazily: absent, it
 * is a reason to skip, which fails the run under CI=true.
 */
import type { MemcachedClientLike } from "../../src/stores/memcached.js";

/** The part of memcache-client's MemcacheClient the tests use (typed here: the package may not be installed). */
export interface TestClient extends MemcachedClientLike {
  set(key: string, value: string, options?: { lifetime?: number }): Promise<unknown>;
  get(key: string): Promise<{ value: unknown } | undefined>;
  shutdown(): void;
}

/** Its options the tests use. */
export interface TestClientOptions {
  server: string;
  cmdTimeout?: number;
  connectTimeout?: number;
}

/** A memcache-client constructor, or why there is none. */
export type Loaded = { MemcacheClient: new (options: TestClientOptions) => TestClient; skip?: undefined } | { MemcacheClient?: undefined; skip: string };

/**
 * Load memcache-client.
 *
 * @example
 * const { MemcacheClient, skip } = await loadMemcacheClient();
 */
export async function loadMemcacheClient(): Promise<Loaded> {
  for (const specifier of ["memcache-client"]) {
    try {
      const module = (await import(specifier)) as { MemcacheClient?: Loaded["MemcacheClient"]; default?: { MemcacheClient?: Loaded["MemcacheClient"] } };
      const MemcacheClient = module.MemcacheClient ?? module.default?.MemcacheClient;
      if (MemcacheClient) return { MemcacheClient };
    } catch (error) {
      if ((error as { code?: unknown }).code !== "ERR_MODULE_NOT_FOUND") throw error;
    }
  }
  return { skip: "the memcache-client package is not installed (npm install -D memcache-client@1.0.5)" };
}
