/**
 * CSRF tokens: a random secret kept in the session, and the masked tokens a
 * page carries.
 *
 * A page never shows the secret itself. Each token is a fresh random mask
 * followed by the mask XOR the secret's digest, as Rails and Django do: the
 * token differs on every call, so a compressed response (BREACH) cannot be
 * used to recover it byte by byte, yet every token of the session unmasks
 * to the same value. Anyone who holds a token can unmask it; masking hides
 * nothing from a reader of the page, only from a compression oracle.
 *
 * The secret is a string so that a Flask-WTF secret (40 hexadecimal
 * characters in `session["csrf_token"]`) is adopted as is: the masked
 * material is its SHA-256, 32 bytes whatever the secret's spelling.
 */
import { runtime } from "#runtime";

/** Bytes of the digest a token masks, and of the mask. */
const DIGEST_BYTES = 32;
/** base64url of mask | masked digest: 64 bytes, 86 characters without padding. */
const TOKEN_CHARS = 86;
/** A secret sessionkit made (32 random bytes, base64url) or Flask-WTF made (SHA-1 hex): 32 to 128 URL-safe characters. */
const SECRET_SHAPE = /^[A-Za-z0-9_-]{32,128}$/;
/** Exactly 86 base64url characters, canonical: 64 bytes fill 85 characters and 2 bits, so the last one's low 4 bits are 0. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{85}[AQgw]$/;

/**
 * Whether a session value is a usable CSRF secret (anything else is
 * replaced by a new one on the next {@link maskCsrfToken} request).
 *
 * @example
 * isCsrfSecret(newCsrfSecret()); // true
 * isCsrfSecret(42); // false
 */
export function isCsrfSecret(value: unknown): value is string {
  return typeof value === "string" && SECRET_SHAPE.test(value);
}

/**
 * A new CSRF secret: 256 random bits, base64url.
 *
 * @example
 * session.csrfToken(); // creates one with this when the session has none
 */
export function newCsrfSecret(): string {
  return runtime.base64urlEncode(random(DIGEST_BYTES));
}

function random(n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  runtime.randomFill(bytes);
  return bytes;
}

function digest(secret: string): Uint8Array {
  return runtime.sha256Sync(runtime.utf8Encode(secret));
}

/**
 * A token for `secret`, masked with fresh random bytes: a new string on
 * every call, each one accepted by {@link csrfTokenMatches}.
 *
 * @example
 * const token = maskCsrfToken(secret); // 86 base64url characters
 */
export function maskCsrfToken(secret: string): string {
  const material = digest(secret);
  const out = random(DIGEST_BYTES * 2);
  for (let i = 0; i < DIGEST_BYTES; i++) out[DIGEST_BYTES + i] = out[i]! ^ material[i]!;
  return runtime.base64urlEncode(out);
}

/**
 * Whether `token` (untrusted: any value a request carried) is a token of
 * `secret`. The unmasked digest is compared in constant time; a value of any
 * other type, length or alphabet is refused without decoding, and never throws.
 *
 * @example
 * csrfTokenMatches(secret, req.headers["x-csrf-token"]); // false for a forgery
 */
export function csrfTokenMatches(secret: string, token: unknown): boolean {
  if (typeof token !== "string" || token.length !== TOKEN_CHARS || !TOKEN_SHAPE.test(token)) return false;
  const bytes = runtime.base64urlDecode(token);
  if (bytes.length !== DIGEST_BYTES * 2) return false;
  const unmasked = new Uint8Array(DIGEST_BYTES);
  for (let i = 0; i < DIGEST_BYTES; i++) unmasked[i] = bytes[i]! ^ bytes[DIGEST_BYTES + i]!;
  return runtime.timingSafeEqual(unmasked, digest(secret));
}
