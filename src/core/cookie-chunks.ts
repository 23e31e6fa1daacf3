/**
 * Sessions bigger than one cookie (`cookie.maxChunks`): a value too long for
 * one cookie is cut into `NAME.0`, `NAME.1`, … and joined again on load, in
 * index order, before the codec verifies it. The codec's MAC covers the
 * whole joined value, so a chunk from another session, a missing, reordered
 * or edited chunk, or a stale one left behind fails verification and gives a
 * fresh session, as any forged cookie does.
 *
 * Limits, and why (docs/big-sessions.md):
 * - each chunk is a whole `Set-Cookie` of at most `cookie.maxBytes` (4093 by
 *   default: RFC 6265 §6.1 asks browsers for at least 4096 bytes a cookie);
 * - at most {@link MAX_CHUNKS} chunks: RFC 6265 asks for at least 50 cookies
 *   a domain, but the request's whole header block must fit Node's default
 *   16 KiB (`--max-http-header-size`; a longer one is answered 431 before any
 *   code runs) and `findCookie` reads the first 16 KiB of the Cookie header
 *   only; three chunks (~12 KB) leave ~4 KB for the app's other cookies and
 *   headers.
 */
import { findCookie } from "./cookie-header.js";

/** The most chunks a session cookie may be cut into (`cookie.maxChunks` ≤ this). */
export const MAX_CHUNKS = 3;

/** Which session cookies a request carried, so that a save can delete the ones it no longer writes. */
export interface CarriedCookies {
  /** The plain `NAME` cookie came. */
  readonly plain: boolean;
  /** One more than the highest chunk index that came (0: no chunk). */
  readonly chunks: number;
}

/** What {@link readSessionCookie} found. */
export interface SessionCookieRead {
  /** The session cookie's value: the joined chunks when `NAME.0` came, else the plain cookie's. */
  value: string | undefined;
  /** The most times one of the names was repeated (> 1: a duplicate to report). */
  count: number;
  carried: CarriedCookies;
}

/** No cookie carried. */
export const NOTHING_CARRIED: CarriedCookies = Object.freeze({ plain: false, chunks: 0 });
/** A request that brought the plain cookie only: the common case, shared rather than allocated per request. */
const PLAIN_ONLY: CarriedCookies = Object.freeze({ plain: true, chunks: 0 });

/**
 * The name of chunk `index` of cookie `name`, as Auth.js names them.
 *
 * @example
 * chunkName("session", 1); // "session.1"
 */
export function chunkName(name: string, index: number): string {
  return `${name}.${index}`;
}

/**
 * Read the session cookie, chunked or plain, from a Cookie header. Chunks
 * are joined from index 0 while they follow each other; whatever a gap, a
 * mix or an edit produces is for the codec's MAC to refuse.
 *
 * @example
 * readSessionCookie("session.0=ab; session.1=cd", "session", 3).value; // "abcd"
 */
export function readSessionCookie(header: string | undefined | null, name: string, maxChunks: number): SessionCookieRead {
  const plain = findCookie(header, name);
  if (maxChunks <= 1) return { value: plain.value, count: plain.count, carried: plain.count > 0 ? PLAIN_ONLY : NOTHING_CARRIED };
  let count = plain.count;
  let chunks = 0;
  let joined: string | undefined;
  let contiguous = true;
  // Read up to MAX_CHUNKS whatever maxChunks is now, so that chunks written under a larger setting are deleted.
  for (let index = 0; index < MAX_CHUNKS; index++) {
    const found = findCookie(header, chunkName(name, index));
    count = Math.max(count, found.count);
    if (found.count === 0) {
      contiguous = false;
      continue;
    }
    chunks = index + 1;
    if (contiguous && index < maxChunks) joined = (joined ?? "") + found.value;
  }
  return { value: joined ?? plain.value, count, carried: { plain: plain.count > 0, chunks } };
}
