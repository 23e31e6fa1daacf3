/**
 * Automatic cleanup of expired records, for stores without native expiry
 * (SQLite, PostgreSQL, MySQL, files): Flask-Session's SESSION_CLEANUP_N_REQUESTS
 * and connect-pg-simple's prune interval, as the option
 * `createSessions({ autoPrune: { every, everyRequests } })`.
 *
 * It lives in core, not in each store, because core owns time: the prune is
 * given core's clock (`options.now`), like every other store call. It never
 * runs on a request's path: a request only counts itself, and a due prune is
 * started on a later turn of the event loop, unawaited. One prune runs at a
 * time per manager, and the store's `pruneExclusive` keeps processes (and
 * other managers on the same store) from pruning at once: the one that finds
 * the store's prune lock taken skips its turn. `close()` stops it.
 */
import { ConfigError } from "./errors.js";
import { parseDurationSeconds, type Duration } from "./duration.js";
import type { EventHandler } from "./events.js";
import type { Store } from "./store.js";
import { describeStoreCause } from "./store-cause.js";

/**
 * When to prune expired records (at least one of the two).
 *
 * @example
 * createSessions({ secret, store, autoPrune: { every: "10m" } });
 * createSessions({ secret, store, autoPrune: { everyRequests: 1000 } });
 */
export interface AutoPruneOptions {
  /** On a timer (unref'd: it never keeps the process alive), this often: seconds or `"10m"`, at least 1 s. */
  every?: Duration;
  /** After every this many loaded sessions (Flask-Session's SESSION_CLEANUP_N_REQUESTS). */
  everyRequests?: number;
}

/** The checked options. */
export interface ResolvedAutoPrune {
  readonly everyMs: number | undefined;
  readonly everyRequests: number | undefined;
}

/**
 * Check `autoPrune` against the store it will prune.
 *
 * @example
 * const resolved = resolveAutoPrune({ every: "5m" }, store); // { everyMs: 300000, everyRequests: undefined }
 */
export function resolveAutoPrune(options: AutoPruneOptions | undefined, store: Store | undefined): ResolvedAutoPrune | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== "object") throw new ConfigError("autoPrune", "pass { every: \"10m\" } or { everyRequests: 1000 }.");
  if (store === undefined) throw new ConfigError("autoPrune", "there is no store to prune: cookie sessions expire with their signature.");
  if (typeof store.prune !== "function" && typeof store.pruneExclusive !== "function") {
    throw new ConfigError("autoPrune", `the ${store.name} store expires records itself (it has no prune); remove autoPrune.`);
  }
  const everyMs = options.every === undefined ? undefined : parseDurationSeconds(options.every, "autoPrune.every") * 1000;
  if (everyMs !== undefined && everyMs < 1000) throw new ConfigError("autoPrune.every", "use at least 1 second.");
  const everyRequests = options.everyRequests;
  if (everyRequests !== undefined && (!Number.isSafeInteger(everyRequests) || everyRequests < 1)) {
    throw new ConfigError("autoPrune.everyRequests", "use a whole number ≥ 1.");
  }
  if (everyMs === undefined && everyRequests === undefined) throw new ConfigError("autoPrune", "give `every` (a duration), `everyRequests`, or both.");
  return Object.freeze({ everyMs, everyRequests });
}

/**
 * Runs a store's prune on a timer and every N requests, off the request path.
 *
 * @example
 * const pruner = new AutoPruner(store, { everyMs: 60_000, everyRequests: undefined }, Date.now, () => {});
 * pruner.request(); // on each load
 * await pruner.close();
 */
export class AutoPruner {
  readonly #store: Store;
  readonly #options: ResolvedAutoPrune;
  readonly #now: () => number;
  readonly #emit: EventHandler;
  #timer: ReturnType<typeof setInterval> | undefined;
  #requests = 0;
  #running: Promise<void> | undefined;
  #closed = false;

  constructor(store: Store, options: ResolvedAutoPrune, now: () => number, emit: EventHandler) {
    this.#store = store;
    this.#options = options;
    this.#now = now;
    this.#emit = emit;
    if (options.everyMs !== undefined) {
      this.#timer = setInterval(() => this.#start(), options.everyMs);
      this.#timer.unref?.();
    }
  }

  /** Count one loaded session; start a prune, on a later turn, when it is due. Never waits. */
  request(): void {
    const every = this.#options.everyRequests;
    if (every === undefined || this.#closed) return;
    this.#requests += 1;
    if (this.#requests < every) return;
    this.#requests = 0;
    setImmediate(() => this.#start());
  }

  /** Stop the timer, and wait for a prune already running to finish. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** Start a prune unless one is running or the pruner is closed. */
  #start(): void {
    if (this.#running !== undefined || this.#closed) return;
    this.#running = this.#run().finally(() => {
      this.#running = undefined;
    });
  }

  async #run(): Promise<void> {
    const store = this.#store;
    try {
      const nowMs = this.#now();
      const removed = store.pruneExclusive ? await store.pruneExclusive(nowMs) : await store.prune!(nowMs);
      this.#emit(removed === undefined ? { type: "prune_skipped", store: store.name } : { type: "pruned", store: store.name, removed });
    } catch (error) {
      // No request to fail, and the next turn tries again: the event is the only report, so it carries
      // the cause in words (codes and classes only, never a message that could hold a secret).
      this.#emit({ type: "store_error", store: store.name, operation: "prune", timedOut: false, cause: describeStoreCause(error) });
    }
  }
}
