/**
 * Session ids: 256 bits from the CSPRNG, base64url (43 characters), drawn
 * from a pool so that one CSPRNG call serves many ids, checked for
 * syntax before any store call, and hashed (SHA-256) before they reach a
 * store, so a dump of the store yields no live cookie.
 */
import { runtime } from "#runtime";

const ID_BYTES = 32;
const POOL_IDS = 128;
const pool = new Uint8Array(ID_BYTES * POOL_IDS);
let offset = pool.length;

/**
 * A new random session id.
 *
 * @example
 * newSessionId(); // "q3V0…" (43 characters of A–Z a–z 0–9 - _)
 */
export function newSessionId(): string {
  if (offset + ID_BYTES > pool.length) {
    runtime.randomFill(pool);
    offset = 0;
  }
  const id = runtime.base64urlEncode(pool.subarray(offset, offset + ID_BYTES));
  // Wipe the used bytes so that the pool never holds an id after handing it out.
  pool.fill(0, offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return id;
}

/**
 * Whether a cookie value has the exact shape of an id this library issues:
 * 43 base64url characters, and canonical (the last character carries no stray bits).
 *
 * @example
 * isSessionIdSyntax("../../etc/passwd"); // false
 */
export function isSessionIdSyntax(value: string): boolean {
  if (value.length !== 43) return false;
  for (let i = 0; i < 43; i++) {
    const c = value.charCodeAt(i);
    const ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95;
    if (!ok) return false;
  }
  // 32 bytes = 256 bits = 42 full characters + 4 bits: the last character's low 2 bits must be 0.
  const last = value.charCodeAt(42);
  const sextet = last >= 65 && last <= 90 ? last - 65 : last >= 97 && last <= 122 ? last - 71 : last >= 48 && last <= 57 ? last + 4 : last === 45 ? 62 : 63;
  return (sextet & 3) === 0;
}

/**
 * Whether a cookie value has the shape of an id another implementation may
 * have issued, for stores that share ids with one (`rawIds`: Flask-Session's
 * `secrets.token_urlsafe(SESSION_ID_LENGTH)`, 16 to 128 base64url
 * characters). The store, not the syntax, decides whether the id exists.
 *
 * @example
 * isForeignIdSyntax("Jb3k_bqv2VEcGKrUnnD2gg"); // true (Flask-Session, SESSION_ID_LENGTH=16)
 */
export function isForeignIdSyntax(value: string): boolean {
  if (value.length < 16 || value.length > 128) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95;
    if (!ok) return false;
  }
  return true;
}

/**
 * The key a store sees for an id: base64url(SHA-256(id)).
 *
 * @example
 * hashSessionId(id); // 43 characters
 */
export function hashSessionId(id: string): string {
  return runtime.base64urlEncode(runtime.sha256Sync(runtime.utf8Encode(id)));
}
