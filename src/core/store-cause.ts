/**
 * Why a store failed, in words, from codes alone: the errno codes of Node's
 * sockets and files (ECONNREFUSED, ENOTFOUND, EACCES…), PostgreSQL's
 * SQLSTATEs (28P01, 3D000, 42P01…), SQLite's result codes (SQLITE_CANTOPEN…)
 * and the error codes of Redis replies (WRONGPASS, NOAUTH, READONLY…).
 * StoreError's message, the tutorial's log and the CLI all use it.
 *
 * It never returns a driver's message, nor reads one for meaning: a message
 * can quote a URL with its password, a key or a session id. What it returns
 * is a fixed sentence from the tables in ./store-cause-words.ts, the code
 * (checked to be a plain identifier), and at most an error's class name.
 */
import { CLASS_WORDS, ERRNO_WORDS, REDIS_WORDS, SQLITE_WORDS, SQLSTATE_CLASS_WORDS, SQLSTATE_WORDS, type Words } from "./store-cause-words.js";

/**
 * A store failure's cause, safe to log and show.
 *
 * @example
 * const cause = describeStoreCause(error); // { code: "3D000", text: "the database does not exist (SQLSTATE 3D000): …", known: true }
 */
export interface StoreCause {
  /** The code found (errno, SQLSTATE, SQLite or Redis), if any. */
  readonly code: string | undefined;
  /** What went wrong and what to change, without a final period. */
  readonly text: string;
  /** False when no table knows the code: `text` is then only the class and the code. */
  readonly known: boolean;
}

/** Classes whose errors are Redis error replies (node-redis v5, ioredis). */
const REDIS_REPLY_CLASSES = new Set(["ErrorReply", "SimpleError", "BlobError", "ReplyError"]);
/** A code we are willing to print: a plain identifier, never free text. */
const CODE = /^[A-Za-z0-9_]{1,48}$/;
/** A class name we are willing to print. */
const CLASS_NAME = /^[A-Za-z_$][\w$]{0,63}$/;
/** SQLSTATE: five characters, of a class PostgreSQL defines (digits, or F0, HV, P0, XX; no errno name fits). */
const SQLSTATE = /^(?:[0-9][0-9A-Z]|F0|HV|P0|XX)[0-9A-Z]{3}$/;
/** How deep to follow `cause` and AggregateError's `errors`. */
const MAX_DEPTH = 5;

/**
 * The class name of an error, for messages: its `name` when it says more
 * than "Error", else its constructor's name (node-redis leaves `name` as
 * "Error" on its own classes).
 *
 * @example
 * errorClassName(new TypeError("x")); // "TypeError"
 */
export function errorClassName(error: unknown): string {
  if (typeof error !== "object" || error === null) return typeof error;
  const name = (error as { name?: unknown }).name;
  if (typeof name === "string" && name !== "Error" && CLASS_NAME.test(name)) return name;
  const ctor = (error as { constructor?: { name?: unknown } }).constructor?.name;
  if (typeof ctor === "string" && CLASS_NAME.test(ctor) && ctor !== "Object") return ctor;
  return typeof name === "string" && CLASS_NAME.test(name) ? name : "Error";
}

/**
 * The error code of a Redis error reply. By the RESP specification the
 * first word of an error reply ("WRONGPASS", "NOAUTH", …) is its
 * machine-readable code, distinct from the text after it; neither node-redis
 * nor ioredis copies it to a field. Read only on the reply classes, and only
 * that first word.
 */
function redisReplyCode(error: object): string | undefined {
  if (!REDIS_REPLY_CLASSES.has(errorClassName(error))) return undefined;
  const message = (error as { message?: unknown }).message;
  if (typeof message !== "string") return undefined;
  return /^([A-Z][A-Z0-9_]{1,31})(?:\s|$)/.exec(message)?.[1];
}

function sqliteWords(code: string): Words | undefined {
  if (!code.startsWith("SQLITE_")) return undefined;
  // Extended result codes (SQLITE_READONLY_DIRECTORY, SQLITE_IOERR_WRITE…) share their primary code's meaning.
  const primary = /^SQLITE_[A-Z]+/.exec(code)?.[0] ?? code;
  return SQLITE_WORDS[primary] ?? SQLITE_WORDS[code];
}

/** The words for one error's own code, or undefined. */
function wordsFor(error: object): { code: string; words: Words; label: string } | undefined {
  const raw = (error as { code?: unknown }).code;
  const code = typeof raw === "string" && CODE.test(raw) ? raw : undefined;
  if (code !== undefined) {
    const errno = Object.hasOwn(ERRNO_WORDS, code) ? ERRNO_WORDS[code] : undefined;
    if (errno) return { code, words: errno, label: code };
    const sqlite = sqliteWords(code);
    if (sqlite) return { code, words: sqlite, label: code };
    if (SQLSTATE.test(code)) {
      const words = (Object.hasOwn(SQLSTATE_WORDS, code) ? SQLSTATE_WORDS[code] : undefined) ?? SQLSTATE_CLASS_WORDS[code.slice(0, 2)];
      if (words) return { code, words, label: `SQLSTATE ${code}` };
    }
  }
  const reply = redisReplyCode(error);
  if (reply !== undefined) {
    const words = (Object.hasOwn(REDIS_WORDS, reply) ? REDIS_WORDS[reply] : undefined) ?? ["the Redis server refused the command", "check the server's log"];
    return { code: reply, words, label: reply };
  }
  const byClass = CLASS_WORDS[errorClassName(error)];
  if (byClass) return { code: errorClassName(error), words: byClass, label: errorClassName(error) };
  return undefined;
}

/** The errors to look at, the given one first, then its causes and aggregated errors (depth-first, bounded). */
function* chain(error: unknown, depth = 0): Generator<object> {
  if (typeof error !== "object" || error === null || depth > MAX_DEPTH) return;
  yield error;
  const errors = (error as { errors?: unknown }).errors;
  if (Array.isArray(errors)) for (const inner of errors.slice(0, 4)) yield* chain(inner, depth + 1);
  yield* chain((error as { cause?: unknown }).cause, depth + 1);
}

/**
 * Describe why a store call failed, from the codes of the error and of its
 * causes (`cause`, AggregateError's `errors`). Unknown errors are described
 * by class and code only, with `known: false`.
 *
 * @example
 * describeStoreCause(Object.assign(new Error("…"), { code: "ECONNREFUSED" })).text;
 * // "connection refused (ECONNREFUSED): nothing is listening at that host and port; start the server, or correct the host or port"
 */
export function describeStoreCause(error: unknown): StoreCause {
  if (isTimeout(error)) {
    return { code: undefined, text: "no answer in time: the store is down, unreachable or overloaded; check that it is up and reachable, or raise `storeTimeoutMs`", known: true };
  }
  let firstCode: string | undefined;
  for (const link of chain(error)) {
    // A StoreError wrapping the real cause: describe the cause.
    if ((link as { code?: unknown }).code === "STORE_UNAVAILABLE") continue;
    const found = wordsFor(link);
    if (found) {
      const [what, fix] = found.words;
      return { code: found.code, text: `${what} (${found.label}): ${fix}`, known: true };
    }
    const code = (link as { code?: unknown }).code;
    if (firstCode === undefined && typeof code === "string" && CODE.test(code)) firstCode = code;
  }
  const root = firstLink(error);
  const name = errorClassName(root);
  return { code: firstCode, text: firstCode === undefined ? name : `${name} (${firstCode})`, known: false };
}

/** A StoreError (or any error) that marks a deadline passed. */
function isTimeout(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "STORE_UNAVAILABLE" && (error as { timedOut?: unknown }).timedOut === true;
}

/** The error itself, or a StoreError's cause. */
function firstLink(error: unknown): unknown {
  if (typeof error === "object" && error !== null && (error as { code?: unknown }).code === "STORE_UNAVAILABLE") {
    return (error as { cause?: unknown }).cause;
  }
  return error;
}
