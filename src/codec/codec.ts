/**
 * `createCookieCodec`: the one object core uses to turn session data into a
 * cookie value and back, in one of three formats:
 *
 * - `flask`: exactly Flask's cookie (itsdangerous `URLSafeTimedSerializer`,
 *   HMAC-SHA1, salt `cookie-session`, HMAC key derivation, tagged JSON, zlib
 *   when it saves ≥ 2 bytes) — docs/flask-format.md §1;
 * - `signed` (default): the same layout with HMAC-SHA256, compression tried
 *   only on longer payloads (see `encodePayload`);
 * - `encrypted`: AES-256-GCM with a per-cookie key (see `encrypted.ts`).
 *
 * Secrets are newest first: `secrets[0]` signs, all verify. Keys are derived
 * here, once. Every decode checks the MAC (or the GCM tag) before anything
 * is decoded, inflated or parsed.
 *
 * `encode`, `decode` and `open` answer synchronously where the runtime's
 * crypto does (Node: `codec.sync`); `encodeAsync`, `decodeAsync` and
 * `openAsync` work on every runtime (Web Crypto is asynchronous), with the
 * same bytes out.
 */
import { runtime } from "#runtime";
import { then, type MaybePromise } from "../runtime/types.js";
import { EncryptedBox, type Opened } from "./encrypted.js";
import { BadPayload, BadSignature, CodecConfigError, PayloadTooLargeError, UnserializableValueError } from "./errors.js";
import type { LoadsOptions } from "./tagged-json-parse.js";
import { dumps, loads } from "./tagged-json.js";
import { now } from "./signer.js";
import { nowSeconds, TimestampSigner, type TimedUnsigned, type TimedUnsignOptions } from "./timed.js";
import { decodePayload, DEFAULT_MAX_DECOMPRESSED_BYTES, encodePayloadAsync } from "./url-safe.js";

/** The three cookie formats. */
export type CookieFormat = "flask" | "signed" | "encrypted";

/** Options of {@link createCookieCodec}. */
export interface CookieCodecOptions {
  /** Default `"signed"`. */
  format?: CookieFormat;
  /** Newest first: the first signs, all verify. Strings are UTF-8; at least one, none empty. */
  secrets: readonly (string | Uint8Array)[];
  /** Cap on inflated payload bytes (default 64 KiB). */
  maxDecompressedBytes?: number;
  /**
   * itsdangerous's salt (the purpose the MAC is bound to). Default
   * `"cookie-session"`, which the `flask` format needs to talk to Flask;
   * native formats may bind it to the cookie name (R45).
   */
  salt?: string;
  /** Nesting cap for the JSON (default 64). */
  maxDepth?: number;
  /** Cap on the number of keys and items in the JSON (default 10,000). */
  maxKeys?: number;
  /** Longest cookie value accepted before any work (default 16 KiB, four browser cookies). */
  maxValueLength?: number;
}

/** Per-call options of `encode`. */
export interface EncodeOptions {
  /** The signing time, in Unix seconds (default: the clock). */
  nowSeconds?: number;
  /**
   * The data the session was read from (`OpenedCookie.data`): top-level
   * values the app did not change are written with the exact text they were
   * read with, so a Python float `1.0` stays a float (see `dumps`).
   */
  original?: Record<string, unknown>;
}

/** Per-call options of `decode` and `open`. */
export interface DecodeOptions {
  /** Refuse values signed longer ago than this (Flask: `PERMANENT_SESSION_LIFETIME`). */
  maxAgeSeconds?: number;
  /** "Now", in Unix seconds (default: the clock). */
  nowSeconds?: number;
  /** Accept values signed up to this many seconds in the future (default 0, as itsdangerous). */
  clockSkewSeconds?: number;
}

/** What `open` returns. */
export interface OpenedCookie {
  /** The session data: a null-prototype object. */
  data: Record<string, unknown>;
  /** When the cookie was signed, in Unix seconds. */
  signedAtSeconds: number;
  /** Which secret verified it: 0 = the newest. Core re-signs when it is not 0. */
  secretIndex: number;
}

/** A cookie codec: see {@link createCookieCodec}. */
export interface CookieCodec {
  readonly format: CookieFormat;
  /** Whether `encode`, `decode` and `open` work here (Node); the `…Async` methods work everywhere. */
  readonly sync: boolean;
  /** Throws a CodecConfigError (`option: "runtime"`) where the runtime's crypto is asynchronous. */
  encode(data: Record<string, unknown>, options?: EncodeOptions): string;
  decode(value: string, options?: DecodeOptions): Record<string, unknown>;
  open(value: string, options?: DecodeOptions): OpenedCookie;
  /** `encode` on every runtime (resolves at once on Node). */
  encodeAsync(data: Record<string, unknown>, options?: EncodeOptions): Promise<string>;
  decodeAsync(value: string, options?: DecodeOptions): Promise<Record<string, unknown>>;
  openAsync(value: string, options?: DecodeOptions): Promise<OpenedCookie>;
  /**
   * `open` as the primitives answer it: a value on Node, a promise elsewhere.
   * Core's hot path uses it so that Node pays for no promise.
   */
  openNow(value: string, options?: DecodeOptions): MaybePromise<OpenedCookie>;
  /** `encode` as the primitives answer it (see `openNow`). */
  encodeNow(data: Record<string, unknown>, options?: EncodeOptions): MaybePromise<string>;
}

/** In the `signed` format, texts shorter than this are not worth a ~20 µs deflate attempt. */
const SIGNED_COMPRESS_FROM = 256;

function normalizeSecrets(secrets: unknown): (string | Uint8Array)[] {
  if (!Array.isArray(secrets) || secrets.length === 0) {
    throw new CodecConfigError("secrets", "give at least one secret (newest first)");
  }
  return secrets.map((secret, i) => {
    if (typeof secret === "string" ? secret.length === 0 : !(secret instanceof Uint8Array) || secret.length === 0) {
      throw new CodecConfigError(`secrets[${i}]`, "each secret must be a non-empty string or Uint8Array");
    }
    return secret instanceof Uint8Array ? Uint8Array.from(secret) : (secret as string);
  });
}

function asSessionData(value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Object.getPrototypeOf(value) !== null) {
    throw new BadPayload("sessionkit/codec: the payload is not a JSON object");
  }
  return value as Record<string, unknown>;
}

function checkData(data: unknown): void {
  if (typeof data !== "object" || data === null) throw new UnserializableValueError(data === null ? "null" : typeof data, "is not a session object");
  const proto = Object.getPrototypeOf(data);
  if (proto !== Object.prototype && proto !== null) throw new UnserializableValueError(data.constructor?.name ?? "object", "is not a plain session object");
}

/**
 * The serialized session, refused when `open` would refuse it: a payload
 * that compresses into a cookie but inflates past the reader's cap would
 * come back as a fresh session. Tagged JSON is ASCII, so its length is its
 * size in bytes.
 */
function readable(json: string, maxBytes: number): string {
  if (json.length > maxBytes) throw new PayloadTooLargeError("maxDecompressedBytes", maxBytes);
  return json;
}

/** A cookie value `open` would refuse as too long is refused here first. */
function fits(value: string, maxValueLength: number): string {
  if (value.length > maxValueLength) throw new PayloadTooLargeError("maxValueLength", maxValueLength);
  return value;
}

function checkValue(value: unknown, maxLength: number): asserts value is string {
  if (typeof value !== "string" || value.length === 0 || value.length > maxLength) {
    throw new BadSignature("sessionkit/codec: not a cookie value (empty, too long or not a string)", "malformed");
  }
}

/**
 * Create a codec. Validates options and derives every key now, so encode and
 * decode cost little more than one HMAC.
 *
 * @example
 * const codec = createCookieCodec({ format: "flask", secrets: [process.env.SECRET_KEY!] });
 * const cookie = codec.encode({ user: "Tom" });
 * codec.decode(cookie, { maxAgeSeconds: 2_678_400 }).user; // "Tom"
 */
export function createCookieCodec(options: CookieCodecOptions): CookieCodec {
  const format = options.format ?? "signed";
  if (format !== "flask" && format !== "signed" && format !== "encrypted") {
    throw new CodecConfigError("format", 'use "flask", "signed" or "encrypted"');
  }
  const secrets = normalizeSecrets(options.secrets);
  const salt = options.salt ?? "cookie-session";
  const maxValueLength = options.maxValueLength ?? 16 * 1024;
  const limits: LoadsOptions & { maxDecompressedBytes: number } = {
    maxDecompressedBytes: options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES,
    maxDepth: options.maxDepth ?? 64,
    maxKeys: options.maxKeys ?? 10_000,
    maxLength: (options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES) * 2,
  };

  /** Made once, not a closure per write. */
  const fitting = (value: string): string => fits(value, maxValueLength);
  let openNow: (value: string, opts?: DecodeOptions) => MaybePromise<OpenedCookie>;
  let encodeNow: (data: Record<string, unknown>, opts?: EncodeOptions) => MaybePromise<string>;
  if (format === "encrypted") {
    const box = new EncryptedBox({ secrets, purpose: salt });
    // Made once, not a closure per call: a cold read is this codec's hot path.
    const fromBox = (opened: Opened): OpenedCookie => ({
      data: asSessionData(loads(opened.plaintext, limits)),
      signedAtSeconds: opened.signedAtSeconds,
      secretIndex: opened.secretIndex,
    });
    openNow = (value, opts) => {
      checkValue(value, maxValueLength);
      const opened = box.openAsync(value, opts as TimedUnsignOptions);
      return opened instanceof Promise ? opened.then(fromBox) : fromBox(opened);
    };
    encodeNow = (data, opts) => {
      checkData(data);
      const sealed = box.sealAsync(readable(dumps(data, opts), limits.maxLength!), opts?.nowSeconds ?? nowSeconds());
      return sealed instanceof Promise ? sealed.then(fitting) : fits(sealed, maxValueLength);
    };
  } else {
    const signer = new TimestampSigner({ secrets, salt, digest: format === "flask" ? "sha1" : "sha256" });
    const compressFrom = format === "flask" ? 0 : SIGNED_COMPRESS_FROM;
    const fromSigner = ({ value: payload, signedAtSeconds, secretIndex }: TimedUnsigned): OpenedCookie => ({
      data: asSessionData(decodePayload(payload, limits)),
      signedAtSeconds,
      secretIndex,
    });
    openNow = (value, opts) => {
      checkValue(value, maxValueLength);
      const unsigned = signer.unsignAsync(value, opts);
      return unsigned instanceof Promise ? unsigned.then(fromSigner) : fromSigner(unsigned);
    };
    encodeNow = (data, opts) => {
      checkData(data);
      const payload = encodePayloadAsync(readable(dumps(data, opts), limits.maxDecompressedBytes), compressFrom);
      return then(
        then(payload, (p) => signer.signAsync(p, opts?.nowSeconds ?? nowSeconds())),
        fitting,
      );
    };
  }
  const open = (value: string, opts?: DecodeOptions): OpenedCookie => now(openNow(value, opts));
  /** Every failure a rejection, never a synchronous throw, for callers that only await. */
  const later = <T>(f: () => MaybePromise<T>): Promise<T> => {
    try {
      return Promise.resolve(f());
    } catch (error) {
      return Promise.reject(error);
    }
  };
  return Object.freeze({
    format,
    sync: runtime.sync,
    encode: (data: Record<string, unknown>, opts?: EncodeOptions): string => now(encodeNow(data, opts)),
    decode: (value: string, opts?: DecodeOptions) => open(value, opts).data,
    open,
    encodeAsync: (data: Record<string, unknown>, opts?: EncodeOptions) => later(() => encodeNow(data, opts)),
    decodeAsync: (value: string, opts?: DecodeOptions) => later(() => then(openNow(value, opts), (o) => o.data)),
    openAsync: (value: string, opts?: DecodeOptions) => later(() => openNow(value, opts)),
    openNow,
    encodeNow,
  });
}
