export { createCookieCodec } from "./codec.js";
export type { CookieCodec, CookieCodecOptions, CookieFormat, DecodeOptions, EncodeOptions, OpenedCookie } from "./codec.js";
export {
  BadData,
  BadPayload,
  BadSignature,
  BadTimeSignature,
  CodecConfigError,
  PayloadTooLargeError,
  SignatureExpired,
  UnserializableValueError,
} from "./errors.js";
export type { BadDataReason, CodecErrorCode, PayloadLimit } from "./errors.js";
export { base64Decode, base64Encode, bytesToInt, intToBytes, isCanonicalBase64 } from "./encoding.js";
export { deriveKey, Signer, toItsdangerousOrder } from "./signer.js";
export type { DigestName, SignerOptions, Unsigned } from "./signer.js";
export { checkAge, encodeTimestamp, nowSeconds, TimestampSigner } from "./timed.js";
export type { TimedUnsigned, TimedUnsignOptions } from "./timed.js";
export { decodePayload, DEFAULT_MAX_DECOMPRESSED_BYTES, encodePayload } from "./url-safe.js";
export { EncryptedBox } from "./encrypted.js";
export { dumps, loads, pyFloatRepr, quote, TAG_KEYS } from "./tagged-json.js";
export type { DumpsOptions, LoadsOptions } from "./tagged-json.js";
export { isTuple, Markup, PyFloat, Tuple, tuple, UUID } from "./python-types.js";
export { httpDate, parseHttpDate } from "./http-date.js";
