/**
 * Start-up failures, said plainly. `npm start` checks its store before it
 * listens (`sessions.ready()`), and when something is wrong it exits within
 * seconds with one line naming the variable to change, where it looked
 * (host and port, never a password) and why, in words. The exit codes are
 * in README.md.
 */
import { ConfigError, describeStoreCause, SessionkitError } from "sessionkit";
import { TutorialConfigError } from "./config.js";
import { UnknownStoreError } from "./store.js";

/**
 * Exit codes of `npm start` (the BSD sysexits the CLI uses too).
 *
 * @example
 * process.exit(EXIT_CODES.storeUnavailable);
 */
export const EXIT_CODES = Object.freeze({
  /** A variable's value cannot be used (SESSION_STORE malformed or unknown, PORT, SECRET_KEY…): EX_CONFIG. */
  config: 78,
  /** The store cannot be used: unreachable, refusing the credentials, without its database or table, unwritable: EX_UNAVAILABLE. */
  storeUnavailable: 69,
  /** Anything else (the port is taken, an unexpected error). */
  other: 1,
});

/** How long the store check may take in all, whatever the store's own deadlines. */
export const READY_BUDGET_MS = 3_000;

/**
 * The store named by SESSION_STORE cannot be used. The message names the
 * variable, the store and its host:port, and the cause in words.
 *
 * @example
 * throw new StoreStartupError("redis (127.0.0.1:6390)", socketError);
 */
export class StoreStartupError extends Error {
  readonly code = "TUTORIAL_STORE_UNAVAILABLE";
  /** The environment variable to change. */
  readonly variable = "SESSION_STORE";
  constructor(label: string, cause: unknown) {
    super(`tutorial: SESSION_STORE: cannot use the session store ${label}: ${describeStoreCause(cause).text}.`, { cause });
    this.name = "StoreStartupError";
  }
}

/**
 * Run `sessions.ready()` within {@link READY_BUDGET_MS}; a failure or a
 * store that takes longer becomes a StoreStartupError.
 *
 * @example
 * await checkStore(sessions, "postgres (127.0.0.1:5432)");
 */
export async function checkStore(sessions: { ready(): Promise<void> }, label: string, budgetMs = READY_BUDGET_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreStartupError(label, timeout())), budgetMs);
  });
  try {
    await Promise.race([sessions.ready(), late]);
  } catch (error) {
    throw error instanceof StoreStartupError ? error : new StoreStartupError(label, error);
  } finally {
    clearTimeout(timer);
  }
}

/** What describeStoreCause reads as "no answer in time" (a StoreError's timeout shape). */
function timeout(): object {
  return { code: "STORE_UNAVAILABLE", timedOut: true };
}

/**
 * The line to print and the exit code for an error that stopped the start.
 * Only our own messages are printed whole: they are written for the user and
 * hold no secret. Anything else is its class and code.
 *
 * @example
 * const { message, exitCode } = startupFailure(error); console.error(message); process.exit(exitCode);
 */
export function startupFailure(error: unknown): { message: string; exitCode: number } {
  if (error instanceof StoreStartupError) return { message: error.message, exitCode: EXIT_CODES.storeUnavailable };
  if (error instanceof TutorialConfigError || error instanceof UnknownStoreError) return { message: error.message, exitCode: EXIT_CODES.config };
  if (error instanceof ConfigError) {
    // createSessions names its option; the tutorial's user sets a variable.
    const variable = error.option === "secret" || error.option === "secrets" ? "SECRET_KEY" : `createSessions option ${error.option}`;
    return { message: `tutorial: ${variable}: ${error.message}`, exitCode: EXIT_CODES.config };
  }
  if (error instanceof SessionkitError) return { message: error.message, exitCode: EXIT_CODES.other };
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "EADDRINUSE") {
    return { message: "tutorial: PORT: the port is already in use; set PORT to another one (PORT=3001 npm start).", exitCode: EXIT_CODES.other };
  }
  return { message: `tutorial: could not start (${describeStoreCause(error).text})`, exitCode: EXIT_CODES.other };
}
