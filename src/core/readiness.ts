/**
 * The start-up check behind `sessions.ready()`: can this app use its store?
 * An app that starts on a store it cannot use answers every request 503;
 * one that checks first can refuse to start and say why.
 *
 * The check uses only the Store contract, through core's deadline and error
 * handling, so it works on every store: a `load` of an id nobody holds (it
 * reaches the server, authenticates, finds the database, the table or the
 * folder), then a `create` and a `destroy` of a probe record (the store
 * accepts writes: a read-only file, a replica or a missing privilege fail
 * here). The probe expires within a minute should its `destroy` fail.
 */
import type { EventHandler } from "./events.js";
import { hashSessionId, newSessionId } from "./ids.js";
import type { ResolvedOptions } from "./options.js";
import type { Store, StoreRecord } from "./store.js";
import { callStore } from "./timeout.js";

/** How long the probe record would live if its `destroy` failed. */
const PROBE_LIFETIME_MS = 60_000;

/**
 * Check one store: load, create, destroy, each under `options.storeTimeoutMs`.
 * Throws the StoreError of the first call that fails.
 *
 * @example
 * await probeStore(store, options, emit);
 */
export async function probeStore(store: Store, options: ResolvedOptions, emit: EventHandler): Promise<void> {
  const id = newSessionId();
  // A store keyed by raw ids (Flask-Session's) gets a raw id, as core gives it in requests.
  const key = store.rawIds === true ? id : hashSessionId(id);
  const nowMs = options.now();
  await callStore(store, options.storeTimeoutMs, emit, "load", nowMs, (ctx) => store.load(key, ctx));
  const probe: StoreRecord = { data: Object.create(null) as Record<string, string>, createdAtMs: nowMs, expiresAtMs: nowMs + PROBE_LIFETIME_MS };
  await callStore(store, options.storeTimeoutMs, emit, "create", nowMs, (ctx) => store.create(key, probe, ctx));
  await callStore(store, options.storeTimeoutMs, emit, "destroy", nowMs, (ctx) => store.destroy(key, ctx));
}

/**
 * Check every store the options name (the session store, the revocation
 * store); resolves at once in cookie mode, which has none.
 *
 * @example
 * await storesReady(resolveOptions({ secret, store }), () => {});
 */
export async function storesReady(options: ResolvedOptions, emit: EventHandler): Promise<void> {
  for (const store of [options.store, options.revocationStore]) {
    if (store !== undefined) await probeStore(store, options, emit);
  }
}
