/**
 * What `/inspect` shows: the session cookie taken apart, and nothing a
 * script on the page could use as the cookie. The cookie is HttpOnly so
 * that scripts cannot read it; printing it into a page would undo that. So
 * the page shows:
 *
 * - a Flask-style cookie (the `signed` and `flask` formats: payload,
 *   timestamp and signature, dot-separated) with its signature masked, and
 *   its payload decoded (signed, not secret: anyone holding the cookie can
 *   read it), with the CSRF secret masked too;
 * - an encrypted cookie by its size alone;
 * - a session id (server-side) by the start of its SHA-256 hash, what
 *   sessionkit's events carry, never the id.
 *
 * Only a cookie sessionkit accepted is taken apart: whether it is genuine
 * was decided when the session was loaded, and a refused one (forged,
 * expired, a timestamp in the year 30000, not UTF-8, 15 KB of junk) is
 * shown as refused, its bytes counted and never parsed.
 */
import { findCookie, hashSessionId, RESERVED_KEYS, type Session } from "sessionkit";
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
  /** Whether the browser sent the session cookie at all. */
  present: boolean;
  /** Length of the raw value in bytes. */
  valueBytes: number;
  mode: "cookie" | "server";
  format: TutorialFormat;
  /** Whether sessionkit accepted the cookie (signature, age, store record). */
  accepted: boolean;
  /** An accepted signed cookie's segments, the signature replaced by its length. */
  parts: { payload: string; timestamp: string; signatureChars: number } | undefined;
  /** Server-side: the first characters of the id's SHA-256 (base64url). */
  idHashPrefix: string | undefined;
  /** The whole decoded payload, reserved keys (`_permanent`, `_flashes`) included, the CSRF secret masked. */
  payload: unknown;
  /** Whether the payload was zlib-compressed (a leading "."). */
  compressed: boolean;
  /** When the cookie was signed, from its timestamp segment. */
  signedAt: Date | undefined;
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

/** What the page shows in place of the CSRF secret. */
export const MASKED_CSRF_SECRET = "(the CSRF secret: hidden)";

/** A date, or undefined when it is not one (`new Date(1e20)` is an Invalid Date, whose toISOString throws). */
function validDate(ms: number): Date | undefined {
  const date = new Date(ms);
  return Number.isFinite(date.getTime()) ? date : undefined;
}

/** The timestamp segment: big-endian seconds, leading zero bytes stripped (itsdangerous). */
function decodeTimestamp(segment: string): Date | undefined {
  const bytes = base64Decode(segment);
  const seconds = bytes === undefined ? undefined : bytesToInt(bytes);
  return seconds === undefined ? undefined : validDate(seconds * 1000);
}

/** The payload as sessionkit decodes it, reserved keys included, the CSRF secret masked; undefined when it cannot be decoded. */
function readPayload(segment: string): unknown {
  let payload: unknown;
  try {
    payload = decodePayload(segment);
  } catch (error) {
    if (error instanceof BadPayload) return undefined;
    throw error;
  }
  if (typeof payload === "object" && payload !== null && Object.hasOwn(payload, RESERVED_KEYS.csrf)) {
    return { ...(payload as Record<string, unknown>), [RESERVED_KEYS.csrf]: MASKED_CSRF_SECRET };
  }
  return payload;
}

/** Split a signed value into payload, timestamp and signature; a compressed payload starts with its own dot. */
function splitSigned(value: string): { payload: string; timestamp: string; signature: string } | undefined {
  const parts = value.split(".");
  if (value.startsWith(".") && parts.length === 4) return { payload: `.${parts[1]}`, timestamp: parts[2]!, signature: parts[3]! };
  if (parts.length === 3) return { payload: parts[0]!, timestamp: parts[1]!, signature: parts[2]! };
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
    present: raw !== undefined,
    valueBytes: raw === undefined ? 0 : Buffer.byteLength(raw),
    mode: input.serverSide ? "server" : "cookie",
    format: input.format,
    accepted: raw !== undefined && !session.isNew,
    parts: undefined,
    idHashPrefix: undefined,
    payload: undefined,
    compressed: false,
    signedAt: undefined,
    data: { ...session.toJSON() },
    permanent,
    expiresAt: undefined,
    refusedAfter: undefined,
  };
  if (raw === undefined || !result.accepted) return result;
  if (input.serverSide) {
    // The id is the key to the session: show only what the events show, a prefix of its hash.
    result.idHashPrefix = hashSessionId(raw).slice(0, 8);
    result.expiresAt = permanent ? validDate(input.nowMs + lifetimeMs) : undefined;
    return result;
  }
  const parts = input.format === "encrypted" ? undefined : splitSigned(raw);
  if (parts !== undefined) {
    result.parts = { payload: parts.payload, timestamp: parts.timestamp, signatureChars: parts.signature.length };
    result.compressed = parts.payload.startsWith(".");
    result.signedAt = decodeTimestamp(parts.timestamp);
    result.payload = readPayload(parts.payload);
  }
  const anchorMs = result.signedAt?.getTime() ?? input.nowMs;
  result.refusedAfter = validDate(anchorMs + lifetimeMs);
  result.expiresAt = permanent ? result.refusedAfter : undefined;
  return result;
}
