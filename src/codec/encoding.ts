/**
 * Byte helpers, mirroring itsdangerous's `encoding.py`: URL-safe base64
 * without padding and minimal big-endian integers for timestamps.
 *
 * Decoding is strict (R48, docs/security-model.md): Node's and Python's
 * decoders silently drop characters outside the alphabet and ignore the
 * unused low bits of the last character, so several strings would decode to
 * the same bytes. We accept exactly one spelling per byte string — the one
 * itsdangerous emits — for signatures, timestamps and payloads alike (Flask
 * never emits another, and the payload text is covered by the MAC anyway).
 *
 * The bytes themselves come from the runtime (`#runtime`): Buffer's native
 * base64 on Node, a loop over a Uint8Array elsewhere.
 */
import { runtime } from "#runtime";

/** 1 for each char code of the URL-safe alphabet (A–Z a–z 0–9 - _), 0 otherwise. */
const URLSAFE = new Uint8Array(128);
/** Value of each URL-safe character, for the trailing-bits check. */
const URLSAFE_VALUE = new Uint8Array(128);
{
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (let i = 0; i < alphabet.length; i++) {
    URLSAFE[alphabet.charCodeAt(i)] = 1;
    URLSAFE_VALUE[alphabet.charCodeAt(i)] = i;
  }
}

/**
 * URL-safe base64 without `=` padding (itsdangerous `base64_encode`).
 *
 * @example
 * base64Encode(new Uint8Array([0x65, 0x53, 0xf1, 0x00])); // "ZVPxAA"
 */
export function base64Encode(bytes: Uint8Array): string {
  return runtime.base64urlEncode(bytes);
}

/**
 * True when `text[start, end)` is canonical unpadded URL-safe base64: only
 * alphabet characters, a length that is not 1 mod 4, and zero unused bits in
 * the last character. One loop over char codes, no regex, no copy.
 *
 * @example
 * isCanonicalBase64("ZVPxAA", 0, 6); // true
 * isCanonicalBase64("ZVPxAB", 0, 6); // false: non-zero trailing bits
 */
export function isCanonicalBase64(text: string, start: number, end: number): boolean {
  const length = end - start;
  const rest = length & 3;
  if (rest === 1) return false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || URLSAFE[c] === 0) return false;
  }
  if (rest === 0 || length === 0) return true;
  // 2 chars carry 12 bits for 1 byte (4 spare), 3 chars 18 bits for 2 bytes (2 spare).
  const last = URLSAFE_VALUE[text.charCodeAt(end - 1)]!;
  return (last & (rest === 2 ? 0x0f : 0x03)) === 0;
}

/**
 * Strict decode of unpadded URL-safe base64; `undefined` when not canonical.
 *
 * Checked by round trip: the runtime's decoder skips anything outside the
 * alphabet (and accepts `+`, `/` and `=`), and its encoder writes the one
 * canonical spelling of the bytes, so the text is canonical exactly when
 * re-encoding the decoded bytes gives it back. On Node both directions are
 * native; a JavaScript loop over the characters ({@link isCanonicalBase64})
 * costs about four times as much on a 140-character payload.
 *
 * @example
 * base64Decode("ZVPxAA"); // Uint8Array [65 53 f1 00]
 * base64Decode("ZVPxAA=="); // undefined
 */
export function base64Decode(text: string, start = 0, end = text.length): Uint8Array | undefined {
  const part = start === 0 && end === text.length ? text : text.slice(start, end);
  const bytes = runtime.base64urlDecode(part);
  return runtime.base64urlEncode(bytes) === part ? bytes : undefined;
}

/**
 * Minimal big-endian bytes of a non-negative integer (itsdangerous `int_to_bytes`):
 * leading zero bytes stripped, so 0 is empty.
 *
 * @example
 * intToBytes(1_700_000_000); // Uint8Array [65 53 f1 00]
 */
export function intToBytes(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError("intToBytes: need a safe non-negative integer");
  let length = 0;
  for (let v = value; v > 0; v = Math.floor(v / 256)) length++;
  const out = new Uint8Array(length);
  for (let i = length - 1, v = value; i >= 0; i--, v = Math.floor(v / 256)) out[i] = v % 256;
  return out;
}

/**
 * Big-endian bytes to an integer (itsdangerous `bytes_to_int`); `undefined`
 * past 2^53 - 1 (a timestamp no clock will reach; refused before arithmetic, R16).
 *
 * @example
 * bytesToInt(new Uint8Array([0x65, 0x53, 0xf1, 0x00])); // 1700000000
 */
export function bytesToInt(bytes: Uint8Array): number | undefined {
  if (bytes.length > 8) return undefined;
  let value = 0;
  for (let i = 0; i < bytes.length; i++) value = value * 256 + bytes[i]!;
  return Number.isSafeInteger(value) ? value : undefined;
}
