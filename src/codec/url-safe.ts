/**
 * itsdangerous's `url_safe.py` (`URLSafeSerializerMixin`) and the payload
 * half of `serializer.py`: JSON text → maybe zlib → base64url, with a leading
 * `.` marking a compressed payload (docs/flask-format.md §1.5), and back.
 *
 * Compression is deflate.ts, a reproduction of CPython's zlib at level 6:
 * the payload is Flask's byte for byte, compressed or not, and the decision
 * to compress (zlib saves ≥ 2 bytes) is Flask's. The runtime's zlib
 * (`runtime.deflateLarge`: node:zlib, Chromium's fork with other bytes, or
 * CompressionStream) only compresses texts over 32 KiB, far past any cookie.
 * Inflation is inflate.ts (synchronous on every runtime), or node:zlib past
 * `JS_INFLATE_MAX` on Node; either is capped, so a bomb with a valid MAC
 * stops at the cap (H.51).
 */
import { runtime } from "#runtime";
import { then, type MaybePromise } from "../runtime/types.js";
import { DEFLATE_MAX_INPUT, deflateZlib } from "./deflate.js";
import { inflateZlib } from "./inflate.js";
import { base64Decode, base64Encode } from "./encoding.js";
import { BadPayload } from "./errors.js";
import { now } from "./signer.js";
import { loads, type LoadsOptions } from "./tagged-json-parse.js";

/** Default cap on the inflated payload: 64 KiB, sixteen times what a browser keeps in a cookie. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024;

/** Above this many compressed bytes node:zlib inflates faster than inflate.ts (measured: even at ~500 B). */
const JS_INFLATE_MAX = 400;
const inflateLarge = runtime.inflateLarge;

/** Strict: a payload that is authentic but not UTF-8 is a BadPayload, as in Python. */
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Flask's rule (itsdangerous `URLSafeSerializerMixin.dump_payload`): compress
 * when zlib saves at least 2 bytes. `minLengthToTry` skips the attempt for
 * short texts: compressing a 100-byte session costs about as much as the
 * rest of an encode, so the native `signed` format only tries it on texts
 * long enough to matter; the `flask` format always tries (0), as Flask does.
 *
 * @example
 * encodePayload('{"a":1}', 0); // "eyJhIjoxfQ"
 */
export function encodePayload(json: string, minLengthToTry: number): string {
  return now(encodePayloadAsync(json, minLengthToTry));
}

/**
 * {@link encodePayload} on every runtime: synchronous but for a text over
 * 32 KiB outside Node (CompressionStream is asynchronous).
 *
 * @example
 * await encodePayloadAsync('{"a":1}', 0); // "eyJhIjoxfQ"
 */
export function encodePayloadAsync(json: string, minLengthToTry: number): MaybePromise<string> {
  const bytes = runtime.utf8Encode(json);
  if (json.length < minLengthToTry) return base64Encode(bytes);
  const pick = (compressed: Uint8Array): string => (compressed.length < bytes.length - 1 ? `.${base64Encode(compressed)}` : base64Encode(bytes));
  return bytes.length <= DEFLATE_MAX_INPUT ? pick(deflateZlib(bytes)) : then(runtime.deflateLarge(bytes), pick);
}

/** Options of {@link decodePayload}. */
export interface DecodePayloadOptions extends LoadsOptions {
  /** Cap on the inflated bytes (default 64 KiB). */
  maxDecompressedBytes?: number;
}

/**
 * Only call on authenticated text: base64url (strict) → inflate if it
 * starts with `.` (capped) → UTF-8 (strict) → tagged JSON. Throws
 * `BadPayload` for any failure, with the underlying error as `cause`.
 *
 * @example
 * decodePayload("eyJhIjoxfQ"); // { a: 1 } (null prototype)
 */
export function decodePayload(payload: string, options?: DecodePayloadOptions): unknown {
  const compressed = payload.charCodeAt(0) === 0x2e;
  let bytes: Uint8Array | undefined = base64Decode(payload, compressed ? 1 : 0, payload.length);
  if (bytes === undefined) throw new BadPayload("sessionkit/codec: could not decode the payload: bad base64");
  if (compressed) {
    try {
      const cap = options?.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
      bytes = bytes.length <= JS_INFLATE_MAX || inflateLarge === undefined ? inflateZlib(bytes, cap) : inflateLarge(bytes, cap);
    } catch (error) {
      // Any failure (broken stream, output over the cap) means the same thing here: InflateError or zlib's.
      throw new BadPayload("sessionkit/codec: could not decompress the payload (broken, or larger than the cap)", {
        cause: error,
      });
    }
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (error) {
    throw new BadPayload("sessionkit/codec: could not decode the payload: not UTF-8", { cause: error });
  }
  return loads(text, options);
}
