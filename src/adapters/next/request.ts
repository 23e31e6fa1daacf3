/**
 * What sessionkit/next reads from and writes to Next.js's request APIs:
 * the session cookie (as this request sees it, a Server Action's own change
 * included), whether the request is HTTPS, the Set-Cookie values core wrote
 * as `cookies().set()` arguments, and what status a thrown `redirect()` or
 * `notFound()` stands for.
 */
import type { NextCookieStore, NextHeaderStore, NextResponseCookie } from "next/headers.js";

/**
 * The Cookie header to load the session from. Normally the request's own.
 * After a Server Action has set the session cookie, Next.js renders the page
 * with the new value in `cookies()` but the old Cookie header in `headers()`;
 * a value `cookies()` holds that the header does not is this request's own
 * change, and wins.
 *
 * @example
 * sessions.load(cookieHeaderOf(await cookies(), await headers(), "session"));
 */
export function cookieHeaderOf(cookies: NextCookieStore, headers: NextHeaderStore, name: string): string | null {
  const raw = headers.get("cookie");
  // The session cookie and its chunks (`cookie.maxChunks`, at most three): an action may have rewritten any of them.
  const names = [name, `${name}.0`, `${name}.1`, `${name}.2`];
  const changed = names.some((n) => {
    const current = cookies.get(n);
    return current !== undefined && !headerValues(raw, n).includes(current.value);
  });
  if (!changed) return raw;
  // A deleted cookie reads as an empty value: leave it out, as the browser will.
  return names.flatMap((n) => {
    const value = cookies.get(n)?.value;
    return value ? [`${n}=${value}`] : [];
  }).join("; ") || `${name}=`;
}

/** Every value of `name` in a Cookie header, percent-decoded as Next.js decodes them. */
function headerValues(header: string | null, name: string): string[] {
  const values: string[] = [];
  if (!header) return values;
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=");
    if (eq === -1 || pair.slice(0, eq).trim() !== name) continue;
    const value = pair.slice(eq + 1).trim();
    try {
      values.push(decodeURIComponent(value));
    } catch (error) {
      // Next.js skips a value that does not decode; so does this comparison.
      if (!(error instanceof URIError)) throw error;
    }
  }
  return values;
}

/**
 * Whether Next.js sees the request as HTTPS: its `X-Forwarded-Proto`, which
 * `next start` sets from the socket when the client sent none (Next.js
 * serves plain HTTP itself; HTTPS is its proxy's).
 *
 * @example
 * sessions.load(header, { secure: isHttps(await headers()) });
 */
export function isHttps(headers: NextHeaderStore): boolean {
  return headers.get("x-forwarded-proto")?.split(",")[0]!.trim().toLowerCase() === "https";
}

/**
 * A Set-Cookie value written by core (`NAME=VALUE; Domain; Expires; Max-Age;
 * Secure; HttpOnly; Path; SameSite; Partitioned`) as the object
 * `cookies().set()` takes. Next.js writes it back with the same attributes,
 * in its own order (and SameSite in lower case), and percent-encodes the
 * value, which changes none of sessionkit's (base64url and dots).
 *
 * @example
 * toNextCookie("session=abc; HttpOnly; Path=/; SameSite=Lax"); // { name: "session", value: "abc", httpOnly: true, path: "/", sameSite: "lax" }
 */
export function toNextCookie(setCookie: string): NextResponseCookie {
  const [pair, ...attributes] = setCookie.split("; ");
  const eq = pair!.indexOf("=");
  const cookie: NextResponseCookie = { name: pair!.slice(0, eq), value: pair!.slice(eq + 1) };
  for (const attribute of attributes) {
    const at = attribute.indexOf("=");
    const key = (at === -1 ? attribute : attribute.slice(0, at)).toLowerCase();
    const value = at === -1 ? "" : attribute.slice(at + 1);
    if (key === "domain") cookie.domain = value;
    else if (key === "path") cookie.path = value;
    else if (key === "expires") cookie.expires = new Date(value);
    else if (key === "max-age") cookie.maxAge = Number(value);
    else if (key === "secure") cookie.secure = true;
    else if (key === "httponly") cookie.httpOnly = true;
    else if (key === "samesite") cookie.sameSite = value.toLowerCase() as "lax" | "strict" | "none";
    else if (key === "partitioned") cookie.partitioned = true;
    else throw new TypeError(`sessionkit/next: core wrote a cookie attribute this adapter does not know (${key})`);
  }
  return cookie;
}

/**
 * The status of the response Next.js makes of what a Server Action or
 * Route Handler threw: its `redirect()` (a 303 after an action) and
 * `notFound()`, `forbidden()`, `unauthorized()` carry their own in
 * `digest`, Next's stable marker for them (its `isRedirectError` reads the
 * same); anything else is a 500, after which only a logout is saved.
 *
 * @example
 * statusOfThrow(Object.assign(new Error("NEXT_REDIRECT"), { digest: "NEXT_REDIRECT;push;/;303;" })); // 303
 */
export function statusOfThrow(error: unknown): number {
  const digest = typeof error === "object" && error !== null ? (error as { digest?: unknown }).digest : undefined;
  if (typeof digest !== "string") return 500;
  const redirect = /^NEXT_REDIRECT;[^;]*;.*;(\d{3});$/s.exec(digest);
  if (redirect) return Number(redirect[1]);
  const fallback = /^NEXT_HTTP_ERROR_FALLBACK;(\d{3})$/.exec(digest);
  return fallback ? Number(fallback[1]) : 500;
}
