/**
 * The cookie `decode` and `verify` read, as the server would read it. A
 * session bigger than one cookie (`cookie.maxChunks`) arrives as `NAME.0`,
 * `NAME.1`, …; the server joins them in index order before the codec checks
 * the joined value (core/cookie-chunks.ts). The commands take the same three
 * shapes a person has at hand:
 *
 * - one cookie value, as before;
 * - the chunks' values, in index order (joined as they are given);
 * - a whole Cookie header (`session.0=…; session.1=…`, from the browser's
 *   developer tools, a `Cookie:` prefix allowed): read by the server's own
 *   readSessionCookie, so gaps, duplicates, chunks past `maxChunks` and a
 *   plain cookie beside the chunks are resolved exactly as on a request.
 *
 * A cookie value never holds `=` (base64url without padding, and dots), so
 * an argument with one is a header. A header without the session cookie
 * is reported as a value that is not a cookie (exit 1), never a usage error.
 */
import { chunkName, MAX_CHUNKS, readSessionCookie } from "../core/cookie-chunks.js";
import { findCookie } from "../core/cookie-header.js";
import { lastOption, type ParsedArgs, UsageError } from "./args.js";

/** The value to check and what to print before the verdict (never the value itself), or why there is none. */
export type CookieInput = { value: string; notes: string[] } | { problem: string };

/** An argument that is a Cookie header rather than a value: it has a `name=value` pair. */
const HEADER = /=/;

/**
 * `--max-chunks`: the app's `cookie.maxChunks` (1 to 3); default 3, the most
 * sessionkit ever writes, so a header with chunks is joined without a flag.
 *
 * @example
 * readMaxChunks(parseArgs(["--max-chunks", "2"], { valued: ["max-chunks"], flags: [] })); // 2
 */
export function readMaxChunks(args: ParsedArgs): number {
  const text = lastOption(args, "max-chunks");
  if (text === undefined) return MAX_CHUNKS;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > MAX_CHUNKS) {
    throw new UsageError(`--max-chunks is the app's cookie.maxChunks: a whole number from 1 to ${MAX_CHUNKS}`);
  }
  return value;
}

/**
 * The session cookie's value from the command's positionals, with notes on
 * how it was put together.
 *
 * @example
 * readCookieInput(["session.0=ab; session.1=cd"], "session", 3).value; // "abcd"
 */
export function readCookieInput(positionals: readonly string[], name: string, maxChunks: number): CookieInput {
  if (positionals.length === 0) throw new UsageError("give a cookie value, its chunks' values in order, or a whole Cookie header");
  const headers = positionals.filter((arg) => HEADER.test(arg));
  if (headers.length === 0) {
    if (positionals.length === 1) return { value: positionals[0]!, notes: [] };
    return { value: positionals.join(""), notes: [`joined ${positionals.length} chunk values, in the order given`] };
  }
  if (positionals.length > 1) throw new UsageError("give one Cookie header, or cookie values without names, not both");
  const header = positionals[0]!.replace(/^\s*cookie\s*:/i, "");
  const found = readSessionCookie(header, name, maxChunks);
  if (found.value === undefined) {
    // Exit 1 with the other values that are not a cookie: the server would find no session in this header either.
    return { problem: `not a cookie value (it holds \`=\`), and as a Cookie header it carries no ${name} cookie and no chunk ${name}.0 the server would read (is --cookie-name right?)` };
  }
  return { value: found.value, notes: headerNotes(header, name, maxChunks, found.carried, found.count) };
}

/** What the server did with the header's session cookies, in words. */
function headerNotes(header: string, name: string, maxChunks: number, carried: { plain: boolean; chunks: number }, count: number): string[] {
  const notes: string[] = [];
  const joined = maxChunks > 1 ? contiguousChunks(header, name, maxChunks) : 0;
  if (joined > 0) {
    notes.push(`cookie: ${name}.0 to ${name}.${joined - 1} joined (${joined} chunk${joined === 1 ? "" : "s"}), as the server reads them`);
    if (carried.plain) notes.push(`the header also carries a plain ${name} cookie: the server reads the chunks, and its next save deletes whichever it does not write`);
  } else {
    notes.push(`cookie: ${name}, from the header`);
  }
  if (carried.chunks > joined) {
    notes.push(`chunks up to ${name}.${carried.chunks - 1} came, but only ${joined === 0 ? "none" : `${name}.0 to ${name}.${joined - 1}`} are read (a gap, or past --max-chunks ${maxChunks}); the server's next save deletes the rest`);
  }
  if (count > 1) notes.push(`a session cookie name appears ${count} times: the server reads the first and reports a duplicate_cookie event`);
  return notes;
}

/** How many chunks the server joins: from index 0 while they follow each other, up to maxChunks. */
function contiguousChunks(header: string, name: string, maxChunks: number): number {
  let n = 0;
  while (n < maxChunks && findCookie(header, chunkName(name, n)).count > 0) n++;
  return n;
}
