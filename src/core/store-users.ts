/**
 * Store mode's user index: the sessions of one user ("Your devices"),
 * ending one of them by its id hash, and "log out everywhere". Each follows
 * a loaded session to the id it lives under now, so a request that came
 * with an old id (in its grace window) names the session that id moved to.
 */
import { ConfigError } from "./errors.js";
import type { EventHandler } from "./events.js";
import type { UserSession } from "./device.js";
import type { ResolvedOptions } from "./options.js";
import type { LoadedRecord } from "./session-state.js";
import type { Session } from "./session.js";
import type { Store, StoreContext } from "./store.js";
import { describeSessions, ID_HASH } from "./store-devices.js";
import { storeState } from "./store-record.js";
import { callStore } from "./timeout.js";

/**
 * The user-index half of store mode (store-mode.ts delegates to it).
 *
 * @example
 * const users = new StoreUsers(options, store, emit);
 * await users.destroyAllForUser("42", undefined, Date.now());
 */
export class StoreUsers {
  readonly #o: ResolvedOptions;
  readonly #store: Store;
  readonly #idleMs: number;
  readonly #emit: EventHandler;

  constructor(options: ResolvedOptions, store: Store, emit: EventHandler) {
    this.#o = options;
    this.#store = store;
    this.#idleMs = (options.idleTimeoutSeconds ?? options.lifetimeSeconds) * 1000;
    this.#emit = emit;
  }

  /** A store call with core's clock, deadline, retry and event rules (see callStore). */
  #call<T>(operation: string, nowMs: number, run: (ctx: StoreContext) => Promise<T>): Promise<T> {
    return callStore(this.#store, this.#o.storeTimeoutMs, this.#emit, operation, nowMs, run);
  }

  async listForUser(userId: string, nowMs: number, current?: Session<any>): Promise<UserSession[]> {
    const store = this.#userIndex("listForUser");
    const listed = await this.#call("listForUser", nowMs, (ctx) => store.listForUser!(userId, ctx));
    const record = current === undefined ? undefined : storeState(current).record;
    const currentHash = record === undefined ? undefined : await this.#current(record, nowMs);
    const load = this.#o.devices ? (idHash: string) => this.#call("load", nowMs, (ctx) => this.#store.load(idHash, ctx)) : undefined;
    return describeSessions(listed, { currentHash, idleMs: this.#idleMs, lifetimeSeconds: this.#o.lifetimeSeconds, load });
  }

  async destroySession(idHash: string, userId: string | undefined, nowMs: number): Promise<boolean> {
    if (this.#store.rawIds === true) {
      throw new ConfigError("store", `the ${this.#store.name} store keys records by raw id, so a session cannot be ended by its id hash.`);
    }
    // A form field or a URL is network input: anything but a SHA-256 in base64url names no session.
    if (typeof idHash !== "string" || !ID_HASH.test(idHash)) return false;
    const stored = await this.#call("load", nowMs, (ctx) => this.#store.load(idHash, ctx));
    if (stored === undefined || stored.frozen === true || nowMs >= stored.expiresAtMs) return false;
    if (userId !== undefined && stored.userId !== userId) return false;
    await this.#call("destroy", nowMs, (ctx) => this.#store.destroy(idHash, ctx));
    this.#emit({ type: "destroyed", idHashPrefix: idHash.slice(0, 8) });
    return true;
  }

  async destroyAllForUser(userId: string, except: Session<any> | undefined, nowMs: number): Promise<number> {
    const store = this.#userIndex("destroyForUser");
    const record = except === undefined ? undefined : storeState(except).record;
    const exceptHash = record === undefined ? undefined : await this.#current(record, nowMs);
    return this.#call("destroyForUser", nowMs, (ctx) => store.destroyForUser!(userId, exceptHash, ctx));
  }

  /**
   * The id hash a loaded session lives under now: a request that came with an
   * old id (in its grace window), or whose session another request rotated
   * since it loaded, means the session that id moved to. A request that came
   * with an old id starts from the successor its record named: the store
   * keeps the old record only until the latest of its own idle expiry, the
   * grace end and the successor's first idle expiry, which may have passed
   * since (when other requests kept the session alive).
   */
  async #current(record: LoadedRecord, nowMs: number): Promise<string> {
    let idHash = record.frozen && record.successor !== undefined ? record.successor : record.idHash;
    for (let hop = 0; hop < 16; hop++) {
      const current = idHash;
      const stored = await this.#call("load", nowMs, (ctx) => this.#store.load(current, ctx));
      if (stored?.frozen !== true || stored.successor === undefined) break;
      idHash = stored.successor;
    }
    return idHash;
  }

  #userIndex(method: "listForUser" | "destroyForUser"): Store {
    if (typeof this.#store[method] !== "function") {
      throw new ConfigError("store", `the ${this.#store.name} store has no user index (${method}); use a store that has one.`);
    }
    return this.#store;
  }}
