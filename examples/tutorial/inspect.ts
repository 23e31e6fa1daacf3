/**
 * What `/inspect` shows: the session cookie taken apart. A Flask-style
 * cookie is three dot-separated base64url segments — payload, timestamp,
 * signature — and the payload is plain (or zlib-compressed) JSON: signed,
 * not secret. This module decodes those segments for display only; whether
 * the signature is good was already decided by sessionkit when it loaded
 * the session, so only an accepted payload is decoded (with
 * `sessionkit/codec`, the same code that reads it for the app).
 */
import { findCookie, type Session } from "sessionkit";
import { BadPayload, base64Decode, bytesToInt, decodePayload } from "sessionkit/codec";
import type { TutorialFormat } from "./config.js";

/**
 * Everything `/inspect` displays.
 *
 * @example
 * const view: Inspection = inspectSession(input); view.signedAt?.toISOString();
 */
export interface Inspection {
  cookieName: string;
  /** The raw cookie value as the browser sent it (cookie mode), or the id cut short (server-side mode). */
  shownValue: string | undefined;
  /** Length of the raw value in bytes. */
  valueBytes: number;
  mode: "cookie" | "server";
  format: TutorialFormat;
  /** The whole decoded payload, reserved keys (`_permanent`, `_flashes`) included; only for an accepted cookie. */
  payload: unknown;
  /** Whether the payload was zlib-compressed (a leading "."). */
  compressed: boolean;
  /** When the cookie was signed, from its timestamp segment. */
  signedAt: Date | undefined;
  /** Whether sessionkit accepted the cookie (signature, age, store record). */
  accepted: boolean;
  /** The session as the app sees it (reserved keys hidden). */
  data: Record<string, unknown>;
  permanent: boolean;
  /** When the browser drops the cookie (permanent sessions), else undefined: at browser close. */
  expiresAt: Date | undefined;
  /** When the server stops accepting it whatever the browser does. */
  refusedAfter: Date | undefined;
}

/**
 * What {@link inspectSession} needs.
 *
 * @example
 * const input: InspectInput = { cookieHeader: req.headers.cookie, cookieName: "session", format: "signed", serverSide: false, session: req.session, lifetimeSeconds: 2_678_400, nowMs: Date.now() };
 */
export interface InspectInput {
  cookieHeader: string | undefined;
  cookieName: string;
  format: TutorialFormat;
  serverSide: boolean;
  session: Session<Record<string, unknown>>;
  lifetimeSeconds: number;
  nowMs: number;
}

/** The timestamp segment: big-endian seconds, leading zero bytes stripped (itsdangerous). */
function decodeTimestamp(segment: string): Date | undefined {
  const bytes = base64Decode(segment);
  const seconds = bytes === undefined ? undefined : bytesToInt(bytes);
  return seconds === undefined ? undefined : new Date(seconds * 1000);
}

/** The payload as sessionkit decodes it, reserved keys included; undefined when it cannot be decoded. */
function readPayload(segment: string): unknown {
  try {
    return decodePayload(segment);
  } catch (error) {
    if (error instanceof BadPayload) return undefined;
    throw error;
  }
}

/** Split a cookie-mode value into payload and timestamp; a compressed payload starts with its own dot. */
function splitSigned(value: string): { payload: string; timestamp: string } | undefined {
  const parts = value.split(".");
  if (value.startsWith(".") && parts.length === 4) return { payload: `.${parts[1]}`, timestamp: parts[2]! };
  if (parts.length === 3) return { payload: parts[0]!, timestamp: parts[1]! };
  return undefined;
}

/**
 * Take the request's session cookie apart for display.
 *
 * @example
 * const view = inspectSession({ cookieHeader: req.headers.cookie, cookieName: "session", format: "flask",
 *   serverSide: false, session: req.session, lifetimeSeconds: 2_678_400, nowMs: Date.now() });
 */
export function inspectSession(input: InspectInput): Inspection {
  const raw = findCookie(input.cookieHeader, input.cookieName).value;
  const session = input.session;
  const lifetimeMs = input.lifetimeSeconds * 1000;
  const permanent = session.permanent;
  const result: Inspection = {
    cookieName: input.cookieName,
    shownValue: raw,
    valueBytes: raw === undefined ? 0 : Buffer.byteLength(raw),
    mode: input.serverSide ? "server" : "cookie",
    format: input.format,
    payload: undefined,
    compressed: false,
    signedAt: undefined,
    accepted: raw !== undefined && !session.isNew,
    data: { ...session.toJSON() },
    permanent,
    expiresAt: undefined,
    refusedAfter: undefined,
  };
  if (raw === undefined) return result;
  if (input.serverSide) {
    // The id is the key to the session: show only enough to tell two sessions apart.
    result.shownValue = `${raw.slice(0, 6)}… (${raw.length} characters, hidden)`;
    result.expiresAt = permanent ? new Date(input.nowMs + lifetimeMs) : undefined;
    return result;
  }
  if (input.format !== "encrypted") {
    const parts = splitSigned(raw);
    if (parts !== undefined) {
      result.compressed = parts.payload.startsWith(".");
      result.signedAt = decodeTimestamp(parts.timestamp);
      // Decode only what sessionkit accepted: a forged payload is not worth parsing, and the codec asks for authenticated text.
      if (result.accepted) result.payload = readPayload(parts.payload);
    }
  }
  const anchorMs = result.signedAt?.getTime() ?? input.nowMs;
  result.refusedAfter = new Date(anchorMs + lifetimeMs);
  result.expiresAt = permanent ? new Date(anchorMs + lifetimeMs) : undefined;
  return result;
}
