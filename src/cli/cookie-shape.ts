/**
 * What a cookie value says about itself before any secret is used: which
 * format its shape is (`decode` reports it, `verify` picks it when no format
 * is configured), and its signing time, read without trusting it. Every
 * reading is bounded: a forged value (huge timestamp, odd characters, a
 * 100 KB string) is described, never thrown on.
 */
import { base64Decode, bytesToInt, type CookieFormat } from "../codec/index.js";

/** The codec refuses longer values before any work (its `maxValueLength`); so does the CLI. */
export const MAX_COOKIE_LENGTH = 16 * 1024;
/** base64url signature lengths: HMAC-SHA1 (flask) and HMAC-SHA256 (signed). */
const SIGNATURE_LENGTH: Readonly<Record<number, CookieFormat>> = { 27: "flask", 43: "signed" };
/** The characters a cookie value of any format is made of. */
const COOKIE_CHARS = /^[A-Za-z0-9_.-]+$/;
/** The last millisecond a JavaScript Date can hold (ECMA-262 §21.4.1.1). */
const MAX_DATE_MS = 8.64e15;

/**
 * A signed cookie cut at its two last dots, or why it is not one.
 *
 * @example
 * splitSigned("eyJhIjoxfQ.ZVPxAA.sig…").parts?.timestamp; // "ZVPxAA"
 */
export function splitSigned(value: string): { parts?: { payload: string; timestamp: string; signature: string }; problem?: string } {
  if (value.length === 0 || value.length > MAX_COOKIE_LENGTH) {
    return { problem: `not a cookie: ${value.length === 0 ? "empty" : `${value.length} characters, longer than any cookie (the limit is ${MAX_COOKIE_LENGTH})`}` };
  }
  if (!COOKIE_CHARS.test(value)) return { problem: "not a cookie: it holds characters other than letters, digits, `-`, `_` and `.`" };
  const sigDot = value.lastIndexOf(".");
  const tsDot = sigDot > 0 ? value.lastIndexOf(".", sigDot - 1) : -1;
  if (tsDot < 0) {
    return { problem: "not a signed cookie (payload.timestamp.signature); an encrypted cookie needs `sessionkit verify --format encrypted`" };
  }
  return { parts: { payload: value.slice(0, tsDot), timestamp: value.slice(tsDot + 1, sigDot), signature: value.slice(sigDot + 1) } };
}

/**
 * The format a cookie's shape says, or `undefined` when it fits none: a
 * 27-character signature is flask's, a 43-character one is signed's, one
 * base64url block opening with version byte 1 is encrypted.
 *
 * @example
 * formatFromShape(flaskCookie); // "flask"
 */
export function formatFromShape(value: string): CookieFormat | undefined {
  const { parts } = splitSigned(value);
  if (parts) return SIGNATURE_LENGTH[parts.signature.length];
  if (value.length < 64 || value.length > MAX_COOKIE_LENGTH || value.includes(".") || !COOKIE_CHARS.test(value)) return undefined;
  return base64Decode(value.slice(0, 4))?.[0] === 1 ? "encrypted" : undefined;
}

/**
 * An itsdangerous timestamp segment, read: its Unix seconds, or why it cannot be a signing time.
 *
 * @example
 * readTimestamp("ZVPxAA"); // { seconds: 1700000000 }
 */
export function readTimestamp(segment: string): { seconds: number } | { problem: string } {
  const bytes = base64Decode(segment);
  const seconds = bytes === undefined ? undefined : bytesToInt(bytes);
  if (seconds === undefined) return { problem: "malformed timestamp" };
  if (isoSeconds(seconds) === undefined) return { problem: `timestamp ${seconds} is beyond any date` };
  return { seconds };
}

/**
 * Unix seconds as an ISO date, or `undefined` past what a Date can hold
 * (a forged timestamp can say anything; `new Date(huge).toISOString()` throws).
 *
 * @example
 * isoSeconds(0); // "1970-01-01T00:00:00.000Z"
 */
export function isoSeconds(seconds: number): string | undefined {
  const ms = seconds * 1000;
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString() : undefined;
}

/**
 * What a signature's length says.
 *
 * @example
 * describeSignature("x".repeat(27)); // "27 chars, HMAC-SHA1 (format flask)"
 */
export function describeSignature(signature: string): { text: string; known: boolean } {
  const format = SIGNATURE_LENGTH[signature.length];
  if (format === "flask") return { text: "27 chars, HMAC-SHA1 (format flask)", known: true };
  if (format === "signed") return { text: "43 chars, HMAC-SHA256 (format signed)", known: true };
  return { text: `${signature.length} chars: neither flask's 27 nor signed's 43 (truncated or forged)`, known: false };
}
