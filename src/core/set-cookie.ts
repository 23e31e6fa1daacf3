/**
 * Writing `Set-Cookie` values, in Werkzeug's attribute order so that the
 * `flask` format matches Flask on the wire:
 * `NAME=VALUE[; Domain][; Expires][; Max-Age][; Secure][; HttpOnly][; Path][; SameSite][; Partitioned]`.
 */
import { CookieTooLargeError } from "./errors.js";
import type { ResolvedCookieOptions } from "./options.js";

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * IMF-fixdate (RFC 9110 §5.6.7) for a time in milliseconds, whole seconds.
 *
 * @example
 * httpDate(1_700_000_000_000); // "Tue, 14 Nov 2023 22:13:20 GMT"
 */
export function httpDate(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]}, ${pad2(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad2(
    d.getUTCHours(),
  )}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} GMT`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * The attribute tail after `NAME=VALUE`, without Expires/Max-Age, for one
 * security setting. Precomputed per manager: only Expires varies per request.
 */
export interface CookieTemplate {
  name: string;
  /** `; Domain=…` or "" */
  domain: string;
  /** `; Secure; HttpOnly; Path=…; SameSite=…; Partitioned`, as configured, for a secure and an insecure request. */
  tailSecure: string;
  tailInsecure: string;
  maxBytes: number;
}

/**
 * Precompute the attribute strings of a cookie configuration.
 *
 * @example
 * const t = cookieTemplate(resolved.cookie);
 */
export function cookieTemplate(cookie: ResolvedCookieOptions): CookieTemplate {
  const tail = (secure: boolean): string =>
    (secure ? "; Secure" : "") +
    (cookie.httpOnly ? "; HttpOnly" : "") +
    `; Path=${cookie.path}` +
    (cookie.sameSite ? `; SameSite=${cookie.sameSite}` : "") +
    (cookie.partitioned ? "; Partitioned" : "");
  const forced = cookie.secure === true;
  return {
    name: cookie.name,
    domain: cookie.domain ? `; Domain=${cookie.domain}` : "",
    tailSecure: tail(true),
    tailInsecure: tail(forced),
    maxBytes: cookie.maxBytes,
  };
}

/**
 * A `Set-Cookie` value carrying `value`, expiring at `expiresMs` (a
 * browser-session cookie when undefined). Throws CookieTooLargeError rather
 * than emit a cookie the browser would drop.
 *
 * @example
 * setCookieValue(t, "eyJ1c2VyIjoiVG9tIn0.ZVPxAA.sig", undefined, false); // "session=…; HttpOnly; Path=/; SameSite=Lax"
 */
export function setCookieValue(t: CookieTemplate, value: string, expiresMs: number | undefined, secure: boolean): string {
  const header =
    t.name +
    "=" +
    value +
    t.domain +
    (expiresMs === undefined ? "" : `; Expires=${httpDate(expiresMs)}`) +
    (secure ? t.tailSecure : t.tailInsecure);
  // Values and attributes are ASCII (base64url, validated options), so length is bytes.
  if (t.maxBytes > 0 && header.length > t.maxBytes) throw new CookieTooLargeError(t.name, header.length, t.maxBytes);
  return header;
}

/**
 * The `Set-Cookie` value that deletes the cookie, with the same attributes
 * (Domain, Path, Secure, SameSite, Partitioned) so that the browser matches it.
 *
 * @example
 * deletionCookie(t, false); // "session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=/; SameSite=Lax"
 */
export function deletionCookie(t: CookieTemplate, secure: boolean): string {
  return `${t.name}=${t.domain}; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0${secure ? t.tailSecure : t.tailInsecure}`;
}
