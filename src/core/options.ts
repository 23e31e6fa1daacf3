/**
 * Options of `createSessions`, checked once and frozen. Every mistake is a
 * ConfigError at creation that names the option and says what to change.
 */
import type { CookieFormat } from "../codec/index.js";
import { resolveAutoPrune, type AutoPruneOptions, type ResolvedAutoPrune } from "./auto-prune.js";
import { parseDurationSeconds, type Duration } from "./duration.js";
import { ConfigError, SecretError } from "./errors.js";
import type { EventHandler } from "./events.js";
import { resolveSchema, type SessionSchema } from "./schema.js";
import type { StandardSchemaV1 } from "./standard-schema.js";
import { MAX_CHUNKS } from "./cookie-chunks.js";
import type { Store } from "./store.js";
import { warnOnce } from "./warnings.js";

/** Options of cookie-mode revocation. */
export interface RevocationOptions {
  /** Where revocations are kept: any sessionkit Store (Redis to share them across instances). */
  store: Store;
}

/** Cookie attributes. */
export interface CookieOptions {
  /** Default `"session"`, as Flask. */
  name?: string;
  /** Default `"/"`. */
  path?: string;
  /** Default none: a host-only cookie. */
  domain?: string;
  /** Default true. */
  httpOnly?: boolean;
  /** `"auto"` (default): Secure when the request is HTTPS. */
  secure?: boolean | "auto";
  /** Default `"lax"`; `false` leaves the attribute out (Flask's default). */
  sameSite?: "lax" | "strict" | "none" | false;
  /** CHIPS `Partitioned`; requires Secure. */
  partitioned?: boolean;
  /** Largest whole `Set-Cookie` value allowed, in bytes (Werkzeug's `MAX_COOKIE_SIZE`); 0 turns the check off. Default 4093. */
  maxBytes?: number;
  /**
   * Cookie sessions only: let a session bigger than one cookie take up to
   * this many, `NAME.0`, `NAME.1`, … (each at most `maxBytes`), under one MAC.
   * Default 1 (one cookie; bigger throws CookieTooLargeError); at most 3, so
   * the Cookie header stays within Node's 16 KiB. Not with the flask format
   * (Flask reads one cookie) nor a store (the cookie holds an id).
   */
  maxChunks?: number;
}

/** Options of {@link createSessions}. */
export interface SessionOptions {
  /** The signing secret (≥ 32 bytes in the signed and encrypted formats). */
  secret?: string | Uint8Array;
  /** Several secrets, newest first: the first signs, all verify. */
  secrets?: readonly (string | Uint8Array)[];
  /** Cookie format in cookie mode: `"signed"` (default, HMAC-SHA256), `"flask"` (Flask's exact cookie) or `"encrypted"`. */
  format?: CookieFormat;
  /** A server-side store: the cookie then holds only a random id. */
  store?: Store;
  cookie?: CookieOptions;
  /** Flask's PERMANENT_SESSION_LIFETIME: Expires of permanent cookies and the maximum age of every session. Default 31 days. */
  lifetime?: Duration;
  /** Whether new sessions are permanent (Flask-Session's SESSION_PERMANENT). Default false, as Flask. */
  permanent?: boolean;
  /** Flask's SESSION_REFRESH_EACH_REQUEST. Default true. */
  refreshEachRequest?: boolean;
  /** End a session not used for this long (server-side: enforced on load). Default: `lifetime`. */
  idleTimeout?: Duration;
  /** End a session this long after it was created, however active. Default: none. */
  absoluteTimeout?: Duration;
  /** Seconds a regenerated id stays readable (read-only), so requests in flight keep working. Default 10; 0 turns it off. */
  regenerateGraceSeconds?: number;
  /** Deadline of each store call: a call that has not answered fails no sooner than this, and on Node at most an eighth later (one shared timer ticks for all calls). Default 2000. */
  storeTimeoutMs?: number;
  /**
   * Prune the store's expired records on a timer and/or every N requests, off
   * the request path, one process at a time (stores without native expiry:
   * SQLite, PostgreSQL, MySQL, files). Default: off. `close()` stops it.
   */
  autoPrune?: AutoPruneOptions;
  /** Lazy touch: extend a stored session's expiry only after this fraction of the idle window has passed. Default 0.25. */
  touchAfter?: number;
  /** Save changes even when the response status is 5xx. Default false (Django's rule). */
  saveOnServerError?: boolean;
  /**
   * Cookie mode only: make logout and "log out everywhere" revoke cookies, by
   * keeping a denylist in a store (one or two store reads per request). Off by
   * default: a plain signed cookie stays valid until it expires.
   */
  revocation?: RevocationOptions;
  /** Send `Clear-Site-Data: "cookies"` with the response that destroys a session (ASVS 5:14.3.1). Default false. */
  clearSiteDataOnDestroy?: boolean;
  /**
   * "Your devices": each `login()` records, with the session, the browser
   * and OS family of the request's User-Agent and its address's network
   * (/24, /48), which `listForUser` returns. Needs a store with a user
   * index. Default false: nothing about the device is kept.
   */
  devices?: boolean;
  /**
   * Cookie mode: accept a cookie signed up to this many seconds in the future,
   * for apps whose servers' clocks drift apart (a whole number, at most 300).
   * Default 0: a cookie from the future is refused, as Flask (itsdangerous ≥
   * 2.0) refuses it. A cookie shared with a Flask app is still refused there.
   */
  clockSkewSeconds?: number;
  /** Accept a secret shorter than 32 bytes in the signed and encrypted formats (never do this in production). */
  allowWeakSecret?: boolean;
  /**
   * A Standard Schema v1 validator (zod, valibot, arktype…) of the app's
   * keys, checked synchronously on load (data it refuses gives a fresh
   * session and a `cookie_rejected` event, reason `invalid_data`) and at
   * every change (a refused change throws SessionDataError); its output type
   * becomes the session's type. See docs/schema.md.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any input; the output must be an object of keys
  schema?: StandardSchemaV1<any, Record<string, any>> | undefined;
  /** Clock in milliseconds, for tests. */
  now?: () => number;
  onEvent?: EventHandler;
}

/** Cookie options after checking. */
export interface ResolvedCookieOptions {
  readonly name: string;
  readonly path: string;
  readonly domain: string | undefined;
  readonly httpOnly: boolean;
  readonly secure: boolean | "auto";
  readonly sameSite: "Lax" | "Strict" | "None" | undefined;
  readonly partitioned: boolean;
  readonly maxBytes: number;
  readonly maxChunks: number;
}

/** Options after checking: frozen, units in names. */
export interface ResolvedOptions {
  readonly secrets: readonly (string | Uint8Array)[];
  readonly format: CookieFormat;
  readonly store: Store | undefined;
  readonly cookie: ResolvedCookieOptions;
  readonly lifetimeSeconds: number;
  readonly permanent: boolean;
  readonly refreshEachRequest: boolean;
  readonly idleTimeoutSeconds: number | undefined;
  readonly absoluteTimeoutSeconds: number | undefined;
  readonly regenerateGraceSeconds: number;
  readonly storeTimeoutMs: number;
  readonly autoPrune: ResolvedAutoPrune | undefined;
  readonly touchAfter: number;
  readonly saveOnServerError: boolean;
  readonly clearSiteDataOnDestroy: boolean;
  readonly devices: boolean;
  readonly clockSkewSeconds: number;
  readonly revocationStore: Store | undefined;
  readonly schema: SessionSchema | undefined;
  readonly now: () => number;
  readonly onEvent: EventHandler | undefined;
}

/** Placeholders found in tutorials and leaked configs; refused whatever their length. */
const PLACEHOLDERS = new Set([
  "secret", "secret_key", "secretkey", "your-secret-key", "your_secret_key", "yoursecretkey", "changeme", "change-me",
  "change_me", "keyboard cat", "dev", "development", "test", "password", "default", "mysecret", "my-secret",
  "supersecret", "super-secret", "super secret", "replace-me", "replace_me", "your-secret", "s3cr3t", "xxx",
  "your-super-secret-key-change-in-production", "please-change-me", "insecure", "notasecret",
]);

/** Cookie name: an RFC 6265 token (RFC 9110 tchar). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Path and Domain: visible ASCII without `;` (RFC 6265 §4.1.1 av-octet), so no attribute can be injected. */
const ATTRIBUTE_VALUE = /^[\x21-\x3a\x3c-\x7e]+$/;

/** Past a few minutes, "skew" is a broken clock: fix NTP rather than widen the window for replayed future cookies. */
const MAX_CLOCK_SKEW_SECONDS = 300;

const utf8 = new TextEncoder();

function byteLength(secret: string | Uint8Array): number {
  return typeof secret === "string" ? utf8.encode(secret).byteLength : secret.byteLength;
}

function resolveSecrets(options: SessionOptions, format: CookieFormat): (string | Uint8Array)[] {
  if (options.secret !== undefined && options.secrets !== undefined) {
    throw new ConfigError("secrets", "give either `secret` or `secrets` (newest first), not both.");
  }
  const list = options.secrets !== undefined ? [...options.secrets] : options.secret !== undefined ? [options.secret] : [];
  if (list.length === 0 || list.some((s) => (typeof s !== "string" && !(s instanceof Uint8Array)) || byteLength(s) === 0)) {
    throw new SecretError(
      "SECRET_MISSING",
      "a non-empty secret is required. Generate one with `node -e \"console.log(crypto.randomBytes(32).toString('base64url'))\"` and pass it as `secret` (read it from an environment variable).",
    );
  }
  for (const s of list) {
    const weak = byteLength(s) < 32 || (typeof s === "string" && PLACEHOLDERS.has(s.trim().toLowerCase()));
    if (!weak) continue;
    if (format === "flask") {
      // Flask apps in the wild use short keys, and sharing a login with them must work: warn, do not refuse.
      warnOnce(
        "SESSIONKIT_WEAK_SECRET",
        "sessionkit: a secret is shorter than 32 bytes or a well-known placeholder; anyone holding a cookie can try to guess it offline. Use 32 random bytes.",
      );
    } else if (!options.allowWeakSecret) {
      throw new SecretError(
        "SECRET_WEAK",
        `secrets must be at least 32 bytes of randomness and not a placeholder in the "${format}" format. Generate one with \`node -e "console.log(crypto.randomBytes(32).toString('base64url'))"\`.`,
      );
    }
  }
  return list;
}

function resolveCookie(c: CookieOptions = {}): ResolvedCookieOptions {
  const name = c.name ?? "session";
  if (!TOKEN.test(name)) throw new ConfigError("cookie.name", "use letters, digits and !#$%&'*+-.^_`|~ only (an RFC 6265 token).");
  const path = c.path ?? "/";
  if (!ATTRIBUTE_VALUE.test(path) || !path.startsWith("/")) {
    throw new ConfigError("cookie.path", "use a path starting with \"/\" made of visible ASCII characters other than \";\".");
  }
  const domain = c.domain === undefined || c.domain === "" ? undefined : c.domain.replace(/^\./, "");
  if (domain !== undefined && !ATTRIBUTE_VALUE.test(domain)) {
    throw new ConfigError("cookie.domain", "use a host name of visible ASCII characters other than \";\".");
  }
  const sameSiteRaw = c.sameSite === undefined ? "lax" : c.sameSite;
  if (sameSiteRaw !== false && !["lax", "strict", "none"].includes(String(sameSiteRaw).toLowerCase())) {
    throw new ConfigError("cookie.sameSite", "use \"lax\", \"strict\", \"none\" or false.");
  }
  const SAME_SITE: Record<string, "Lax" | "Strict" | "None"> = { lax: "Lax", strict: "Strict", none: "None" };
  const sameSite = sameSiteRaw === false ? undefined : SAME_SITE[String(sameSiteRaw).toLowerCase()];
  let secure = c.secure ?? "auto";
  if (secure !== true && secure !== false && secure !== "auto") throw new ConfigError("cookie.secure", "use true, false or \"auto\".");
  const partitioned = c.partitioned ?? false;
  const needsSecure = name.startsWith("__Host-") || name.startsWith("__Secure-") || partitioned || sameSite === "None";
  if (needsSecure) {
    if (secure === false) {
      throw new ConfigError("cookie.secure", "a `__Host-`/`__Secure-` name, `partitioned` or `sameSite: \"none\"` requires Secure: set `secure: true` (or leave \"auto\").");
    }
    secure = true; // browsers reject these cookies without Secure, so never send one without it
  }
  if (name.startsWith("__Host-") && (path !== "/" || domain !== undefined)) {
    throw new ConfigError("cookie.name", "a `__Host-` cookie requires `path: \"/\"` and no `domain`.");
  }
  const maxBytes = c.maxBytes ?? 4093;
  if (!Number.isInteger(maxBytes) || maxBytes < 0) throw new ConfigError("cookie.maxBytes", "use a whole number of bytes (0 turns the check off).");
  const maxChunks = c.maxChunks ?? 1;
  if (!Number.isInteger(maxChunks) || maxChunks < 1 || maxChunks > MAX_CHUNKS) {
    throw new ConfigError("cookie.maxChunks", `use a whole number from 1 (one cookie, the default) to ${MAX_CHUNKS}: more chunks would push the Cookie header past Node's 16 KiB header limit.`);
  }
  if (maxChunks > 1 && maxBytes === 0) throw new ConfigError("cookie.maxChunks", "chunks are cut at `cookie.maxBytes`: give it a size (not 0) to use chunks.");
  return Object.freeze({ name, path, domain, httpOnly: c.httpOnly ?? true, secure, sameSite, partitioned, maxBytes, maxChunks });
}

function resolveRevocation(options: SessionOptions): Store | undefined {
  if (options.revocation === undefined) return undefined;
  const store = options.revocation?.store;
  if (options.store !== undefined) {
    throw new ConfigError("revocation", "server-side sessions are revocable already (destroy, destroyAllForUser); use `revocation` with cookie sessions only.");
  }
  if (typeof store !== "object" || store === null || typeof store.load !== "function" || typeof store.create !== "function") {
    throw new ConfigError("revocation.store", "pass a store, such as `{ store: new RedisStore({ client }) }`, to keep revoked cookies in.");
  }
  return store;
}

/**
 * The `flask` format writes exactly what Flask writes, so that a Flask app
 * sharing the cookie sees only its own keys and a cookie Flask wrote is never
 * refused for lacking one of ours. Options that need a key of their own in
 * the cookie cannot work there: refuse them now, with what to do instead.
 */
function checkFlaskFormat(options: SessionOptions, format: CookieFormat): void {
  const chunked = (options.cookie?.maxChunks ?? 1) > 1;
  if (chunked && options.store !== undefined) {
    throw new ConfigError("cookie.maxChunks", "with a server-side store the cookie holds only an id, which never needs chunks; leave `cookie.maxChunks` out.");
  }
  if (format !== "flask" || options.store !== undefined) return;
  if (chunked) {
    throw new ConfigError(
      "cookie.maxChunks",
      "the flask cookie format stays one cookie: Flask reads only the `session` cookie and cannot join chunks. Keep the session under one cookie, use the \"signed\" or \"encrypted\" format, or a server-side store (the flask-session store shares big sessions with Flask-Session).",
    );
  }
  if (options.absoluteTimeout !== undefined) {
    throw new ConfigError(
      "absoluteTimeout",
      "the flask cookie format cannot carry the session's creation time (Flask would see the key, and Flask's own cookies lack it); use `idleTimeout` and `lifetime`, or a server-side store (the flask-session store shares sessions with Flask-Session).",
    );
  }
  if (options.revocation !== undefined) {
    throw new ConfigError(
      "revocation",
      "the flask cookie format cannot carry the ids revocation needs (Flask would see the keys); share sessions through a server-side store instead (the flask-session store shares them with Flask-Session), where logout ends them everywhere.",
    );
  }
}

function resolveDevices(options: SessionOptions): boolean {
  const devices = options.devices ?? false;
  if (typeof devices !== "boolean") throw new ConfigError("devices", "use true or false.");
  if (!devices) return false;
  const store = options.store;
  if (store === undefined || typeof store.listForUser !== "function") {
    throw new ConfigError("devices", "a user's devices are listed from a server-side store with a user index (listForUser): pass `store`, such as `new SqliteStore({ db })`.");
  }
  if (store.rawIds === true) {
    throw new ConfigError("devices", `the ${store.name} store keys records by raw id (Flask-Session's layout), so one session cannot be ended by the id hash a listing gives; use a hashed-id store.`);
  }
  return true;
}

function optionalDuration(value: Duration | undefined, option: string): number | undefined {
  return value === undefined ? undefined : parseDurationSeconds(value, option);
}

/**
 * Check and freeze the options of `createSessions`.
 *
 * @example
 * const resolved = resolveOptions({ secret: process.env.SECRET_KEY });
 */
export function resolveOptions(options: SessionOptions): ResolvedOptions {
  if (options === null || typeof options !== "object") throw new ConfigError("options", "pass an options object with at least `secret`.");
  const format = options.format ?? "signed";
  if (format !== "signed" && format !== "flask" && format !== "encrypted") {
    throw new ConfigError("format", "use \"signed\", \"flask\" or \"encrypted\".");
  }
  const store = options.store;
  if (store !== undefined && (typeof store !== "object" || typeof store.load !== "function" || typeof store.apply !== "function")) {
    throw new ConfigError("store", "pass a store object such as `new SqliteStore({ db })` (see sessionkit/stores/*).");
  }
  const grace = options.regenerateGraceSeconds ?? 10;
  const storeTimeoutMs = options.storeTimeoutMs ?? 2000;
  const touchAfter = options.touchAfter ?? 0.25;
  if (!(grace >= 0 && Number.isFinite(grace))) throw new ConfigError("regenerateGraceSeconds", "use a number of seconds ≥ 0.");
  if (!(storeTimeoutMs > 0 && Number.isFinite(storeTimeoutMs))) throw new ConfigError("storeTimeoutMs", "use a positive number of milliseconds.");
  if (!(touchAfter >= 0 && touchAfter <= 1)) throw new ConfigError("touchAfter", "use a fraction between 0 and 1.");
  const clockSkewSeconds = options.clockSkewSeconds ?? 0;
  if (!Number.isInteger(clockSkewSeconds) || clockSkewSeconds < 0 || clockSkewSeconds > MAX_CLOCK_SKEW_SECONDS) {
    throw new ConfigError("clockSkewSeconds", `use a whole number of seconds from 0 to ${MAX_CLOCK_SKEW_SECONDS} (0, the default, refuses any cookie from the future, as Flask does).`);
  }
  if (options.now !== undefined && typeof options.now !== "function") throw new ConfigError("now", "pass a function returning milliseconds.");
  if (options.onEvent !== undefined && typeof options.onEvent !== "function") throw new ConfigError("onEvent", "pass a function.");
  checkFlaskFormat(options, format);
  return Object.freeze({
    secrets: Object.freeze(resolveSecrets(options, format)),
    format,
    store,
    cookie: resolveCookie(options.cookie),
    lifetimeSeconds: parseDurationSeconds(options.lifetime ?? 2_678_400, "lifetime"),
    permanent: options.permanent ?? false,
    refreshEachRequest: options.refreshEachRequest ?? true,
    idleTimeoutSeconds: optionalDuration(options.idleTimeout, "idleTimeout"),
    absoluteTimeoutSeconds: optionalDuration(options.absoluteTimeout, "absoluteTimeout"),
    regenerateGraceSeconds: grace,
    storeTimeoutMs,
    autoPrune: resolveAutoPrune(options.autoPrune, store),
    touchAfter,
    saveOnServerError: options.saveOnServerError ?? false,
    clearSiteDataOnDestroy: options.clearSiteDataOnDestroy ?? false,
    devices: resolveDevices(options),
    clockSkewSeconds,
    revocationStore: resolveRevocation(options),
    schema: resolveSchema(options.schema),
    now: options.now ?? Date.now,
    onEvent: options.onEvent,
  });
}
