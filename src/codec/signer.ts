/**
 * itsdangerous's `signer.py`: `Signer` with HMAC key derivation
 * (`key_derivation="hmac"`, what Flask uses), a list of secrets for rotation,
 * and constant-time verification.
 *
 * Keys are derived once, in the constructor: a derivation costs a whole HMAC,
 * as much as the signature itself, and itsdangerous redoes it per call.
 * Secrets are given **newest first** (the sessionkit order, `secrets[0]`
 * signs); `toItsdangerousOrder` converts to itsdangerous's oldest → newest.
 *
 * The MACs come from the runtime (`#runtime`): node:crypto on Node, where
 * every method here answers synchronously, Web Crypto elsewhere, where only
 * the `…Async` methods work (the synchronous ones throw a CodecConfigError).
 */
import { runtime } from "#runtime";
import { then, type DigestName, type MacKey, type MaybePromise } from "../runtime/types.js";
import { base64Decode, base64Encode } from "./encoding.js";
import { BadSignature, CodecConfigError } from "./errors.js";

/** The digests a signer may use: fixed by configuration, never read from a cookie (G.47). */
export type { DigestName } from "../runtime/types.js";

const DIGEST_BYTES: Record<DigestName, number> = { sha1: 20, sha256: 32 };

/**
 * itsdangerous's `key_derivation="hmac"`: `HMAC(secret, salt)`.
 *
 * @example
 * await deriveKey("dev", "cookie-session", "sha1"); // Flask's signing key for SECRET_KEY="dev" (at once on Node)
 */
export function deriveKey(secret: string | Uint8Array, salt: string, digest: DigestName): MaybePromise<Uint8Array> {
  return runtime.hmac(digest, secret, salt);
}

/**
 * `value` now, or a CodecConfigError when it is a promise: the synchronous
 * API on a runtime whose crypto is asynchronous (Web Crypto).
 *
 * @example
 * now(signer.signAsync("x")); // throws outside Node
 */
export function now<T>(value: MaybePromise<T>): T {
  if (value instanceof Promise) {
    value.catch(() => {}); // the caller gets the error below, not an unhandled rejection
    throw new CodecConfigError("runtime", "this runtime's crypto is asynchronous (Web Crypto): use the …Async methods (openAsync, encodeAsync), or await sessions.load() and sessions.commit().");
  }
  return value;
}

/**
 * Reverse a newest-first secret list into itsdangerous's oldest → newest
 * order (Flask: `SECRET_KEY_FALLBACKS + [SECRET_KEY]`), and back: the
 * conversion is its own inverse.
 *
 * @example
 * toItsdangerousOrder(["current", "older", "oldest"]); // ["oldest", "older", "current"]
 */
export function toItsdangerousOrder<T>(secretsNewestFirst: readonly T[]): T[] {
  return secretsNewestFirst.slice().reverse();
}

/** Options of {@link Signer}. */
export interface SignerOptions {
  /** Newest first: the first signs, all verify. Strings are UTF-8. */
  secrets: readonly (string | Uint8Array)[];
  /** itsdangerous's `salt`; Flask's cookie uses `cookie-session`. */
  salt: string;
  digest: DigestName;
}

/** The result of a successful {@link Signer.unsign}. */
export interface Unsigned {
  /** The signed text (what was before the last separator). */
  value: string;
  /** Which secret verified it: 0 is the newest. */
  secretIndex: number;
}

/**
 * Sign and verify `value.signature` strings (itsdangerous `Signer`, separator `.`).
 *
 * @example
 * const signer = new Signer({ secrets: ["k"], salt: "cookie-session", digest: "sha1" });
 * signer.unsign(signer.sign("hello")).value; // "hello"
 */
export class Signer {
  readonly digest: DigestName;
  readonly #keys: readonly MacKey[];
  readonly #signatureLength: number;

  constructor(options: SignerOptions) {
    this.digest = options.digest;
    this.#keys = options.secrets.map((secret) => runtime.hmacKey(options.digest, deriveKey(secret, options.salt, options.digest)));
    // Unpadded base64 length of the digest: 27 chars for SHA-1, 43 for SHA-256.
    this.#signatureLength = Math.ceil((DIGEST_BYTES[options.digest] * 4) / 3);
  }

  /** Number of characters of every signature this signer makes. */
  get signatureLength(): number {
    return this.#signatureLength;
  }

  /**
   * The raw MAC of `value` under secret `secretIndex` (itsdangerous `get_signature`, undecoded).
   *
   * @example
   * base64Encode(await signer.getSignature("hello"));
   */
  getSignature(value: string, secretIndex = 0): MaybePromise<Uint8Array> {
    const key = this.#keys[secretIndex];
    if (key === undefined) throw new RangeError("Signer.getSignature: no such secret");
    return key.sign(value);
  }

  /**
   * `value + "." + signature` with the newest secret. `value` must be ASCII
   * (the codec only signs base64 text), which lets the HMAC read it as latin1.
   *
   * @example
   * signer.sign("hello"); // "hello.<27 chars>"
   */
  sign(value: string): string {
    return now(this.signAsync(value));
  }

  /**
   * {@link sign} on every runtime: a promise where the MAC is Web Crypto's,
   * the string itself on Node.
   *
   * @example
   * await signer.signAsync("hello"); // "hello.<27 chars>"
   */
  signAsync(value: string): MaybePromise<string> {
    return then(this.getSignature(value), (signature) => `${value}.${base64Encode(signature)}`);
  }

  /**
   * Index of the secret whose MAC over `value` equals `signature`, or -1.
   * Every comparison is constant-time on equal-length bytes.
   *
   * @example
   * await signer.verifySignature("hello", base64Decode(sig)!); // 0
   */
  verifySignature(value: string, signature: Uint8Array, from = 0): MaybePromise<number> {
    for (let i = from; i < this.#keys.length; i++) {
      const expected = this.getSignature(value, i);
      if (expected instanceof Promise) return this.#verifyLater(expected, value, signature, i);
      if (runtime.timingSafeEqual(expected, signature)) return i;
    }
    return -1;
  }

  /** Web Crypto's MAC, compared when it comes (apart, so that Node's loop above allocates no closure). */
  #verifyLater(expected: Promise<Uint8Array>, value: string, signature: Uint8Array, i: number): Promise<number> {
    return expected.then((bytes) => (runtime.timingSafeEqual(bytes, signature) ? i : this.verifySignature(value, signature, i + 1)));
  }

  /**
   * Check `signed` and return the value before the last `.`; throws
   * {@link BadSignature} otherwise. The signature must be canonical
   * base64url of exactly the digest's length (G.48): nothing is decoded,
   * decompressed or parsed before the MAC matched.
   *
   * @example
   * signer.unsign("hello.<sig>"); // { value: "hello", secretIndex: 0 }
   */
  unsign(signed: string): Unsigned {
    return now(this.unsignAsync(signed));
  }

  /**
   * {@link unsign} on every runtime (a promise where the MAC is Web Crypto's).
   * A malformed value throws at once; a MAC that does not match throws, or rejects.
   *
   * @example
   * await signer.unsignAsync("hello.<sig>"); // { value: "hello", secretIndex: 0 }
   */
  unsignAsync(signed: string): MaybePromise<Unsigned> {
    const dot = signed.lastIndexOf(".");
    if (dot < 0) throw new BadSignature("sessionkit/codec: no '.' separator found in the value", "malformed");
    const value = signed.slice(0, dot);
    const signature =
      signed.length - dot - 1 === this.#signatureLength ? base64Decode(signed, dot + 1, signed.length) : undefined;
    if (signature === undefined) throw new BadSignature("sessionkit/codec: signature does not match", "malformed");
    const secretIndex = this.verifySignature(value, signature);
    return secretIndex instanceof Promise ? unsignedLater(secretIndex, value) : unsigned(value, secretIndex);
  }
}

/** What a verified MAC gives: the value and the secret that signed it, or BadSignature for none. */
function unsigned(value: string, secretIndex: number): Unsigned {
  if (secretIndex < 0) throw new BadSignature("sessionkit/codec: signature does not match", "mismatch");
  return { value, secretIndex };
}

/** {@link unsigned} once Web Crypto's comparison is done (apart: a closure here would cost Node's path a context per call). */
function unsignedLater(secretIndex: Promise<number>, value: string): Promise<Unsigned> {
  return secretIndex.then((index) => unsigned(value, index));
}
