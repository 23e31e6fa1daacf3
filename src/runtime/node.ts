/**
 * The Node primitives behind `#runtime` (package.json `imports`, condition
 * `node`): node:crypto, node:zlib and Buffer, every one synchronous, so the
 * codec's synchronous API (and the Node adapters' `commitSync`) works, at
 * Node's native speed. Bun and Deno resolve `node` too, and run these.
 */
import * as crypto from "node:crypto";
import { deflateSync, inflateSync } from "node:zlib";
import { HmacKey } from "./node-hmac.js";
import type { DigestName, MaybePromise, Runtime } from "./types.js";

type OneShotHash = (algorithm: string, data: Uint8Array, outputEncoding: "buffer") => Buffer;
/** `crypto.hash` (Node ≥ 20.12) is a one-shot digest without a Hash object; older Node falls back. */
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;

function sha256(data: Uint8Array): Uint8Array {
  return oneShot ? oneShot("sha256", data, "buffer") : crypto.createHash("sha256").update(data).digest();
}

const view = (bytes: Uint8Array): Buffer => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));

/**
 * The Node set.
 *
 * @example
 * import { runtime } from "#runtime"; // this object, on Node
 */
export const runtime: Runtime = Object.freeze({
  name: "node" as const,
  sync: true,
  base64urlEncode: (bytes: Uint8Array): string => view(bytes).toString("base64url"),
  base64urlDecode: (text: string): Uint8Array => Buffer.from(text, "base64url"),
  base64Encode: (bytes: Uint8Array): string => view(bytes).toString("base64"),
  base64Decode: (text: string): Uint8Array => Buffer.from(text, "base64"),
  utf8Encode: (text: string): Uint8Array => Buffer.from(text, "utf8"),
  randomFill: (bytes: Uint8Array): void => void crypto.randomFillSync(bytes),
  sha256Sync: sha256,
  sha256,
  hmac: (digest: DigestName, key: string | Uint8Array, data: string | Uint8Array): Uint8Array =>
    crypto.createHmac(digest, key).update(data).digest(),
  hmacKey: (digest: DigestName, key: MaybePromise<Uint8Array>) => new HmacKey(digest, key as Uint8Array),
  timingSafeEqual: (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && crypto.timingSafeEqual(a, b),
  gcmSeal(key: Uint8Array, iv: Uint8Array, header: Uint8Array, plaintext: Uint8Array): Uint8Array {
    const out = Buffer.allocUnsafe(header.length + plaintext.length + 16);
    out.set(header, 0);
    const cipher = crypto.createCipheriv("aes-256-gcm", key, iv);
    cipher.setAAD(header);
    const written = cipher.update(plaintext).copy(out, header.length);
    cipher.final(); // GCM is a stream mode: final() adds no bytes
    cipher.getAuthTag().copy(out, header.length + written);
    return out;
  },
  gcmOpen(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
    const decipher = crypto.createDecipheriv("aes-256-gcm", key, iv);
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    const plain = decipher.update(sealed.subarray(0, sealed.length - 16));
    try {
      decipher.final(); // throws when the tag does not authenticate: that is the only failure here
    } catch (error) {
      if (error instanceof Error) return undefined;
      throw error;
    }
    return plain;
  },
  deflateLarge: (bytes: Uint8Array): Uint8Array => deflateSync(bytes),
  inflateLarge: (bytes: Uint8Array, maxOutputBytes: number): Uint8Array => inflateSync(bytes, { maxOutputLength: maxOutputBytes }),
  // Read once: process.env is a slow getter, and NODE_ENV does not change while an app runs.
  production: process.env.NODE_ENV === "production",
  warn: (code: string, message: string): void => process.emitWarning(message, { code }),
});
