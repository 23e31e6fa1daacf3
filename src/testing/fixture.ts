/**
 * What a store's test file hands the shared suites: a way to make a fresh,
 * isolated store and to clean it up after.
 */
import type { Store } from "../core/store.js";

/**
 * One isolated store for one test. `dump`, when given, returns everything the
 * backing service holds for this store (keys and values, as text), so the
 * suites can prove that no raw session id is ever written.
 *
 * @example
 * const make: MakeStore = async () => ({ store: new MemoryStore(), cleanup: async () => {} });
 */
export interface StoreFixture {
  store: Store;
  cleanup(): Promise<void>;
  dump?(): Promise<string>;
  /**
   * The batch size the store was built with for user-wide work
   * (`destroyForUser`, `listForUser`), when it has one: the suite then gives
   * one user more sessions than three batches. Build the test store with a
   * small one (a handful) so that the walk across batches is exercised.
   */
  userBatchSize?: number;
}

/**
 * Factory of isolated stores; called once per test.
 *
 * @example
 * const make: MakeStore = async () => { const db = new Database(":memory:"); return { store: new SqliteStore({ db }), cleanup: async () => db.close() }; };
 */
export type MakeStore = () => Promise<StoreFixture>;

/**
 * Options shared by `testStore` and `testSessionsOnStore`.
 *
 * @example
 * testStore("redis", make, { skip: await probeService("Redis", ping), heavy: true });
 */
export interface SuiteOptions {
  /** A reason to skip (the service is unreachable): fails instead under `CI=true`. */
  skip?: string | undefined;
  /** Also run the heavy variants (1,000 concurrent writers). */
  heavy?: boolean | undefined;
  /** The store keys records by raw id (`store.rawIds`, Flask-Session): the hashed-id test does not apply. */
  rawIds?: boolean | undefined;
}

/**
 * Run `fn` with a fresh store and always clean it up, even when `fn` throws.
 *
 * @example
 * await withStore(make, async ({ store }) => { assert.equal(await store.load("x"), undefined); });
 */
export async function withStore<T>(make: MakeStore, fn: (fixture: StoreFixture) => Promise<T>): Promise<T> {
  const fixture = await make();
  try {
    return await fn(fixture);
  } finally {
    await fixture.cleanup();
  }
}
