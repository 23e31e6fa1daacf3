/**
 * The `encrypted` cookie format: the visitor can neither read nor change
 * the session.
 *
 * Construction (version 1), from the runtime's primitives (`#runtime`:
 * node:crypto on Node, synchronous; Web Crypto elsewhere, asynchronous):
 *
 * ```
 * cookie  = base64url( 0x01 | keyId | salt[24] | signedAt[6] | AES-256-GCM(ciphertext) | tag[16] )
 * master  = HMAC-SHA256(secret, "sessionkit encrypted cookie v1\0" + purpose)    — once, at creation
 * keyId   = master[31]                                                           — one byte, picks the secret
 * k       = SHA-256(master | salt)                                               — per cookie
 * iv      = salt[0..12);  AAD = version | keyId | salt | signedAt
 * ```
 *
 * Why this shape:
 * - AES-256-GCM with a random 96-bit nonce under one long-lived key is unsafe
 *   past ~2^32 cookies (nonce collision reveals the GHASH key). Deriving a
 *   fresh key per cookie from a 192-bit random salt removes that bound: a key
 *   repeats only if two salts collide (~2^96 cookies). The IV is then
 *   almost free to choose; taking it from the salt keeps nonces distinct anyway.
 * - `SHA-256(master | salt)` is a PRF here because both parts have fixed
 *   lengths (32 + 24 bytes) and the output is never revealed, so length
 *   extension has nothing to extend; it costs two compression calls (56 bytes and their padding fill two 64-byte blocks; ~1.1 µs)
 *   where HKDF costs four HMACs (~20 µs measured here) — encryption must stay
 *   cheap on every write.
 * - The version byte lets the format evolve; the key id lets rotation try
 *   only the matching secret (two ids can collide, 1/256: then both are tried).
 * - `signedAt` is in the clear but authenticated (AAD), so `maxAgeSeconds`
 *   works exactly as in the signed formats and is checked only after the tag.
 * - The purpose string (the codec's `salt`) goes into the master key, so a
 *   value minted for one purpose does not open under another.
 * - No compression: compressing secrets next to attacker-chosen data leaks
 *   them through the length (CRIME).
 */
import { runtime } from "#runtime";
import type { MaybePromise } from "../runtime/types.js";
import { base64Decode, base64Encode } from "./encoding.js";
import { BadPayload, BadSignature } from "./errors.js";
import { now } from "./signer.js";
import { checkAge, nowSeconds, type TimedUnsignOptions } from "./timed.js";

const VERSION = 1;
const SALT_BYTES = 24;
/** The IV is the salt's first 12 bytes (GCM's 96-bit nonce). */
const IV_BYTES = 12;
const TIME_BYTES = 6;
const TAG_BYTES = 16;
const HEADER_BYTES = 2 + SALT_BYTES + TIME_BYTES;
const MASTER_INFO = "sessionkit encrypted cookie v1\0";
/** Strict and reusable (a decoder in fatal mode keeps no state between whole-buffer calls). */
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Random salts come from a pooled CSPRNG buffer: one fill per 170 cookies, never a byte twice. */
const POOL = new Uint8Array(SALT_BYTES * 170);
let poolOffset = POOL.length;
function takeSalt(into: Uint8Array, at: number): void {
  if (poolOffset + SALT_BYTES > POOL.length) {
    runtime.randomFill(POOL);
    poolOffset = 0;
  }
  // Byte by byte, with no view of the pool made: a used salt is not left lying around.
  for (let k = 0, from = poolOffset; k < SALT_BYTES; k++, from++) {
    into[at + k] = POOL[from]!;
    POOL[from] = 0;
  }
  poolOffset += SALT_BYTES;
}

/** `signedAt`: 6 bytes, big-endian (2^48 seconds: far past any clock). */
function writeTime(out: Uint8Array, at: number, seconds: number): void {
  for (let i = TIME_BYTES - 1, v = seconds; i >= 0; i--, v = Math.floor(v / 256)) out[at + i] = v % 256;
}
function readTime(bytes: Uint8Array, at: number): number {
  let v = 0;
  for (let i = 0; i < TIME_BYTES; i++) v = v * 256 + bytes[at + i]!;
  return v;
}

/** What {@link EncryptedBox.open} returns. */
export interface Opened {
  plaintext: string;
  signedAtSeconds: number;
  secretIndex: number;
}

/** The master keys, and the key id byte of each. */
interface Masters {
  keys: readonly Uint8Array[];
  ids: Uint8Array;
}

/**
 * Seal and open strings in the encrypted cookie format (see the module comment).
 * `seal` and `open` answer at once on Node; on every runtime, `sealAsync`
 * and `openAsync` work (Web Crypto is asynchronous).
 *
 * @example
 * const box = new EncryptedBox({ secrets: [secret], purpose: "cookie-session" });
 * box.open(box.seal('{"a":1}'), {}).plaintext; // '{"a":1}'
 */
export class EncryptedBox {
  readonly #masters: MaybePromise<Masters>;
  readonly #scratch = new Uint8Array(32 + SALT_BYTES);
  /** Node's header, reused by every seal (see {@link #sealWith}), and the view of its IV (the salt's first 12 bytes). */
  readonly #header = new Uint8Array(HEADER_BYTES);
  readonly #iv = this.#header.subarray(2, 2 + IV_BYTES);

  constructor(options: { secrets: readonly (string | Uint8Array)[]; purpose: string }) {
    const keys = options.secrets.map((s) => runtime.hmac("sha256", s, MASTER_INFO + options.purpose));
    const masters = (resolved: Uint8Array[]): Masters => ({ keys: resolved, ids: Uint8Array.from(resolved, (m) => m[31]!) });
    this.#masters = keys.some((k) => k instanceof Promise) ? Promise.all(keys).then(masters) : masters(keys as Uint8Array[]);
    if (this.#masters instanceof Promise) this.#masters.catch(() => {}); // observed by every seal and open
  }

  /**
   * `SHA-256(master | salt)`, the salt read at `at` in `bytes` (no view of it
   * made): the runtime copies the scratch before it returns, so reusing it is safe.
   */
  #cookieKey(master: Uint8Array, bytes: Uint8Array, at: number): MaybePromise<Uint8Array> {
    const scratch = this.#scratch;
    scratch.set(master, 0);
    for (let k = 0; k < SALT_BYTES; k++) scratch[32 + k] = bytes[at + k]!;
    return runtime.sha256(scratch);
  }

  /**
   * Encrypt `plaintext` with the newest secret, stamped with `atSeconds`.
   *
   * @example
   * box.seal('{"user":"tom"}', 1_700_000_000); // "AeK…" (base64url)
   */
  seal(plaintext: string, atSeconds: number = nowSeconds()): string {
    return now(this.sealAsync(plaintext, atSeconds));
  }

  /**
   * {@link seal} on every runtime.
   *
   * @example
   * await box.sealAsync('{"user":"tom"}'); // "AeK…"
   */
  sealAsync(plaintext: string, atSeconds: number = nowSeconds()): MaybePromise<string> {
    const masters = this.#masters;
    if (masters instanceof Promise) return this.#sealLater(masters, plaintext, atSeconds);
    return this.#sealWith(masters, plaintext, atSeconds);
  }

  /**
   * The seal itself. Node's path allocates no closure (the write's cost, as
   * the open path): the asynchronous steps are in {@link #sealLater} and
   * {@link sealKeyLater}, and Node, which seals before this returns, reuses
   * one header and one view of its IV for every seal.
   */
  #sealWith(masters: Masters, plaintext: string, atSeconds: number): MaybePromise<string> {
    const body = runtime.utf8Encode(plaintext);
    // Web Crypto awaits the key before it reads the header: a fresh one per seal there.
    const header = runtime.sync ? this.#header : new Uint8Array(HEADER_BYTES);
    header[0] = VERSION;
    header[1] = masters.ids[0]!;
    takeSalt(header, 2);
    writeTime(header, 2 + SALT_BYTES, atSeconds);
    const iv = runtime.sync ? this.#iv : header.subarray(2, 2 + IV_BYTES);
    const key = this.#cookieKey(masters.keys[0]!, header, 2);
    const sealed = key instanceof Promise ? sealKeyLater(key, iv, header, body) : runtime.gcmSeal(key, iv, header, body);
    return sealed instanceof Promise ? sealed.then(base64Encode) : base64Encode(sealed);
  }

  #sealLater(masters: Promise<Masters>, plaintext: string, atSeconds: number): Promise<string> {
    return masters.then((m) => this.#sealWith(m, plaintext, atSeconds));
  }

  /**
   * Authenticate and decrypt; then check the age. Throws `BadSignature`
   * (malformed, or no secret authenticates it), `SignatureExpired` or
   * `BadPayload` (authentic bytes that are not UTF-8).
   *
   * @example
   * box.open(cookie, { maxAgeSeconds: 3600 }).plaintext;
   */
  open(value: string, options?: TimedUnsignOptions): Opened {
    return now(this.openAsync(value, options));
  }

  /**
   * {@link open} on every runtime. A malformed value throws at once.
   *
   * @example
   * (await box.openAsync(cookie, { maxAgeSeconds: 3600 })).plaintext;
   */
  openAsync(value: string, options?: TimedUnsignOptions): MaybePromise<Opened> {
    const bytes = base64Decode(value);
    if (bytes === undefined || bytes.length < HEADER_BYTES + TAG_BYTES || bytes[0] !== VERSION) {
      throw new BadSignature("sessionkit/codec: not an encrypted cookie of a known version", "malformed");
    }
    const masters = this.#masters;
    if (masters instanceof Promise) return masters.then((m) => this.#tryFrom(m, bytes, 0, options));
    return this.#tryFrom(masters, bytes, 0, options);
  }

  /**
   * Try each secret whose key id matches, from `from` on (two ids collide 1
   * time in 256). Node's path allocates no closure (a cold read's cost): the
   * asynchronous steps are in {@link #keyLater} and {@link #plainLater}.
   */
  #tryFrom(masters: Masters, bytes: Uint8Array, from: number, options: TimedUnsignOptions | undefined): MaybePromise<Opened> {
    const header = bytes.subarray(0, HEADER_BYTES);
    const iv = bytes.subarray(2, 2 + IV_BYTES);
    const sealed = bytes.subarray(HEADER_BYTES);
    for (let i = from; i < masters.keys.length; i++) {
      if (masters.ids[i] !== bytes[1]) continue;
      const key = this.#cookieKey(masters.keys[i]!, bytes, 2);
      const plain = key instanceof Promise ? this.#keyLater(key, iv, header, sealed) : runtime.gcmOpen(key, iv, header, sealed);
      if (plain instanceof Promise) return this.#plainLater(plain, masters, bytes, i, options);
      if (plain !== undefined) return opened(plain, bytes, i, options);
    }
    throw new BadSignature("sessionkit/codec: no secret authenticates this encrypted cookie", "mismatch");
  }

  #keyLater(key: Promise<Uint8Array>, iv: Uint8Array, header: Uint8Array, sealed: Uint8Array): Promise<Uint8Array | undefined> {
    return key.then((k) => runtime.gcmOpen(k, iv, header, sealed));
  }

  #plainLater(plain: Promise<Uint8Array | undefined>, masters: Masters, bytes: Uint8Array, i: number, options: TimedUnsignOptions | undefined): Promise<Opened> {
    return plain.then((p) => (p === undefined ? this.#tryFrom(masters, bytes, i + 1, options) : opened(p, bytes, i, options)));
  }
}

/** Web Crypto's cookie key, then the seal (apart: a closure in `#sealWith` would cost Node's path a context per call). */
function sealKeyLater(key: Promise<Uint8Array>, iv: Uint8Array, header: Uint8Array, body: Uint8Array): Promise<Uint8Array> {
  return key.then((k) => runtime.gcmSeal(k, iv, header, body));
}

/** Authentic bytes: the age, then the text. */
function opened(plain: Uint8Array, bytes: Uint8Array, secretIndex: number, options: TimedUnsignOptions | undefined): Opened {
  const signedAtSeconds = readTime(bytes, 2 + SALT_BYTES);
  checkAge(signedAtSeconds, options);
  let plaintext: string;
  try {
    plaintext = utf8.decode(plain);
  } catch (error) {
    throw new BadPayload("sessionkit/codec: could not decode the payload: not UTF-8", { cause: error });
  }
  return { plaintext, signedAtSeconds, secretIndex };
}
