/**
 * What each mode keeps about a session between load and commit, typed per
 * mode (a discriminated union, so a mode reads its own state without a cast
 * and a session loaded by one manager cannot be committed by another's mode).
 */
import type { CarriedCookies } from "./cookie-chunks.js";

/** Cookie mode's per-session facts. */
export interface CookieState {
  readonly kind: "cookie";
  /** The request was HTTPS (decides Secure when `cookie.secure` is "auto"). */
  readonly secure: boolean;
  /** Which secret verified the cookie (0: the current one; more: re-sign it). */
  readonly secretIndex: number;
  /** When the loaded cookie was signed (seconds), for the idle timeout's lazy refresh. */
  readonly signedAtSeconds: number | undefined;
  /** With revocation on: the loaded cookie's denylist id, user and authentication time. */
  readonly jti: string | undefined;
  readonly userId: string | undefined;
  readonly authAtMs: number | undefined;
  /** The decoded cookie as the codec returned it: values the app did not change are written back from it exactly (a Python float 1.0 stays 1.0). */
  readonly original: Record<string, unknown> | undefined;
  /** The session cookies (plain, chunks) the request carried: a save deletes those it does not write again. */
  readonly carried: CarriedCookies;
}

/** Store mode's per-session facts. */
export interface StoreState {
  readonly kind: "store";
  readonly secure: boolean;
  /** A cookie came with the request (so an emptied session must delete it). */
  readonly hadCookie: boolean;
  /** The loaded record, when there was one. */
  readonly record: LoadedRecord | undefined;
  /** With `devices`: the request's User-Agent and client address, for a login to record. */
  readonly client?: { readonly userAgent: string | undefined; readonly clientAddress: string | undefined } | undefined;
}

/** A record store mode loaded. */
export interface LoadedRecord {
  /** Raw id: only ever written into the Set-Cookie value. */
  readonly id: string;
  /** The key the store knows it by. */
  readonly idHash: string;
  /** The id's SHA-256, also for raw-id stores: what `session.idHash` gives the app. */
  readonly publicIdHash: string;
  /** The id's hash prefix that events may carry (never the raw id, even for raw-id stores). */
  readonly eventPrefix: string;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  readonly userId: string | undefined;
  readonly frozen: boolean;
  /** On a frozen record: the id hash it was rotated into. */
  readonly successor: string | undefined;
}

/** Either mode's state. */
export type ModeState = CookieState | StoreState;
