/**
 * itsdangerous's `timed.py`: `TimestampSigner`, which signs
 * `value.timestamp` so that `unsign` can refuse old (or future) values.
 * The clock is injected (`nowSeconds`) so tests and callers control it.
 */
import type { MaybePromise } from "../runtime/types.js";
import { base64Decode, base64Encode, bytesToInt, intToBytes } from "./encoding.js";
import { BadSignature, BadTimeSignature, SignatureExpired } from "./errors.js";
import { now, Signer, type Unsigned } from "./signer.js";

/** Options of {@link TimestampSigner.unsign}. */
export interface TimedUnsignOptions {
  /** Refuse values signed more than this many seconds ago (age == max is still valid, as in itsdangerous). */
  maxAgeSeconds?: number | undefined;
  /** "Now", in whole Unix seconds; defaults to the clock. */
  nowSeconds?: number | undefined;
  /**
   * Accept values signed up to this many seconds in the future (clocks of
   * several servers drift). Default 0: itsdangerous refuses any future value.
   */
  clockSkewSeconds?: number | undefined;
}

/** The result of a successful {@link TimestampSigner.unsign}. */
export interface TimedUnsigned {
  /** The signed text before the timestamp. */
  value: string;
  /** When it was signed, in Unix seconds. */
  signedAtSeconds: number;
  /** Which secret verified it: 0 is the newest. */
  secretIndex: number;
}

/**
 * Current Unix time in whole seconds (itsdangerous `get_timestamp`).
 *
 * @example
 * nowSeconds(); // 1700000000
 */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * Encode a Unix time as itsdangerous does: minimal big-endian bytes, base64url.
 *
 * @example
 * encodeTimestamp(1_700_000_000); // "ZVPxAA"
 */
export function encodeTimestamp(seconds: number): string {
  // Every cookie written in the same second carries the same timestamp: remember the last one.
  if (seconds !== lastSeconds) {
    lastEncoded = base64Encode(intToBytes(seconds));
    lastSeconds = seconds;
  }
  return lastEncoded;
}
let lastSeconds = -1;
let lastEncoded = "";

/**
 * A {@link Signer} that adds and checks a timestamp (itsdangerous `TimestampSigner`).
 *
 * @example
 * const ts = new TimestampSigner({ secrets: ["k"], salt: "cookie-session", digest: "sha1" });
 * ts.unsign(ts.sign("hi", 1_700_000_000), { maxAgeSeconds: 60, nowSeconds: 1_700_000_030 }).value; // "hi"
 */
export class TimestampSigner extends Signer {
  /**
   * `value.timestamp.signature`, signed with the newest secret.
   *
   * @example
   * signer.sign("eyJ1Ijoxfq", 1_700_000_000); // "eyJ1Ijoxfq.ZVPxAA.<sig>"
   */
  override sign(value: string, atSeconds: number = nowSeconds()): string {
    return now(this.signAsync(value, atSeconds));
  }

  /**
   * {@link sign} on every runtime (a promise where the MAC is Web Crypto's).
   *
   * @example
   * await signer.signAsync("eyJ1Ijoxfq", 1_700_000_000); // "eyJ1Ijoxfq.ZVPxAA.<sig>"
   */
  override signAsync(value: string, atSeconds: number = nowSeconds()): MaybePromise<string> {
    return super.signAsync(`${value}.${encodeTimestamp(atSeconds)}`);
  }

  /**
   * Verify the MAC first (constant time), then the timestamp, then the age.
   * Throws `BadSignature`/`BadTimeSignature` (forged or malformed) or
   * `SignatureExpired` (authentic but too old, or from the future).
   *
   * @example
   * signer.unsign(cookie, { maxAgeSeconds: 2_678_400 }); // { value, signedAtSeconds, secretIndex }
   */
  override unsign(signed: string, options?: TimedUnsignOptions): TimedUnsigned {
    return now(this.unsignAsync(signed, options));
  }

  /**
   * {@link unsign} on every runtime (a promise where the MAC is Web Crypto's).
   *
   * @example
   * await signer.unsignAsync(cookie, { maxAgeSeconds: 2_678_400 });
   */
  override unsignAsync(signed: string, options?: TimedUnsignOptions): MaybePromise<TimedUnsigned> {
    let result: MaybePromise<Unsigned>;
    try {
      result = super.unsignAsync(signed);
    } catch (error) {
      throw timed(error, signed);
    }
    if (result instanceof Promise) return checkTimedLater(result, signed, options);
    return checkTimed(result, options);
  }
}

/** {@link checkTimed} once Web Crypto's MAC is checked (apart: a closure in `unsignAsync` would cost Node's path a context per call). */
function checkTimedLater(result: Promise<Unsigned>, signed: string, options: TimedUnsignOptions | undefined): Promise<TimedUnsigned> {
  return result.then((r) => checkTimed(r, options), (error: unknown) => Promise.reject(timed(error, signed)));
}

/** itsdangerous raises BadTimeSignature when the refused value still looks timed (a '.' before the signature). */
function timed(error: unknown, signed: string): unknown {
  const dot = signed.lastIndexOf(".");
  if (error instanceof BadSignature && dot > 0 && signed.lastIndexOf(".", dot - 1) >= 0) {
    return new BadTimeSignature("sessionkit/codec: signature does not match", error.reason);
  }
  return error;
}

/** The timestamp of an authentic value, read and checked. */
function checkTimed({ value: message, secretIndex }: Unsigned, options?: TimedUnsignOptions): TimedUnsigned {
  const dot = message.lastIndexOf(".");
  if (dot < 0) throw new BadTimeSignature("sessionkit/codec: timestamp missing", "timestamp");
  const bytes = base64Decode(message, dot + 1, message.length);
  const signedAtSeconds = bytes === undefined ? undefined : bytesToInt(bytes);
  if (signedAtSeconds === undefined) throw new BadTimeSignature("sessionkit/codec: malformed timestamp", "timestamp");
  checkAge(signedAtSeconds, options);
  return { value: message.slice(0, dot), signedAtSeconds, secretIndex };
}

/**
 * itsdangerous's age rule: `age > maxAge` is expired, `age < 0` (from the
 * future) is refused the same way; `age == maxAge` passes. No check without
 * `maxAgeSeconds`, as in itsdangerous. `clockSkewSeconds` (default 0, the
 * itsdangerous rule) lets a value signed up to that many seconds ahead of
 * this clock through, for servers whose clocks drift apart.
 *
 * @example
 * checkAge(1_700_000_000, { maxAgeSeconds: 10, nowSeconds: 1_700_000_011 }); // throws SignatureExpired
 * checkAge(1_700_000_005, { maxAgeSeconds: 10, nowSeconds: 1_700_000_000, clockSkewSeconds: 10 }); // passes
 */
export function checkAge(signedAtSeconds: number, options?: TimedUnsignOptions): void {
  const maxAge = options?.maxAgeSeconds;
  if (maxAge === undefined) return;
  const age = (options?.nowSeconds ?? nowSeconds()) - signedAtSeconds;
  if (age > maxAge) {
    throw new SignatureExpired(`sessionkit/codec: signature age ${age} > ${maxAge} seconds`, new Date(signedAtSeconds * 1000));
  }
  if (age < -(options?.clockSkewSeconds ?? 0)) {
    throw new SignatureExpired(`sessionkit/codec: signature age ${age} < 0`, new Date(signedAtSeconds * 1000), "future");
  }
}
