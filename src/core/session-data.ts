/**
 * The data half of a session: the values, what this request changed, and
 * the originals of values handed out to the app, so that a change made in
 * place (a pushed array item) is noticed at commit. The `Session` class
 * wraps it with Flask's dictionary API; the modes read it to save.
 *
 * Values are kept parsed. A value loaded from a store remembers its stored
 * text until the app reads it: an untouched value is compared and written
 * back as that exact text, and a value the app read is compared against it.
 */
import { dumps } from "../codec/index.js";
import { clone, isCloneable } from "./clone.js";

/**
 * Keys sessionkit writes in the data itself, hidden from keys()/entries().
 * Flask's wire names where Flask has one: `csrf_token` is Flask-WTF's, so a
 * Flask app sharing the session sees the CSRF secret where Flask-WTF keeps
 * its own (and Flask-WTF adopts it), and no key of sessionkit's.
 */
export const RESERVED_KEYS = Object.freeze({
  permanent: "_permanent",
  flashes: "_flashes",
  csrf: "csrf_token",
  createdAt: "_sk_created",
  jti: "_sk_jti",
  user: "_sk_user",
  authAt: "_sk_auth",
  expiry: "_sk_exp",
  device: "_sk_device",
} as const);

/** Every reserved key, for fast membership tests. */
export const RESERVED: ReadonlySet<string> = new Set<string>(Object.values(RESERVED_KEYS));

/**
 * sessionkit's own keys (cookie mode, native formats): who the session
 * belongs to, when it was created and its denylist id. They are machinery,
 * not data: `clear()` keeps them (a cleared session is still the same
 * session, so a later logout, "log out everywhere" and the absolute timeout
 * still reach it), and they do not make a session non-empty. `login()`
 * replaces them; `destroy()` ends the cookie.
 */
const MACHINERY: ReadonlySet<string> = new Set<string>([RESERVED_KEYS.createdAt, RESERVED_KEYS.jti, RESERVED_KEYS.user, RESERVED_KEYS.authAt, RESERVED_KEYS.expiry, RESERVED_KEYS.device]);

/**
 * A session's values and change tracking.
 *
 * @example
 * const data = new SessionData(loaded, texts);
 * data.write("n", 2);
 * data.dirty; // Set { "n" }
 */
/** The changes of a session that changed nothing (never added to: `dirty` is read-only outside). */
const NONE: ReadonlySet<string> = new Set<string>();

export class SessionData {
  /** Key → value (parsed). */
  readonly values: Map<string, unknown>;
  /**
   * Keys set, deleted or popped by this request (user and reserved). Made by
   * the first change: a read that changes nothing allocates no Set (issue #20).
   */
  #dirty: Set<string> | undefined;
  /** True once clear() ran. */
  cleared = false;
  /**
   * Keys of object values handed out by reads → the original (a stored text, or the shared
   * object), to detect in-place changes. Made by the first object value read.
   */
  #handedOut: Map<string, unknown> | undefined;
  /** Stored text of each value loaded from a store, until it is changed. */
  readonly #texts: Map<string, string> | undefined;

  /**
   * `initial`: the loaded values, either a null-prototype object (may be
   * shared with other requests through the verified-cookie cache, so never
   * changed here) or a Map made for this session alone (store mode), which
   * becomes {@link values} as it is. `texts`: their stored texts, in store
   * mode. `keys`: `Object.keys(initial)` when the caller keeps it (the
   * verified-cookie cache): a null-prototype object is a dictionary in V8,
   * and enumerating it per request cost about as much as the rest of
   * building the session.
   */
  constructor(initial?: Record<string, unknown> | Map<string, unknown>, texts?: Map<string, string>, keys?: readonly string[]) {
    if (initial instanceof Map) {
      this.values = initial;
    } else {
      const values = (this.values = new Map<string, unknown>());
      if (keys !== undefined && initial !== undefined) {
        for (let i = 0; i < keys.length; i++) values.set(keys[i]!, initial[keys[i]!]);
      } else if (initial) {
        for (const key in initial) values.set(key, initial[key]);
      }
    }
    this.#texts = texts;
  }

  /** Keys set, deleted or popped by this request (user and reserved). */
  get dirty(): ReadonlySet<string> {
    return this.#dirty ?? NONE;
  }

  /** Forget the changes (they were saved). */
  markClean(): void {
    this.#dirty?.clear();
  }

  /** Read a value, copying an object value the first time so that the app may change it in place. */
  read(key: string): unknown {
    const raw = this.values.get(key);
    if (isCloneable(raw) && !this.#dirty?.has(key) && !this.#handedOut?.has(key)) {
      // The loaded value may be shared with other requests (verified-cookie cache): hand out a copy.
      const copy = clone(raw);
      this.values.set(key, copy);
      (this.#handedOut ??= new Map()).set(key, this.#texts?.get(key) ?? raw);
      return copy;
    }
    return raw;
  }

  write(key: string, value: unknown): void {
    this.values.set(key, value);
    (this.#dirty ??= new Set()).add(key);
    this.#handedOut?.delete(key);
  }

  /** Remove `key`; whether it was there. */
  remove(key: string): boolean {
    const had = this.values.delete(key);
    if (had) {
      (this.#dirty ??= new Set()).add(key);
      this.#handedOut?.delete(key);
    }
    return had;
  }

  /** Remove every key but sessionkit's machinery (see MACHINERY). */
  clear(): void {
    for (const key of [...this.values.keys()]) {
      if (MACHINERY.has(key)) continue;
      this.values.delete(key);
      (this.#dirty ??= new Set()).add(key);
    }
    this.#handedOut?.clear();
    this.cleared = true;
  }

  /**
   * Whether the session holds nothing (Flask's `not session`: `_permanent`
   * and flashes count). The creation time and the denylist id do not count;
   * the user does: a logged-in session is not empty, even with no data.
   */
  isEmpty(): boolean {
    if (this.values.size === 0) return true;
    for (const key of this.values.keys()) if (key === RESERVED_KEYS.user || !MACHINERY.has(key)) return false;
    return true;
  }

  /**
   * Mark values changed in place as dirty, by comparing each handed-out value
   * with its original. Free when no object value was read. Returns whether
   * anything changed.
   */
  detectInPlaceChanges(): boolean {
    let changed = false;
    if (this.#handedOut === undefined) return false;
    for (const [key, original] of this.#handedOut) {
      if (this.#dirty?.has(key) || !this.values.has(key)) continue;
      const before = typeof original === "string" ? original : dumps(original);
      if (dumps(this.values.get(key)) !== before) {
        (this.#dirty ??= new Set()).add(key);
        changed = true;
      }
    }
    return changed;
  }

  /** The serialized form of a value for a store: its stored text when it was never changed. */
  storedText(key: string): string {
    if (!this.#dirty?.has(key)) {
      const text = this.#texts?.get(key);
      if (text !== undefined) return text;
    }
    return dumps(this.values.get(key));
  }

  /** Every value, for writing a whole cookie (a null-prototype object). */
  plain(): Record<string, unknown> {
    const out = Object.create(null) as Record<string, unknown>;
    for (const [key, value] of this.values) out[key] = value;
    return out;
  }

  /**
   * The cookie's lifetime for this session: `setExpiry()`'s seconds (capped
   * at `maxSeconds`, the `lifetime` option), 0 for a browser-session cookie,
   * or, without setExpiry, `maxSeconds` when permanent and 0 otherwise.
   */
  cookieLifetimeSeconds(defaultPermanent: boolean, maxSeconds: number): number {
    const expiry = this.values.get(RESERVED_KEYS.expiry);
    if (typeof expiry === "number" && expiry >= 0) return Math.min(expiry, maxSeconds);
    return this.isPermanent(defaultPermanent) ? maxSeconds : 0;
  }

  /** Permanence: the `_permanent` key, else `defaultPermanent`. */
  isPermanent(defaultPermanent: boolean): boolean {
    const value = this.values.get(RESERVED_KEYS.permanent);
    return value === undefined ? defaultPermanent : value === true;
  }
}
