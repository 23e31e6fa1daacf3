/**
 * Server-side mode: the cookie holds a random id, the data lives in a store.
 *
 * What it guarantees beyond Flask-Session and express-session:
 * - only the keys a request changed are written, as one atomic change-set,
 *   so concurrent requests never lose each other's keys;
 * - a write never creates a record (`apply` on a missing record writes
 *   nothing), so a request in flight cannot bring back a destroyed session;
 * - an id the server never issued is never adopted, and loading one writes nothing;
 * - idle and absolute timeouts are checked here on every load, whatever the
 *   store's TTL did;
 * - the store sees only SHA-256 hashes of ids, and each call has a deadline.
 */
import { SessionInterruptedError } from "./errors.js";
import type { EventHandler } from "./events.js";
import { hashSessionId, isSessionIdSyntax, newSessionId } from "./ids.js";
import type { ResolvedOptions } from "./options.js";
import { RESERVED_KEYS, Session, isPermanent, sessionInternals } from "./session.js";
import { cookieTemplate, deletionCookie, setCookieValue, type CookieTemplate } from "./set-cookie.js";
import type { ChangeSet, Store, StoreContext, StoreRecord } from "./store.js";
import { callStore } from "./timeout.js";

/** Per-session facts kept between load and commit. */
interface StoredFacts {
  secure: boolean;
  /** Raw id: only ever written into the Set-Cookie value. */
  id?: string;
  idHash?: string;
  createdAtMs?: number;
  expiresAtMs?: number;
  userId?: string;
  frozen?: boolean;
  /** A cookie came with the request (so an emptied session must delete it). */
  hadCookie: boolean;
}

const prefix = (idHash: string | undefined): string | undefined => idHash?.slice(0, 8);

/** How many id → hash results a manager keeps (about 100 bytes each). */
const HASH_CACHE_ENTRIES = 4_096;

/**
 * Loads and commits sessions kept in a {@link Store}.
 *
 * @example
 * const mode = new StoreMode(resolveOptions({ secret, store }), emit);
 */
export class StoreMode {
  readonly #o: ResolvedOptions;
  readonly #store: Store;
  readonly #hashes = new Map<string, string>();
  readonly #t: CookieTemplate;
  readonly #idleMs: number;
  readonly #emit: EventHandler;

  constructor(options: ResolvedOptions, emit: EventHandler) {
    this.#o = options;
    this.#store = options.store!;
    this.#t = cookieTemplate(options.cookie);
    this.#idleMs = (options.idleTimeoutSeconds ?? options.lifetimeSeconds) * 1000;
    this.#emit = emit;
  }

  /** A store call with core's clock, deadline, retry and event rules (see callStore). */
  call<T>(operation: string, run: (ctx: StoreContext) => Promise<T>, nowMs: number = this.#o.now()): Promise<T> {
    return callStore(this.#store, this.#o.storeTimeoutMs, this.#emit, operation, nowMs, run);
  }

  async load<Data extends Record<string, unknown>>(value: string | undefined, secure: boolean): Promise<Session<Data>> {
    const facts: StoredFacts = { secure, hadCookie: Boolean(value) };
    const session = await this.#open<Data>(value, facts);
    const internals = sessionInternals(session);
    internals.defaultPermanent = this.#o.permanent;
    internals.backend.stored = facts;
    return session;
  }

  async #open<Data extends Record<string, unknown>>(value: string | undefined, facts: StoredFacts): Promise<Session<Data>> {
    if (!value) return new Session<Data>(undefined, true);
    if (!isSessionIdSyntax(value)) {
      this.#emit({ type: "cookie_rejected", reason: "bad_id" });
      return new Session<Data>(undefined, true);
    }
    const idHash = this.#key(value);
    const nowMs = this.#o.now();
    const record = await this.call("load", (ctx) => this.#store.load(idHash, ctx), nowMs);
    if (record === undefined) {
      this.#emit({ type: "cookie_rejected", reason: "unknown_id", idHashPrefix: prefix(idHash) });
      return new Session<Data>(undefined, true);
    }
    if (!isValidRecord(record)) {
      this.#emit({ type: "cookie_rejected", reason: "bad_payload", idHashPrefix: prefix(idHash) });
      return new Session<Data>(undefined, true);
    }
    const absolute = this.#o.absoluteTimeoutSeconds;
    const idleOver = nowMs >= record.expiresAtMs;
    const absoluteOver = absolute !== undefined && nowMs >= record.createdAtMs + absolute * 1000;
    if (idleOver || absoluteOver) {
      this.#emit({ type: "cookie_rejected", reason: idleOver ? "idle_timeout" : "absolute_timeout", idHashPrefix: prefix(idHash) });
      if (!record.frozen) await this.call("destroy", (ctx) => this.#store.destroy(idHash, ctx), nowMs);
      return new Session<Data>(undefined, true);
    }
    Object.assign(facts, {
      id: value,
      idHash,
      createdAtMs: record.createdAtMs,
      expiresAtMs: record.expiresAtMs,
      userId: record.userId,
      frozen: record.frozen === true,
    });
    return new Session<Data>(record.data, false, true);
  }

  /**
   * The key the store sees: the id's SHA-256, or the raw id for a store that
   * asks for it (Flask-Session). A visitor sends the same id on every
   * request, so the last few thousand hashes are kept (a SHA-256 was ~3% of
   * a memory-store request's CPU); the map is bounded and evicts the oldest.
   */
  #key(id: string): string {
    if (this.#store.rawIds === true) return id;
    let hash = this.#hashes.get(id);
    if (hash === undefined) {
      hash = hashSessionId(id);
      if (this.#hashes.size >= HASH_CACHE_ENTRIES) this.#hashes.delete(this.#hashes.keys().next().value!);
      this.#hashes.set(id, hash);
    }
    return hash;
  }

  #cookie(id: string, session: Session<any>, secure: boolean): string {
    const permanent = isPermanent(sessionInternals(session));
    return setCookieValue(this.#t, id, permanent ? this.#o.now() + this.#o.lifetimeSeconds * 1000 : undefined, secure);
  }

  /** Every value as stored text, for a new record. */
  #allData(session: Session<any>): Record<string, string> {
    const data = Object.create(null) as Record<string, string>;
    for (const key of sessionInternals(session).values.keys()) data[key] = Session.storedText(session, key);
    return data;
  }

  async #create(session: Session<any>, nowMs: number, createdAtMs: number, userId: string | undefined): Promise<string> {
    const record: StoreRecord = {
      data: this.#allData(session),
      createdAtMs,
      expiresAtMs: nowMs + this.#idleMs,
      userId,
    };
    // 256 random bits never collide in practice; the loop only guards a broken random source.
    for (let attempt = 0; attempt < 3; attempt++) {
      const id = newSessionId();
      const created = await this.call("create", (ctx) => this.#store.create(this.#key(id), record, ctx), nowMs);
      if (created) return id;
    }
    throw new Error("sessionkit: could not create a session record with a fresh id three times; the random source or the store is broken.");
  }

  async commit(session: Session<any>, status: number | undefined): Promise<string[]> {
    const internals = sessionInternals(session);
    const facts = internals.backend.stored as StoredFacts;
    const { secure } = facts;
    const deletion = (): string[] => (facts.hadCookie || session.modified ? [deletionCookie(this.#t, secure)] : []);

    if (internals.destroyed) {
      if (facts.idHash) {
        const idHash = facts.idHash;
        await this.call("destroy", (ctx) => this.#store.destroy(idHash, ctx));
        this.#emit({ type: "destroyed", idHashPrefix: prefix(idHash) });
      }
      return [deletionCookie(this.#t, secure)];
    }
    if (status !== undefined && status >= 500 && !this.#o.saveOnServerError) {
      if (session.modified) this.#emit({ type: "not_saved", reason: "server_error_status" });
      return [];
    }
    Session.detectInPlaceChanges(session);
    const nowMs = this.#o.now();
    const userId = internals.userId === undefined ? facts.userId : internals.userId ?? undefined;
    if (isPermanent(internals) && internals.values.size > 0 && !internals.values.has(RESERVED_KEYS.permanent)) {
      internals.values.set(RESERVED_KEYS.permanent, true);
    }

    if (internals.regenerate) {
      if (facts.frozen) throw this.#interrupted("regenerated", facts.idHash!);
      const oldHash = facts.idHash;
      if (oldHash === undefined) {
        // Nothing stored yet: a plain create (a login from a fresh session).
        if (internals.values.size === 0 && userId === undefined) return deletion();
        const cookies = [this.#cookie(await this.#create(session, nowMs, nowMs, userId), session, secure)];
        this.#emit({ type: "regenerated", idHashPrefix: undefined });
        return cookies;
      }
      if (internals.cleared && internals.values.size === 0 && userId === undefined) {
        // regenerate({ keepData: false }) with nothing to keep: the session simply ends.
        await this.call("destroy", (ctx) => this.#store.destroy(oldHash, ctx), nowMs);
        return deletion();
      }
      return this.#rotate(session, facts, oldHash, nowMs);
    }

    if (!facts.idHash) {
      if (internals.values.size === 0) return session.modified && facts.hadCookie ? deletion() : [];
      if (!session.modified) return [];
      return [this.#cookie(await this.#create(session, nowMs, nowMs, userId), session, secure)];
    }

    const idHash = facts.idHash;
    if (facts.frozen) {
      if (session.modified) throw this.#interrupted("regenerated", idHash);
      return [];
    }
    if (session.modified) {
      if (internals.values.size === 0) {
        await this.call("destroy", (ctx) => this.#store.destroy(idHash, ctx), nowMs);
        return deletion();
      }
      const change = this.#changeSet(session, nowMs);
      if (internals.userId !== undefined) change.userId = internals.userId;
      const result = await this.call("apply", (ctx) => this.#store.apply(idHash, change, ctx), nowMs);
      if (result !== "ok") throw this.#interrupted(result === "missing" ? "destroyed" : "regenerated", idHash);
      return this.#refreshCookie(session, facts);
    }
    // Lazy touch: only once `touchAfter` of the idle window has passed, so most read-only requests write nothing.
    const expiresAtMs = facts.expiresAtMs!;
    if (expiresAtMs - nowMs > this.#idleMs * (1 - this.#o.touchAfter)) return [];
    const next = nowMs + this.#idleMs;
    const touched = await this.call("touch", (ctx) => this.#store.touch(idHash, next, ctx), nowMs);
    return touched ? this.#refreshCookie(session, facts) : [];
  }

  #refreshCookie(session: Session<any>, facts: StoredFacts): string[] {
    const internals = sessionInternals(session);
    return isPermanent(internals) && this.#o.refreshEachRequest ? [this.#cookie(facts.id!, session, facts.secure)] : [];
  }

  #changeSet(session: Session<any>, nowMs: number): ChangeSet {
    const internals = sessionInternals(session);
    const change: ChangeSet = { set: Object.create(null), delete: [], expiresAtMs: nowMs + this.#idleMs };
    if (internals.cleared) change.clear = true;
    for (const key of internals.dirty) {
      if (internals.values.has(key)) change.set[key] = Session.storedText(session, key);
      else if (!internals.cleared) change.delete.push(key);
    }
    return change;
  }

  /**
   * Regenerate or login on a stored session: one atomic store call moves the
   * record to a new id with this request's changes applied on top of what is
   * stored now (so a key another request deleted stays deleted), keeps the
   * creation time unless this is a login, and freezes the old id for the
   * grace window. A session destroyed meanwhile ("missing") or already
   * rotated by another request ("frozen") is not revived: the request is told.
   */
  async #rotate(session: Session<any>, facts: StoredFacts, oldHash: string, nowMs: number): Promise<string[]> {
    const internals = sessionInternals(session);
    const change = this.#changeSet(session, nowMs);
    if (internals.userId !== undefined) change.userId = internals.userId;
    if (internals.loggedIn) change.createdAtMs = nowMs;
    const graceUntilMs = nowMs + this.#o.regenerateGraceSeconds * 1000;
    const id = newSessionId();
    const result = await this.call("rotate", (ctx) => this.#store.rotate(oldHash, this.#key(id), change, graceUntilMs, ctx), nowMs);
    if (result !== "ok") throw this.#interrupted(result === "missing" ? "destroyed" : "regenerated", oldHash);
    this.#emit({ type: "regenerated", idHashPrefix: prefix(oldHash) });
    return [this.#cookie(id, session, facts.secure)];
  }

  #interrupted(reason: "destroyed" | "regenerated", idHash: string): SessionInterruptedError {
    this.#emit({ type: "interrupted", reason, idHashPrefix: prefix(idHash) });
    return new SessionInterruptedError(reason);
  }
}

/** A record read back from a store is untrusted: check its shape before use. */
function isValidRecord(record: unknown): record is StoreRecord {
  if (typeof record !== "object" || record === null) return false;
  const r = record as StoreRecord;
  if (!Number.isFinite(r.createdAtMs) || !Number.isFinite(r.expiresAtMs)) return false;
  if (typeof r.data !== "object" || r.data === null) return false;
  for (const key in r.data) if (typeof r.data[key] !== "string") return false;
  return true;
}
