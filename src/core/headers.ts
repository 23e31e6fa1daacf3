/**
 * The caching headers a session response needs: `Vary: Cookie` whenever the
 * session was read or written (Flask CVE-2023-30861 and CVE-2026-27205), and
 * `Cache-Control: private` on a response that sets the cookie, so no shared
 * cache hands one visitor's cookie to another.
 */
import { sessionInternals, type Session } from "./session.js";

/**
 * Add `Cookie` to a Vary header value exactly once.
 *
 * @example
 * mergeVary("Accept-Encoding"); // "Accept-Encoding, Cookie"
 */
export function mergeVary(existing: string | readonly string[] | number | undefined | null): string {
  const text = Array.isArray(existing) ? existing.join(", ") : existing == null ? "" : String(existing);
  if (text.trim() === "") return "Cookie";
  for (const part of text.split(",")) {
    const token = part.trim().toLowerCase();
    if (token === "cookie" || token === "*") return text;
  }
  return `${text}, Cookie`;
}

/**
 * Whether the response must carry `Vary: Cookie`.
 *
 * @example
 * if (shouldVary(session, setCookie)) res.setHeader("Vary", mergeVary(res.getHeader("Vary")));
 */
export function shouldVary(session: Session<any> | undefined, setCookie: readonly string[]): boolean {
  return setCookie.length > 0 || (session !== undefined && session.accessed);
}

/**
 * The Cache-Control value to set, or undefined to leave the header alone:
 * `private` when the response sets a cookie and the app set no Cache-Control.
 *
 * @example
 * const cc = cacheControlFor(res.getHeader("Cache-Control"), setCookie); if (cc) res.setHeader("Cache-Control", cc);
 */
export function cacheControlFor(existing: string | readonly string[] | number | undefined | null, setCookie: readonly string[]): string | undefined {
  if (setCookie.length === 0) return undefined;
  if (existing != null && String(existing).trim() !== "") return undefined;
  return "private";
}

/**
 * The `Clear-Site-Data` value for a committed session: `"cookies"` when it was
 * destroyed and `clearSiteDataOnDestroy` is on, else undefined.
 *
 * @example
 * const csd = clearSiteDataFor(session); if (csd) res.setHeader("Clear-Site-Data", csd);
 */
export function clearSiteDataFor(session: Session<any> | undefined): string | undefined {
  return session !== undefined && sessionInternals(session).clearSiteData === true ? '"cookies"' : undefined;
}
