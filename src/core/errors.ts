/**
 * The errors a user can act on, one class each, with a stable `code`.
 *
 * Messages say what to change. They never contain a secret, a cookie value or
 * a session id: the constructor takes only what is safe to print.
 */
import { describeStoreCause, type StoreCause } from "./store-cause.js";

/** Stable codes: match on these (or on the class), never on the message. */
export type SessionkitErrorCode =
  | "CONFIG_INVALID"
  | "SECRET_MISSING"
  | "SECRET_WEAK"
  | "COOKIE_TOO_LARGE"
  | "STORE_UNAVAILABLE"
  | "SESSION_INTERRUPTED"
  | "HEADERS_SENT"
  | "SESSION_READ_ONLY"
  | "SESSION_DESTROYED"
  | "SESSION_DATA_INVALID"
  | "SESSION_FORMAT_UNSUPPORTED"
  | "CSRF_REFUSED";

/**
 * Base class of every sessionkit error.
 *
 * @example
 * try { await handle(req) } catch (e) { if (e instanceof SessionkitError) log(e.code) }
 */
export class SessionkitError extends Error {
  readonly code: SessionkitErrorCode;
  constructor(code: SessionkitErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * A bad option given to `createSessions` or a store; thrown at creation, never per request.
 *
 * @example
 * createSessions({ secret: "x".repeat(40), cookie: { name: "a;b" } }); // throws ConfigError
 */
export class ConfigError extends SessionkitError {
  /** The option at fault, as a dotted path such as `cookie.sameSite`. */
  readonly option: string;
  constructor(option: string, message: string, code: SessionkitErrorCode = "CONFIG_INVALID") {
    super(code, `sessionkit: invalid option \`${option}\`: ${message}`);
    this.option = option;
  }
}

/**
 * The secret is missing, empty, too short or a well-known placeholder.
 *
 * @example
 * createSessions({ secret: "keyboard cat" }); // throws SecretError (code SECRET_WEAK)
 */
export class SecretError extends ConfigError {
  constructor(code: "SECRET_MISSING" | "SECRET_WEAK", message: string) {
    super("secret", message, code);
  }
}

/**
 * The session cookie would exceed the browser limit; the browser would drop it
 * silently and keep the old one, so sessionkit refuses to send it.
 *
 * @example
 * catch (e) { if (e instanceof CookieTooLargeError) console.log(e.sizeBytes, e.limitBytes) }
 */
export class CookieTooLargeError extends SessionkitError {
  readonly sizeBytes: number;
  readonly limitBytes: number;
  readonly cookieName: string;
  /** With `cookie.maxChunks` > 1: how many cookies the session may take (the limit the value exceeds). */
  readonly maxChunks: number | undefined;
  constructor(cookieName: string, sizeBytes: number, limitBytes: number, maxChunks?: number) {
    super(
      "COOKIE_TOO_LARGE",
      maxChunks === undefined
        ? `sessionkit: the "${cookieName}" cookie would be ${sizeBytes} bytes, over the limit of ${limitBytes} bytes; ` +
            "browsers drop such cookies silently. Keep less in the session, or pass a server-side `store` to createSessions."
        : `sessionkit: the "${cookieName}" session would be ${sizeBytes} bytes, more than cookie.maxChunks (${maxChunks}) cookies of cookie.maxBytes each can carry (${limitBytes} bytes with their attributes); ` +
            "past that the request's Cookie header nears Node's 16 KiB header limit. Keep less in the session, or pass a server-side `store` to createSessions.",
    );
    this.sizeBytes = sizeBytes;
    this.limitBytes = limitBytes;
    this.cookieName = cookieName;
    this.maxChunks = maxChunks;
  }
}

/**
 * A store call failed or timed out. Adapters answer 503 unless the app handles it.
 *
 * @example
 * catch (e) { if (e instanceof StoreError) console.log(e.storeName, e.operation) }
 */
export class StoreError extends SessionkitError {
  readonly storeName: string;
  readonly operation: string;
  readonly timedOut: boolean;
  /**
   * True when the failure is known to be transient, so the request can be
   * tried again later: the call timed out, or the store said so (a cause with
   * `retryable: true`, such as SQLite's SqliteBusyError, where nothing was
   * written).
   */
  readonly retryable: boolean;
  /**
   * True when the call was a write that failed after it may have reached the
   * store (a timeout, or a connection lost after the command was sent: a
   * network store cannot know): the change may or may not have been applied.
   * False for reads, and for failures the store reports as nothing written
   * (a cause with `retryable: true`, such as SQLite's busy error, or a write
   * the store dropped because core had given up on it).
   */
  readonly mayHaveApplied: boolean;
  constructor(storeName: string, operation: string, cause: unknown, timedOut = false, mayHaveApplied = false) {
    super(
      "STORE_UNAVAILABLE",
      timedOut
        ? `sessionkit: the ${storeName} store did not answer \`${operation}\` in time${mayHaveApplied ? " (the write may or may not have been applied)" : ""}; check that it is up and reachable, or raise \`storeTimeoutMs\`.`
        : failedMessage(storeName, operation, describeStoreCause(cause)) + (mayHaveApplied ? " The write may or may not have been applied." : ""),
      { cause },
    );
    this.storeName = storeName;
    this.operation = operation;
    this.timedOut = timedOut;
    this.mayHaveApplied = mayHaveApplied;
    this.retryable = timedOut || (typeof cause === "object" && cause !== null && (cause as { retryable?: unknown }).retryable === true);
  }
}

/**
 * The session was destroyed or regenerated by another request while this one
 * was running, so this request's changes were not saved (they would have
 * brought a logged-out session back).
 *
 * @example
 * catch (e) { if (e instanceof SessionInterruptedError) res.redirect("/login") }
 */
export class SessionInterruptedError extends SessionkitError {
  /** What the other request did: ended the session, or gave it a new id. */
  readonly reason: "destroyed" | "regenerated";
  constructor(reason: "destroyed" | "regenerated") {
    super(
      "SESSION_INTERRUPTED",
      reason === "destroyed"
        ? "sessionkit: the session was destroyed by another request (a logout?) while this one ran; its changes were not saved."
        : "sessionkit: the session was regenerated by another request while this one ran; its changes were not saved.",
    );
    this.reason = reason;
  }
}

/**
 * A change to a session that was already committed with the response
 * headers: it could reach neither the visitor nor the store. Thrown
 * synchronously by the mutating call itself (set, delete, pop, clear, flash,
 * login, regenerate, destroy, …); reads stay allowed.
 *
 * @example
 * res.flushHeaders(); req.session.set("a", 1); // throws HeadersSentError
 */
export class HeadersSentError extends SessionkitError {
  constructor() {
    super(
      "HEADERS_SENT",
      "sessionkit: the session was changed after it was committed with the response headers, so the change could not be saved; make every session change before sending (or starting to send) the response.",
    );
  }
}

/**
 * A change to a session handed out for reading only: where the framework
 * cannot send a cookie (a Next.js Server Component renders after the
 * response headers are decided), a change could never be saved. Thrown by
 * the mutating call itself; reads stay allowed.
 *
 * @example
 * const session = await getSession(sessions); // sessionkit/next, in a Server Component
 * session.set("a", 1); // throws ReadOnlySessionError
 */
export class ReadOnlySessionError extends SessionkitError {
  /** The call that was refused (`set`, `login`, `csrfToken`…). */
  readonly method: string;
  constructor(method: string, hint: string) {
    super("SESSION_READ_ONLY", `sessionkit: session.${method}() changes a session that can only be read here; ${hint}`);
    this.method = method;
  }
}

/**
 * A session feature the configured cookie format or store cannot carry:
 * the `flask` cookie format and the flask-session store hold only what Flask
 * writes, so a Flask app sharing them never sees a key it did not write.
 *
 * @example
 * catch (e) { if (e instanceof FormatUnsupportedError) console.log(e.feature) }
 */
export class FormatUnsupportedError extends SessionkitError {
  /** The refused call, such as `setExpiry`. */
  readonly feature: string;
  constructor(feature: string, message: string) {
    super("SESSION_FORMAT_UNSUPPORTED", `sessionkit: session.${feature}() ${message}`);
    this.feature = feature;
  }
}

/** One thing the session's schema refused: where (the data keys' path) and the validator's words. */
export interface SessionDataIssue {
  readonly path: readonly string[];
  readonly message: string;
}

/**
 * A change the session's `schema` refuses: thrown by the call that made it
 * (set, pop, delete, setdefault), or by the commit when a value changed in
 * place no longer passes. The session keeps its data as before the call.
 *
 * @example
 * try { session.set("visits", -1) } catch (e) { if (e instanceof SessionDataError) console.log(e.issues) }
 */
export class SessionDataError extends SessionkitError {
  /** What the schema said: key paths and the validator's messages (which may quote the value: log them with care). */
  readonly issues: readonly SessionDataIssue[];
  /** The call that was refused (`set`, `pop`, `delete`, `commit`…). */
  readonly method: string;
  constructor(method: string, issues: readonly SessionDataIssue[]) {
    // Key paths only: a validator's message may quote the value (valibot's does), and session values stay out of messages and logs.
    const paths = [...new Set(issues.map((issue) => (issue.path.length > 0 ? `\`${issue.path.join(".")}\`` : "the whole data")))];
    super(
      "SESSION_DATA_INVALID",
      `sessionkit: the session's schema refuses the data session.${method}() would leave, at ${paths.join(", ")} (the validator's words are in \`error.issues\`). ` +
        "Store a value the schema accepts, or change the schema given to createSessions.",
    );
    this.issues = issues;
    this.method = method;
  }
}

/** The message of a failed call: the cause in words (never a driver's message, which may hold a key or id). */
function failedMessage(storeName: string, operation: string, cause: StoreCause): string {
  const advice = cause.known ? "" : " Check that it is up and reachable.";
  return `sessionkit: the ${storeName} store failed on \`${operation}\`: ${cause.text}.${advice}`;
}
