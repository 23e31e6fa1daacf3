/**
 * The session a Next.js Server Component may have: every read of
 * {@link Session}, and every change refused with a
 * {@link ReadOnlySessionError} that says where to make it. Next.js renders
 * Server Components after it has decided the response's headers, so a
 * cookie set there could never reach the browser.
 */
import type { AppSessionData, SessionDataShape } from "../../core/app-data.js";
import { HeadersSentError, ReadOnlySessionError } from "../../core/errors.js";
import { sessionInternals, type Session } from "../../core/session.js";

type Key<Data> = keyof Data & string;

const HINT =
  "Next.js sets cookies only in Server Actions and Route Handlers: make the change there, with updateSession(sessions, (session) => …).";

/** The session a {@link ReadonlySession} reads, for the adapter's CSRF check. */
const UNDERLYING = new WeakMap<ReadonlySession<any>, Session<any>>();

/**
 * The loaded session behind a read-only view.
 *
 * @example
 * const session = readableSession(await getSession(sessions));
 */
export function readableSession<Data extends SessionDataShape>(view: ReadonlySession<Data>): Session<Data> {
  return UNDERLYING.get(view)!;
}

/**
 * A session that can be read but not changed (`getSession` in
 * sessionkit/next). The changing methods are there only to refuse: they do
 * not compile (their arguments are `never`), and throw
 * {@link ReadOnlySessionError} when called anyway.
 *
 * @example
 * const session = await getSession(sessions);
 * session.get("username"); // string | undefined
 */
export class ReadonlySession<Data extends SessionDataShape = AppSessionData> {
  readonly #session: Session<Data>;
  readonly #hint: string;

  /** @internal Made by `getSession` (and `getSessionFromRequest`, whose refusals say how Middleware redirects instead). */
  constructor(session: Session<Data>, hint: string = HINT) {
    // Marked committed, the session refuses every change itself (HeadersSentError), which
    // #refuse turns into the error that says what to do; nothing can slip past a method list.
    sessionInternals(session).committed = true;
    this.#session = session;
    this.#hint = hint;
    UNDERLYING.set(this, session);
  }

  /** The value under `key`, or undefined. */
  get<K extends Key<Data>>(key: K): Data[K] | undefined {
    return this.#session.get(key);
  }

  /** Whether `key` is set. */
  has(key: Key<Data> | (string & {})): boolean {
    return this.#session.has(key);
  }

  /** The keys the app set. */
  keys(): Key<Data>[] {
    return this.#session.keys();
  }

  /** `[key, value]` pairs, values copied. */
  entries(): [Key<Data>, Data[Key<Data>]][] {
    return this.#session.entries();
  }

  /** How many keys the app set. */
  get size(): number {
    return this.#session.size;
  }

  /** A plain copy of the data. */
  toJSON(): Partial<Data> {
    return this.#session.toJSON();
  }

  /** Whether the session's cookie outlives the browser (Flask's `session.permanent`). */
  get permanent(): boolean {
    return this.#session.permanent;
  }

  /** Refused: set `permanent` in a Server Action or Route Handler ("remember me" at login). */
  set permanent(_value: never) {
    this.#refuse("permanent");
  }

  /** True when the visitor brought no valid session. */
  get isNew(): boolean {
    return this.#session.isNew;
  }

  /**
   * A CSRF token, when the session already has a CSRF secret (made by a
   * Server Action or Route Handler that called `session.csrfToken()`).
   * Making the secret is a change: without one, this throws.
   */
  csrfToken(): string {
    return this.#refuse("csrfToken", () => this.#session.csrfToken());
  }

  /** Refused: change the session in a Server Action or Route Handler. */
  set(..._args: never[]): never {
    return this.#refuse("set");
  }

  /** Refused: change the session in a Server Action or Route Handler. */
  pop(..._args: never[]): never {
    return this.#refuse("pop");
  }

  /** Refused: change the session in a Server Action or Route Handler. */
  delete(..._args: never[]): never {
    return this.#refuse("delete");
  }

  /** Refused: change the session in a Server Action or Route Handler. */
  clear(..._args: never[]): never {
    return this.#refuse("clear");
  }

  /** Refused: change the session in a Server Action or Route Handler. */
  setdefault(..._args: never[]): never {
    return this.#refuse("setdefault");
  }

  /** Refused: taking the flashes removes them; do it in a Server Action or Route Handler. */
  consumeFlashes(..._args: never[]): never {
    return this.#refuse("consumeFlashes");
  }

  /** Refused: change the session in a Server Action or Route Handler. */
  flash(..._args: never[]): never {
    return this.#refuse("flash");
  }

  /** Refused: log in from a Server Action or Route Handler. */
  login(..._args: never[]): never {
    return this.#refuse("login");
  }

  /** Refused: change the session in a Server Action or Route Handler. */
  regenerate(..._args: never[]): never {
    return this.#refuse("regenerate");
  }

  /** Refused: log out from a Server Action or Route Handler. */
  destroy(..._args: never[]): never {
    return this.#refuse("destroy");
  }

  /** Refused: change the session in a Server Action or Route Handler. */
  setUser(..._args: never[]): never {
    return this.#refuse("setUser");
  }

  #refuse<T>(method: string, call?: () => T): T {
    if (call === undefined) throw new ReadOnlySessionError(method, this.#hint);
    try {
      return call();
    } catch (error) {
      if (error instanceof HeadersSentError) throw new ReadOnlySessionError(method, this.#hint);
      throw error;
    }
  }
}
