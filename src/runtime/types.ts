/**
 * The primitives the cookie path needs from its runtime, as one object: the
 * seam between the codec/core and the platform (`#runtime` in package.json
 * `imports`). Node resolves `#runtime` to node.ts (node:crypto, node:zlib,
 * Buffer: synchronous, and the fastest there); every other runtime (Bun,
 * Deno, Workers, a browser bundle) to web.ts (Web Crypto, Uint8Array,
 * TextEncoder: asynchronous where Web Crypto is).
 *
 * Both sets produce identical bytes for identical inputs; the codec's
 * vectors run through both (test/runtime/).
 */

/** A value now, or later: the Node primitives answer now, Web Crypto later. */
export type MaybePromise<T> = T | Promise<T>;

/** The digests a signer may use. */
export type DigestName = "sha1" | "sha256";

/**
 * An HMAC key for one digest, set up once and reused for every MAC.
 *
 * @example
 * const mac = runtime.hmacKey("sha256", key);
 * await mac.sign("eyJhIjoxfQ.ZVPxAA"); // 32 bytes
 */
export interface MacKey {
  /** The MAC of `text`, read as latin1 (the signer only MACs ASCII). */
  sign(text: string): MaybePromise<Uint8Array>;
}

/**
 * What a runtime gives the cookie path.
 *
 * @example
 * import { runtime } from "#runtime";
 * runtime.base64urlEncode(runtime.utf8Encode("hi")); // "aGk"
 */
export interface Runtime {
  /** `"node"` or `"web"`: which set this is (for tests and error messages). */
  readonly name: "node" | "web";
  /** Every `MaybePromise` below is a plain value: the codec's synchronous API works. */
  readonly sync: boolean;
  /** Unpadded URL-safe base64. */
  base64urlEncode(bytes: Uint8Array): string;
  /** Decode URL-safe base64 leniently; callers check canonical form by re-encoding. */
  base64urlDecode(text: string): Uint8Array;
  /** Padded standard base64 (the tagged-JSON `" b"` tag, Python's `b64encode`). */
  base64Encode(bytes: Uint8Array): string;
  /** Standard base64 decoded as Node's `Buffer.from(text, "base64")` does: lenient, stops at `=`. */
  base64Decode(text: string): Uint8Array;
  /** UTF-8 bytes of `text` (lone surrogates become U+FFFD, as everywhere). */
  utf8Encode(text: string): Uint8Array;
  /** Fill `bytes` from the CSPRNG. */
  randomFill(bytes: Uint8Array): void;
  /** SHA-256, synchronous on every runtime (ids and CSRF tokens need it in synchronous calls). */
  sha256Sync(data: Uint8Array): Uint8Array;
  /** SHA-256 at the runtime's best (Web Crypto where it exists). */
  sha256(data: Uint8Array): MaybePromise<Uint8Array>;
  /** `HMAC(key, data)` once. Strings are UTF-8. */
  hmac(digest: DigestName, key: string | Uint8Array, data: string | Uint8Array): MaybePromise<Uint8Array>;
  /** An HMAC key reused for many MACs; `key` may still be on its way. */
  hmacKey(digest: DigestName, key: MaybePromise<Uint8Array>): MacKey;
  /** Constant-time equality of two byte strings of the same length (false when lengths differ). */
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean;
  /**
   * AES-256-GCM with a clear header: `header | ciphertext | tag[16]`, the
   * header authenticated as the AAD. One buffer out, as the cookie is laid
   * out, so Node writes it in place. The header is read before this returns.
   */
  gcmSeal(key: Uint8Array, iv: Uint8Array, header: Uint8Array, plaintext: Uint8Array): MaybePromise<Uint8Array>;
  /** AES-256-GCM: the plaintext, or `undefined` when the tag does not authenticate. */
  gcmOpen(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array): MaybePromise<Uint8Array | undefined>;
  /** zlib (RFC 1950) of inputs too large for the exact deflate (over 32 KiB: past any cookie). */
  deflateLarge(bytes: Uint8Array): MaybePromise<Uint8Array>;
  /**
   * A native inflate, where one exists and beats inflate.ts above `inflateFrom`
   * compressed bytes; `undefined` where inflate.ts is the only one.
   */
  inflateLarge: ((bytes: Uint8Array, maxOutputBytes: number) => Uint8Array) | undefined;
  /** `NODE_ENV=production`, read once (only Node has the variable; elsewhere false). */
  readonly production: boolean;
  /** Log a warning: `process.emitWarning` on Node (so `--no-warnings` and listeners work), `console.warn` elsewhere. */
  warn(code: string, message: string): void;
}

/**
 * Apply `f` now when `value` is a value, later when it is a promise: one code
 * path serves the synchronous Node primitives and asynchronous Web Crypto.
 *
 * @example
 * then(mac.sign(text), (sig) => base64urlEncode(sig));
 */
export function then<T, U>(value: MaybePromise<T>, f: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(f) : f(value);
}
