/**
 * Store mode's load: from a cookie's id to a session, or to nothing. An id
 * of the wrong syntax, an unknown id, a record that cannot be parsed or
 * that the schema refuses, a frozen id past its grace window and a timed-out
 * record all give undefined (a fresh session) and an event; a timed-out
 * record is destroyed on the way.
 */
import type { EventHandler } from "./events.js";
import { hashSessionId, isForeignIdSyntax, isSessionIdSyntax } from "./ids.js";
import type { ResolvedOptions } from "./options.js";
import { schemaIssues } from "./schema.js";
import type { LoadedRecord } from "./session-state.js";
import { Session } from "./session.js";
import type { Store, StoreContext } from "./store.js";
import { isValidRecord, parseValues } from "./store-record.js";
import { callStore } from "./timeout.js";

/** How many id → hash results a manager keeps (about 100 bytes each). */
const HASH_CACHE_ENTRIES = 4_096;

/**
 * Opens stored sessions for store mode (store-mode.ts), and keeps the id →
 * hash cache its writes share.
 *
 * @example
 * const loader = new StoreLoader(options, store, emit);
 * const opened = await loader.open(cookieValue, Date.now());
 */
export class StoreLoader {
  readonly #o: ResolvedOptions;
  readonly #store: Store;
  readonly #hashes = new Map<string, string>();
  readonly #emit: EventHandler;

  constructor(options: ResolvedOptions, store: Store, emit: EventHandler) {
    this.#o = options;
    this.#store = store;
    this.#emit = emit;
  }

  /** A store call with core's clock, deadline, retry and event rules (see callStore). */
  #call<T>(operation: string, nowMs: number, run: (ctx: StoreContext) => Promise<T>): Promise<T> {
    return callStore(this.#store, this.#o.storeTimeoutMs, this.#emit, operation, nowMs, run);
  }

  async open<Data extends Record<string, unknown>>(value: string, nowMs: number): Promise<{ session: Session<Data>; record: LoadedRecord } | undefined> {
    const raw = this.#store.rawIds === true;
    // An id in the hash cache passed this check before (or was made here): a returning visitor's is not walked again.
    let idHash = raw ? undefined : this.#hashes.get(value);
    if (idHash === undefined) {
      if (raw ? !isForeignIdSyntax(value) : !isSessionIdSyntax(value)) {
        this.#emit({ type: "cookie_rejected", reason: "bad_id" });
        return undefined;
      }
      idHash = this.key(value);
    }
    const eventPrefix = (raw ? hashSessionId(value) : idHash).slice(0, 8);
    const record = await this.#call("load", nowMs, (ctx) => this.#store.load(idHash, ctx));
    if (record === undefined) {
      this.#emit({ type: "cookie_rejected", reason: "unknown_id", idHashPrefix: eventPrefix });
      return undefined;
    }
    const parsed = isValidRecord(record) ? parseValues(record.data) : undefined;
    if (parsed === undefined) {
      // Written by something else (a Flask app, a hand edit, a corruption): never a 500, never the bad data.
      this.#emit({ type: "cookie_rejected", reason: "bad_payload", idHashPrefix: eventPrefix });
      return undefined;
    }
    if (this.#o.schema !== undefined && schemaIssues(this.#o.schema, parsed.values) !== undefined) {
      // The app's schema refuses what is stored (an older version of the app wrote it): a fresh session, the record left alone.
      this.#emit({ type: "cookie_rejected", reason: "invalid_data", idHashPrefix: eventPrefix });
      return undefined;
    }
    if (record.frozen === true && record.readableUntilMs !== undefined && nowMs >= record.readableUntilMs) {
      // Regenerated, and past its grace window: kept by the store only as the link a logout follows.
      this.#emit({ type: "cookie_rejected", reason: "unknown_id", idHashPrefix: eventPrefix });
      return undefined;
    }
    const absolute = this.#o.absoluteTimeoutSeconds;
    const idleOver = nowMs >= record.expiresAtMs;
    const absoluteOver = absolute !== undefined && nowMs >= record.createdAtMs + absolute * 1000;
    if (idleOver || absoluteOver) {
      this.#emit({ type: "cookie_rejected", reason: idleOver ? "idle_timeout" : "absolute_timeout", idHashPrefix: eventPrefix });
      if (!record.frozen) await this.#call("destroy", nowMs, (ctx) => this.#store.destroy(idHash, ctx));
      return undefined;
    }
    const loaded: LoadedRecord = {
      id: value,
      idHash,
      publicIdHash: raw ? hashSessionId(value) : idHash,
      eventPrefix,
      createdAtMs: record.createdAtMs,
      expiresAtMs: record.expiresAtMs,
      userId: record.userId,
      frozen: record.frozen === true,
      successor: record.successor,
    };
    return { session: new Session<Data>(parsed.values, false, parsed.texts), record: loaded };
  }

  /**
   * The key the store sees: the id's SHA-256, or the raw id for a store that
   * asks for it (Flask-Session). A visitor sends the same id on every
   * request, so the last few thousand hashes are kept (a SHA-256 was ~3% of
   * a memory-store request's CPU); the map is bounded and evicts the oldest.
   */
  key(id: string): string {
    if (this.#store.rawIds === true) return id;
    let hash = this.#hashes.get(id);
    if (hash === undefined) {
      hash = hashSessionId(id);
      if (this.#hashes.size >= HASH_CACHE_ENTRIES) this.#hashes.delete(this.#hashes.keys().next().value!);
      this.#hashes.set(id, hash);
    }
    return hash;
  }
}
