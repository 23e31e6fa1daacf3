/**
 * The caching headers a session response needs: `Vary: Cookie` whenever the
 * session was read or written (Flask CVE-2023-30861 and CVE-2026-27205), and
 * `Cache-Control: private, no-store` on a response that sets the cookie, so
 * no shared cache hands one visitor's cookie to another.
 */
import { warnOnce } from "./warnings.js";

/** A header value as frameworks hold it. */
export type HeaderValue = string | readonly string[] | number | undefined | null;

/** A header a commit asks the adapter to set (replacing the response's own value). */
export type SessionHeader = readonly [name: "Vary" | "Cache-Control" | "Clear-Site-Data", value: string];

/**
 * Add `Cookie` to a Vary header value exactly once.
 *
 * @example
 * mergeVary("Accept-Encoding"); // "Accept-Encoding, Cookie"
 */
export function mergeVary(existing: HeaderValue): string {
  const text = Array.isArray(existing) ? existing.join(", ") : existing == null ? "" : String(existing);
  if (text.trim() === "") return "Cookie";
  for (const part of text.split(",")) {
    const token = part.trim().toLowerCase();
    if (token === "cookie" || token === "*") return text;
  }
  return `${text}, Cookie`;
}

/** What a response that sets the session cookie gets, unless the app already kept shared caches away. */
export const SESSION_CACHE_CONTROL = "private, no-store";

/** One Cache-Control directive: a name, then `=token` or `="quoted, list"` (RFC 9111 §5.2). */
const DIRECTIVE = /\s*([^=,\s]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^,]*))?\s*(?:,|$)/g;

/**
 * Whether a Cache-Control value keeps a response's Set-Cookie out of shared
 * caches: `no-store`, `private`, or `no-cache`/`private` whose field list
 * names `Set-Cookie` (R38 in docs/security-model.md, the OWASP cheat sheet's
 * "Web Content Caching").
 */
function keepsSetCookiePrivate(value: string): boolean {
  for (const match of value.toLowerCase().matchAll(DIRECTIVE)) {
    const name = match[1]!;
    const fields = match[2];
    if (name === "no-store") return true;
    if (name === "private" && fields === undefined) return true;
    if ((name === "private" || name === "no-cache") && fields !== undefined) {
      if (fields.replace(/^"|"$/g, "").split(",").some((field) => field.trim() === "set-cookie")) return true;
    }
  }
  return false;
}

/**
 * The Cache-Control value to set, or undefined to leave the header alone.
 * A response without a session Set-Cookie is left alone (it stays
 * cacheable, R39). One with it gets `private, no-store`, unless the app's own
 * value already keeps it out of shared caches (`private`, `no-store`, or
 * `no-cache="Set-Cookie"`). An app value that does not (`public,
 * max-age=600`) is replaced: a shared cache handing one visitor's session
 * cookie to the next is worse than overriding the app, which is told once
 * per process by a `SESSIONKIT_CACHE_CONTROL_REPLACED` warning.
 *
 * @example
 * const cc = cacheControlFor(res.getHeader("Cache-Control"), setCookie); if (cc) res.setHeader("Cache-Control", cc);
 */
export function cacheControlFor(existing: HeaderValue, setCookie: readonly string[]): string | undefined {
  if (setCookie.length === 0) return undefined;
  const text = Array.isArray(existing) ? existing.join(", ") : existing == null ? "" : String(existing);
  if (text.trim() === "") return SESSION_CACHE_CONTROL;
  if (keepsSetCookiePrivate(text)) return undefined;
  // The app's value is not secret, but nothing from the response goes into the warning: only what to do.
  warnOnce(
    "SESSIONKIT_CACHE_CONTROL_REPLACED",
    `sessionkit: a response setting the session cookie had a Cache-Control that lets shared caches store it (neither private nor no-store); it was replaced with "${SESSION_CACHE_CONTROL}". Send private or no-store yourself on responses that change the session.`,
  );
  return SESSION_CACHE_CONTROL;
}

/**
 * Every header a committed session needs, besides its Set-Cookie values:
 * `Vary: Cookie` merged into the response's Vary when the session was read
 * or a cookie is sent, `Cache-Control` when a cookie is sent (see
 * cacheControlFor), and `Clear-Site-Data: "cookies"` for a destroyed session
 * when the app asked for it.
 *
 * @example
 * sessionHeaders({ accessed: true, setCookie: [], clearSiteData: false, vary: "Accept-Encoding", cacheControl: undefined });
 * // [["Vary", "Accept-Encoding, Cookie"]]
 */
export function sessionHeaders(facts: {
  accessed: boolean;
  setCookie: readonly string[];
  clearSiteData: boolean;
  vary: HeaderValue;
  cacheControl: HeaderValue;
}): SessionHeader[] {
  const headers: SessionHeader[] = [];
  if (facts.accessed || facts.setCookie.length > 0) headers.push(["Vary", mergeVary(facts.vary)]);
  const cacheControl = cacheControlFor(facts.cacheControl, facts.setCookie);
  if (cacheControl !== undefined) headers.push(["Cache-Control", cacheControl]);
  if (facts.clearSiteData) headers.push(["Clear-Site-Data", '"cookies"']);
  return headers;
}
