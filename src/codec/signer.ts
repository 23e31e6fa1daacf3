/**
 * itsdangerous's `signer.py`: `Signer` with HMAC key derivation
 * (`key_derivation="hmac"`, what Flask uses), a list of secrets for rotation,
 * and constant-time verification.
 *
 * Keys are derived once, in the constructor: a derivation costs a whole HMAC,
 * as much as the signature itself, and itsdangerous redoes it per call.
 * Secrets are given **newest first** (the sessionkit order, `secrets[0]`
 * signs); `toItsdangerousOrder` converts to itsdangerous's oldest → newest.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { base64Decode } from "./encoding.js";
import { BadSignature } from "./errors.js";
import { HmacKey } from "./hmac.js";

/** The digests a signer may use: fixed by configuration, never read from a cookie (G.47). */
export type DigestName = "sha1" | "sha256";

const DIGEST_BYTES: Record<DigestName, number> = { sha1: 20, sha256: 32 };

/**
 * itsdangerous's `key_derivation="hmac"`: `HMAC(secret, salt)`.
 *
 * @example
 * deriveKey("dev", "cookie-session", "sha1").toString("hex"); // Flask's signing key for SECRET_KEY="dev"
 */
export function deriveKey(secret: string | Uint8Array, salt: string, digest: DigestName): Buffer {
  return createHmac(digest, secret).update(salt, "utf8").digest();
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
  readonly #keys: readonly HmacKey[];
  readonly #signatureLength: number;

  constructor(options: SignerOptions) {
    this.digest = options.digest;
    this.#keys = options.secrets.map((secret) => new HmacKey(options.digest, deriveKey(secret, options.salt, options.digest)));
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
   * signer.getSignature("hello").toString("base64url");
   */
  getSignature(value: string, secretIndex = 0): Buffer {
    const key = this.#keys[secretIndex];
    if (key === undefined) throw new RangeError("Signer.getSignature: no such secret");
    return key.digest(value);
  }

  /**
   * `value + "." + signature` with the newest secret. `value` must be ASCII
   * (the codec only signs base64 text), which lets the HMAC read it as latin1.
   *
   * @example
   * signer.sign("hello"); // "hello.<27 chars>"
   */
  sign(value: string): string {
    return `${value}.${this.getSignature(value).toString("base64url")}`;
  }

  /**
   * Index of the secret whose MAC over `value` equals `signature`, or -1.
   * Every comparison is `timingSafeEqual` on equal-length buffers.
   *
   * @example
   * signer.verifySignature("hello", Buffer.from(sig, "base64url")); // 0
   */
  verifySignature(value: string, signature: Uint8Array): number {
    for (let i = 0; i < this.#keys.length; i++) {
      const expected = this.getSignature(value, i);
      if (expected.length === signature.length && timingSafeEqual(expected, signature)) return i;
    }
    return -1;
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
    const dot = signed.lastIndexOf(".");
    if (dot < 0) throw new BadSignature("sessionkit/codec: no '.' separator found in the value", "malformed");
    const value = signed.slice(0, dot);
    const signature =
      signed.length - dot - 1 === this.#signatureLength ? base64Decode(signed, dot + 1, signed.length) : undefined;
    const secretIndex = signature === undefined ? -1 : this.verifySignature(value, signature);
    if (secretIndex < 0) throw new BadSignature("sessionkit/codec: signature does not match", signature ? "mismatch" : "malformed");
    return { value, secretIndex };
  }
}
