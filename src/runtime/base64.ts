/**
 * Base64 on plain Uint8Array, for runtimes without Buffer: URL-safe without
 * padding (itsdangerous) and standard with padding (the tagged-JSON `" b"`
 * tag). Decoding reads the way Node's `Buffer.from(text, "base64")` does,
 * so every runtime reads the same bytes from the same text: both alphabets,
 * characters outside them skipped, stop at the first `=`, a lone trailing
 * character dropped. Property tests compare both directions with Buffer
 * (test/runtime/primitives.test.ts).
 */

const URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const STD_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/** Sextet of each char code, both alphabets; 64 = not base64. */
const SEXTET = new Uint8Array(128).fill(64);
for (let i = 0; i < 64; i++) {
  SEXTET[URL_ALPHABET.charCodeAt(i)] = i;
  SEXTET[STD_ALPHABET.charCodeAt(i)] = i;
}

function encode(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  let out = "";
  const n = bytes.length;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += alphabet[v >> 18]! + alphabet[(v >> 12) & 63]! + alphabet[(v >> 6) & 63]! + alphabet[v & 63]!;
  }
  if (n - i === 1) {
    const v = bytes[i]! << 16;
    out += alphabet[v >> 18]! + alphabet[(v >> 12) & 63]! + (pad ? "==" : "");
  } else if (n - i === 2) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += alphabet[v >> 18]! + alphabet[(v >> 12) & 63]! + alphabet[(v >> 6) & 63]! + (pad ? "=" : "");
  }
  return out;
}

/**
 * Unpadded URL-safe base64.
 *
 * @example
 * base64urlEncode(new Uint8Array([0x65, 0x53, 0xf1, 0x00])); // "ZVPxAA"
 */
export function base64urlEncode(bytes: Uint8Array): string {
  return encode(bytes, URL_ALPHABET, false);
}

/**
 * Padded standard base64.
 *
 * @example
 * base64Encode(new Uint8Array([0xff])); // "/w=="
 */
export function base64Encode(bytes: Uint8Array): string {
  return encode(bytes, STD_ALPHABET, true);
}

/**
 * Lenient decode of either alphabet, as Node's Buffer reads base64.
 *
 * @example
 * base64Decode("ZVPxAA"); // Uint8Array [0x65, 0x53, 0xf1, 0x00]
 */
export function base64Decode(text: string): Uint8Array {
  const out = new Uint8Array(Math.floor((text.length * 3) / 4) + 3);
  let o = 0;
  let acc = 0;
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3d) break; // "="
    const s = c < 128 ? SEXTET[c]! : 64;
    if (s === 64) continue;
    acc = (acc << 6) | s;
    if (++count === 4) {
      out[o++] = acc >> 16;
      out[o++] = (acc >> 8) & 0xff;
      out[o++] = acc & 0xff;
      acc = count = 0;
    }
  }
  if (count === 2) out[o++] = acc >> 4;
  else if (count === 3) {
    out[o++] = acc >> 10;
    out[o++] = (acc >> 2) & 0xff;
  }
  return out.subarray(0, o);
}
