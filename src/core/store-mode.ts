/**
 * Server-side mode: the cookie holds a random id, the data lives in a store.
 *
 * What it guarantees beyond Flask-Session and express-session:
 * - only the keys a request changed are written, as one atomic change-set,
 *   so concurrent requests never lose each other's keys;
 * - a write never creates a record (`apply` on a missing record writes
 *   nothing), and regenerate is one atomic `rotate`, so a request in flight
 *   cannot bring back a destroyed session nor leave two live successors;
 * - an id the server never issued is never adopted, and loading one writes nothing;
 * - idle and absolute timeouts are checked here on every load, whatever the
 *   store's TTL did; a record that cannot be parsed loads as a fresh session;
 * - the store sees only SHA-256 hashes of ids, and each call has a deadline.
 *
 * Loading a record is in store-load.ts, what it trusts of a record in
 * store-record.ts, the user index ("Your devices", "log out everywhere") in
 * store-users.ts.
 */
import { SessionInterruptedError } from "./errors.js";
import type { EventHandler } from "./events.js";
import { newSessionId } from "./ids.js";
import type { UserSession } from "./device.js";
import type { Mode, RequestFacts } from "./mode.js";
import type { ResolvedOptions } from "./options.js";
import { RESERVED_KEYS, SessionData } from "./session-data.js";
import type { LoadedRecord, StoreState } from "./session-state.js";
import { Session, sessionInternals } from "./session.js";
import { CookieWriter } from "./set-cookie.js";
import type { ChangeSet, Store, StoreContext, StoreRecord } from "./store.js";
import { recordDevice } from "./store-devices.js";
import { onlyPermanence, storeState } from "./store-record.js";
import { StoreLoader } from "./store-load.js";
import { StoreUsers } from "./store-users.js";
import { callStore } from "./timeout.js";

/**
 * Loads and saves sessions kept in a {@link Store}.
 *
 * @example
 * const mode = new StoreMode(resolveOptions({ secret, store }), emit);
 */
export class StoreMode implements Mode {
  readonly sync = false;
  readonly #o: ResolvedOptions;
  readonly #store: Store;
  readonly #writer: CookieWriter;
  readonly #idleMs: number;
  readonly #emit: EventHandler;
  /** The id an explicit save() created or rotated a session into, until settle() reads it back. */
  readonly #savedIds = new WeakMap<Session<any>, string>();
  /** Reading a record (store-load.ts). */
  readonly #loader: StoreLoader;
  /** "Your devices" and "log out everywhere" (store-users.ts). */
  readonly #users: StoreUsers;

  constructor(options: ResolvedOptions, store: Store, emit: EventHandler) {
    this.#o = options;
    this.#store = store;
    this.#writer = new CookieWriter(options.cookie, options.lifetimeSeconds);
    this.#idleMs = (options.idleTimeoutSeconds ?? options.lifetimeSeconds) * 1000;
    this.#emit = emit;
    this.#loader = new StoreLoader(options, store, emit);
    this.#users = new StoreUsers(options, store, emit);
  }

  /** A store call with core's clock, deadline, retry and event rules (see callStore). */
  #call<T>(operation: string, nowMs: number, run: (ctx: StoreContext) => Promise<T>): Promise<T> {
    return callStore(this.#store, this.#o.storeTimeoutMs, this.#emit, operation, nowMs, run);
  }

  async load<Data extends Record<string, unknown>>(value: string | undefined, secure: boolean, nowMs: number, facts?: RequestFacts): Promise<Session<Data>> {
    const opened = value ? await this.#loader.open<Data>(value, nowMs) : undefined;
    const session = opened?.session ?? new Session<Data>(undefined, true);
    const internals = sessionInternals(session);
    internals.defaultPermanent = this.#o.permanent;
    const client = this.#o.devices ? { userAgent: facts?.userAgent, clientAddress: facts?.clientAddress } : undefined;
    const state: StoreState = { kind: "store", secure, hadCookie: Boolean(value), record: opened?.record, client };
    internals.state = state;
    return session;
  }

  #cookie(id: string, session: Session<any>, nowMs: number, secure: boolean): string {
    const lifetimeSeconds = this.#cookieLifetime(session);
    return this.#writer.set(id, lifetimeSeconds > 0, nowMs, secure, lifetimeSeconds);
  }

  /** The cookie's lifetime: setExpiry()'s, else `lifetime` when permanent, else 0 (a browser-session cookie). */
  #cookieLifetime(session: Session<any>): number {
    const internals = sessionInternals(session);
    return internals.data.cookieLifetimeSeconds(internals.defaultPermanent, this.#o.lifetimeSeconds);
  }

  /** How long the record lives unused: the idle window, or setExpiry()'s shorter one. */
  #idleMsOf(session: Session<any>): number {
    const expiry = sessionInternals(session).data.values.get(RESERVED_KEYS.expiry);
    if (typeof expiry !== "number" || expiry <= 0) return this.#idleMs;
    return Math.min(this.#idleMs, Math.min(expiry, this.#o.lifetimeSeconds) * 1000);
  }

  /**
   * What the commit writes, and the Set-Cookie values. Not an async function:
   * a commit that calls no store (a read with no touch due, a session that
   * stays empty) answers at once, without a promise and its turn.
   */
  save(session: Session<any>, nowMs: number): string[] | Promise<string[]> {
    const internals = sessionInternals(session);
    const state = storeState(session);
    const { secure } = state;
    const record = state.record;
    const data = internals.data;
    const deletion = (): string[] => (state.hadCookie || Session.isModified(session) ? [this.#writer.delete(secure)] : []);

    if (internals.destroyed) return record ? this.#destroy(record, secure, nowMs) : [this.#writer.delete(secure)];
    Session.detectInPlaceChanges(session);
    if (this.#o.devices) recordDevice(internals, state);
    const userId = internals.userId === undefined ? record?.userId : internals.userId ?? undefined;
    if (data.isPermanent(internals.defaultPermanent) && data.values.size > 0 && !data.values.has(RESERVED_KEYS.permanent)) {
      data.write(RESERVED_KEYS.permanent, true);
    }

    if (internals.regenerate) {
      if (record === undefined) {
        // Nothing stored yet (a login from a fresh session): a plain create.
        if (data.values.size === 0 && userId === undefined) return state.hadCookie ? [this.#writer.delete(secure)] : [];
        return this.#createCookie(session, nowMs, userId, secure, true);
      }
      if (record.frozen) throw this.#interrupted("regenerated", record);
      // regenerate({ keepData: false }) with nothing to keep empties the session: see below.
      if (!(data.cleared && data.values.size === 0 && userId === undefined)) return this.#rotate(session, record, nowMs, secure);
    }

    if (record === undefined) {
      if (data.values.size === 0) return Session.isModified(session) && state.hadCookie ? deletion() : [];
      if (!Session.isModified(session)) return [];
      return this.#createCookie(session, nowMs, userId, secure, false);
    }
    if (record.frozen) {
      if (Session.isModified(session)) throw this.#interrupted("regenerated", record);
      return [];
    }
    if (Session.isModified(session)) {
      // An emptied view is a change-set like any other (never a destroy, which would end a session
      // another request just logged in, or drop a key another request just set): the record keeps
      // what others wrote, and the cookie is deleted as Flask deletes an emptied session's. A session
      // that still has its user is not empty: only destroy() (or setUser(null)) ends a login.
      const emptied = onlyPermanence(data.values) && userId === undefined;
      return this.#apply(session, record, this.#changeSet(session, nowMs), emptied, nowMs, secure);
    }
    // Lazy touch: only once `touchAfter` of the idle window has passed, so most read-only requests write nothing.
    const idleMs = this.#idleMsOf(session);
    if (record.expiresAtMs - nowMs > idleMs * (1 - this.#o.touchAfter)) return [];
    return this.#touch(session, record, nowMs + idleMs, nowMs, secure);
  }

  /** `destroy()` on a stored session: its record, and the successor an old id's record named. */
  async #destroy(record: LoadedRecord, secure: boolean, nowMs: number): Promise<string[]> {
    await this.#call("destroy", nowMs, (ctx) => this.#store.destroy(record.idHash, ctx));
    // Loaded through an old id (read-only, in its grace window): the session lives on under the
    // successor that id's record named. The store follows that link, but keeps the old record only
    // until the latest of its own idle expiry, the grace end and the successor's first idle expiry,
    // and this request may commit after that (the session kept alive since by other requests, the
    // record dropped already): so the successor it loaded is ended by name too.
    const successor = record.frozen ? record.successor : undefined;
    if (successor !== undefined) await this.#call("destroy", nowMs, (ctx) => this.#store.destroy(successor, ctx));
    this.#emit({ type: "destroyed", idHashPrefix: record.eventPrefix });
    return [this.#writer.delete(secure)];
  }

  /** A new record for the session, and its cookie; `regenerated` when a regenerate or login asked for it. */
  async #createCookie(session: Session<any>, nowMs: number, userId: string | undefined, secure: boolean, regenerated: boolean): Promise<string[]> {
    const id = await this.#create(session, nowMs, userId);
    if (regenerated) this.#emit({ type: "regenerated" });
    return [this.#cookie(id, session, nowMs, secure)];
  }

  /** The request's change-set onto the stored record. */
  async #apply(session: Session<any>, record: LoadedRecord, change: ChangeSet, emptied: boolean, nowMs: number, secure: boolean): Promise<string[]> {
    const result = await this.#call("apply", nowMs, (ctx) => this.#store.apply(record.idHash, change, ctx));
    if (result !== "ok") throw this.#interrupted(result === "missing" ? "destroyed" : "regenerated", record);
    return emptied ? [this.#writer.delete(secure)] : this.#refreshCookie(session, record, nowMs, secure);
  }

  /** The lazy touch: the record's idle expiry moved to `next`. */
  async #touch(session: Session<any>, record: LoadedRecord, next: number, nowMs: number, secure: boolean): Promise<string[]> {
    const touched = await this.#call("touch", nowMs, (ctx) => this.#store.touch(record.idHash, next, ctx));
    return touched ? this.#refreshCookie(session, record, nowMs, secure) : [];
  }

  /**
   * After an explicit save: read back the record the save wrote (under its
   * new id after a create, regenerate or login; none after a destroy), so
   * the session continues from exactly what the store holds.
   */
  async settle(session: Session<any>, nowMs: number): Promise<void> {
    const internals = sessionInternals(session);
    const saved = this.#savedIds.get(session);
    this.#savedIds.delete(session);
    const id = internals.destroyed ? undefined : saved ?? storeState(session).record?.id;
    await this.#reopen(session, id, saved !== undefined || internals.destroyed, nowMs);
  }

  /** Read the session's record again; unsaved changes are discarded. */
  async reload(session: Session<any>, nowMs: number): Promise<void> {
    await this.#reopen(session, storeState(session).record?.id, false, nowMs);
  }

  async #reopen(session: Session<any>, id: string | undefined, cookieSent: boolean, nowMs: number): Promise<void> {
    const state = storeState(session);
    const opened = id === undefined ? undefined : await this.#loader.open<Record<string, unknown>>(id, nowMs);
    // hadCookie: the browser holds (or is about to get) a cookie, so emptying the session must delete it.
    sessionInternals(session).state = { kind: "store", secure: state.secure, hadCookie: state.hadCookie || cookieSent, record: opened?.record };
    Session.settle(session, opened === undefined ? new SessionData() : sessionInternals(opened.session).data);
  }

  #refreshCookie(session: Session<any>, record: LoadedRecord, nowMs: number, secure: boolean): string[] {
    const lifetimeSeconds = this.#cookieLifetime(session);
    return lifetimeSeconds > 0 && this.#o.refreshEachRequest ? [this.#writer.set(record.id, true, nowMs, secure, lifetimeSeconds)] : [];
  }

  /** A new record holding every value of the session; its new id. */
  async #create(session: Session<any>, nowMs: number, userId: string | undefined): Promise<string> {
    const data = sessionInternals(session).data;
    const values = Object.create(null) as Record<string, string>;
    for (const key of data.values.keys()) values[key] = data.storedText(key);
    const record: StoreRecord = { data: values, createdAtMs: nowMs, expiresAtMs: nowMs + this.#idleMsOf(session), userId };
    // 256 random bits never collide in practice; the loop only guards a broken random source.
    for (let attempt = 0; attempt < 3; attempt++) {
      const id = newSessionId();
      const idHash = this.#loader.key(id);
      if (await this.#call("create", nowMs, (ctx) => this.#store.create(idHash, record, ctx))) {
        this.#savedIds.set(session, id);
        return id;
      }
    }
    throw new Error("sessionkit: could not create a session record with a fresh id three times; the random source or the store is broken.");
  }

  /**
   * Regenerate or login on a stored session: one atomic store call moves the
   * record to a new id with this request's changes applied on top of what is
   * stored now (so a key another request deleted stays deleted), keeps the
   * creation time unless this is a login, and freezes the old id for the
   * grace window. A session destroyed meanwhile ("missing") or already
   * rotated by another request ("frozen") is not revived: the request is told.
   */
  async #rotate(session: Session<any>, record: LoadedRecord, nowMs: number, secure: boolean): Promise<string[]> {
    const internals = sessionInternals(session);
    const change = this.#changeSet(session, nowMs);
    if (internals.loggedIn) change.createdAtMs = nowMs;
    const graceUntilMs = nowMs + this.#o.regenerateGraceSeconds * 1000;
    const id = newSessionId();
    const newHash = this.#loader.key(id);
    const result = await this.#call("rotate", nowMs, (ctx) => this.#store.rotate(record.idHash, newHash, change, graceUntilMs, ctx));
    if (result !== "ok") throw this.#interrupted(result === "missing" ? "destroyed" : "regenerated", record);
    this.#savedIds.set(session, id);
    this.#emit({ type: "regenerated", idHashPrefix: record.eventPrefix });
    return [this.#cookie(id, session, nowMs, secure)];
  }

  #changeSet(session: Session<any>, nowMs: number): ChangeSet {
    const internals = sessionInternals(session);
    const data = internals.data;
    const change: ChangeSet = { set: Object.create(null), delete: [], expiresAtMs: nowMs + this.#idleMsOf(session) };
    if (data.cleared) change.clear = true;
    for (const key of data.dirty) {
      if (data.values.has(key)) change.set[key] = data.storedText(key);
      else if (!data.cleared) change.delete.push(key);
    }
    if (internals.userId !== undefined) change.userId = internals.userId;
    return change;
  }

  #interrupted(reason: "destroyed" | "regenerated", record: LoadedRecord): SessionInterruptedError {
    this.#emit({ type: "interrupted", reason, idHashPrefix: record.eventPrefix });
    return new SessionInterruptedError(reason);
  }

  listForUser(userId: string, nowMs: number, current?: Session<any>): Promise<UserSession[]> {
    return this.#users.listForUser(userId, nowMs, current);
  }

  destroySession(idHash: string, userId: string | undefined, nowMs: number): Promise<boolean> {
    return this.#users.destroySession(idHash, userId, nowMs);
  }

  destroyAllForUser(userId: string, except: Session<any> | undefined, nowMs: number): Promise<number> {
    return this.#users.destroyAllForUser(userId, except, nowMs);
  }
}
