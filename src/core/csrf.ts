/**
 * CSRF protection, framework-neutral: may this request change state? Core
 * speaks strings here too: the adapters' `csrfProtection` read the method,
 * the `Origin` and `Sec-Fetch-Site` headers, this site's own origin and the
 * token a request carries, and turn a refusal into the framework's 403.
 *
 * The rule, in order:
 * 1. A safe method (GET, HEAD, OPTIONS, TRACE) passes: it must change nothing.
 * 2. The browser's word on where the request comes from. An `Origin` header
 *    that is neither this site's nor one of `allowedOrigins` (`null`
 *    included) is refused, token or not, as Django does. Without `Origin`,
 *    `Sec-Fetch-Site: cross-site` or `same-site` is refused.
 * 3. A session that has a CSRF secret (a page called `session.csrfToken()`)
 *    needs a token of that secret, from the header or the form field.
 * 4. A session without one (a login form shown to a visitor with no session
 *    yet) needs proof the request comes from this site: `Origin` or
 *    `Sec-Fetch-Site: same-origin`. A request with neither header (curl, a
 *    very old browser) passes only with `allowMissingOrigin`. A token sent
 *    anyway is refused: there is nothing for it to match.
 */
import { csrfTokenMatches, isCsrfSecret } from "./csrf-token.js";
import { ConfigError, SessionkitError } from "./errors.js";
import { RESERVED_KEYS } from "./session-data.js";
import { sessionInternals, type Session } from "./session.js";

/**
 * Options of CSRF verification (every adapter's `csrfProtection` takes them).
 *
 * @example
 * app.use(csrfProtection({ allowedOrigins: ["https://admin.example.com"] }));
 */
export interface CsrfOptions {
  /** The request header carrying the token. Default `X-CSRF-Token`. */
  headerName?: string;
  /** The form field carrying the token. Default `csrf_token` (Flask-WTF's). */
  fieldName?: string;
  /** Other origins allowed to send state-changing requests, as `https://host[:port]`. Default none. */
  allowedOrigins?: readonly string[];
  /**
   * For sessions without a CSRF secret: let through a request that has no
   * `Origin` and no `Sec-Fetch-Site` header (non-browser clients, browsers
   * from before 2020). Default false. Tokens are checked either way.
   */
  allowMissingOrigin?: boolean;
}

/** {@link CsrfOptions} checked and frozen. */
export interface ResolvedCsrfOptions {
  /** As configured, for messages. */
  readonly headerName: string;
  /** Lower case, for lookups. */
  readonly headerKey: string;
  readonly fieldName: string;
  readonly allowedOrigins: ReadonlySet<string>;
  readonly allowMissingOrigin: boolean;
}

/**
 * What the check needs to know about a request; every value is untrusted.
 *
 * @example
 * const request: CsrfRequest = { method: "POST", origin: "https://example.com", secFetchSite: "same-origin",
 *   ownOrigin: "https://example.com", headerToken: undefined, formToken: body.csrf_token };
 */
export interface CsrfRequest {
  method: string;
  /** The `Origin` header, or undefined when absent. */
  origin: string | undefined;
  /** The `Sec-Fetch-Site` header, or undefined when absent. */
  secFetchSite: string | undefined;
  /** This site's origin as the browser addressed it (see {@link requestOrigin}); undefined when unknown. */
  ownOrigin: string | undefined;
  /** The token header's value. */
  headerToken: unknown;
  /** The token form field's value, when the body was parsed. */
  formToken: unknown;
}

/**
 * Why a request was refused.
 *
 * @example
 * if (error instanceof CsrfError && error.reason === "bad_token") res.redirect("/login");
 */
export type CsrfRefusal = "cross_origin" | "cross_site" | "no_origin" | "missing_token" | "bad_token";

const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS", "TRACE"]);

/**
 * Whether a method must not change state (RFC 9110 §9.2.1), so needs no token.
 *
 * @example
 * isSafeMethod("POST"); // false
 */
export function isSafeMethod(method: string): boolean {
  // Exact names only: "get" is not GET, so an odd spelling is checked like any unsafe method.
  return SAFE_METHODS.has(method);
}

const present = (value: unknown): boolean => value !== undefined && value !== null && value !== "";

/**
 * The CSRF verdict on a request: undefined when it may go on, else why not.
 * Never throws on request input.
 *
 * @example
 * const refusal = checkCsrf(session, request, resolveCsrfOptions());
 * if (refusal) throw new CsrfError(refusal);
 */
export function checkCsrf(session: Session<any>, request: CsrfRequest, options: ResolvedCsrfOptions): CsrfRefusal | undefined {
  if (isSafeMethod(request.method)) return undefined;
  const from = whereFrom(request, options);
  if (from === "cross_origin" || from === "cross_site") return from;
  const token = present(request.headerToken) ? request.headerToken : request.formToken;
  const secret = sessionInternals(session).data.values.get(RESERVED_KEYS.csrf);
  if (isCsrfSecret(secret)) {
    if (!present(token)) return "missing_token";
    return csrfTokenMatches(secret, token) ? undefined : "bad_token";
  }
  if (present(token)) return "bad_token";
  if (from === "same") return undefined;
  return options.allowMissingOrigin ? undefined : "no_origin";
}

/** The browser's word on the request's origin: this site, another one, or nothing said. */
function whereFrom(request: CsrfRequest, options: ResolvedCsrfOptions): "same" | "unknown" | "cross_origin" | "cross_site" {
  if (request.origin !== undefined) {
    // Browsers send the ASCII serialization (lower case, no default port); "null" is an opaque origin.
    const origin = request.origin.trim().toLowerCase();
    const known = origin !== "null" && (origin === request.ownOrigin || options.allowedOrigins.has(origin));
    return known ? "same" : "cross_origin";
  }
  switch (request.secFetchSite?.trim().toLowerCase()) {
    case "same-origin":
    case "none": // the user typed or bookmarked it: no other site was involved
      return "same";
    case "same-site": // a sibling subdomain may be someone else's
    case "cross-site":
      return "cross_site";
    default:
      return "unknown";
  }
}

/** A Host header: a host name, IPv4 or bracketed IPv6 address, and an optional port; nothing that could add a path. */
const HOST = /^[A-Za-z0-9._~\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/**
 * This site's origin as a browser would serialize it, from the request's
 * scheme and Host header: `https://example.com`, the default port dropped.
 * Undefined for a missing or malformed host.
 *
 * @example
 * requestOrigin(true, "Example.com:443"); // "https://example.com"
 */
export function requestOrigin(secure: boolean, host: string | undefined): string | undefined {
  if (host === undefined || host.length > 262 || !HOST.test(host)) return undefined;
  try {
    return new URL(`${secure ? "https" : "http"}://${host}`).origin;
  } catch (error) {
    // A host the URL parser refuses (a port above 65535, a bad IPv6 literal) names no origin.
    if (error instanceof TypeError) return undefined;
    throw error;
  }
}

/** Header names are RFC 9110 tokens. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function allowedOrigin(origin: unknown): string {
  const refuse = (): ConfigError =>
    new ConfigError("csrf.allowedOrigins", 'list origins as scheme://host[:port], such as "https://app.example.com" (http or https, no path, no wildcard).');
  if (typeof origin !== "string" || origin.includes("*")) throw refuse();
  let url: URL;
  try {
    url = new URL(origin);
  } catch (error) {
    if (error instanceof TypeError) throw refuse();
    throw error;
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.username || url.password || url.pathname !== "/" || url.search || url.hash) {
    throw refuse();
  }
  return url.origin;
}

/**
 * Check and freeze CSRF options; each mistake is a ConfigError naming the option.
 *
 * @example
 * const options = resolveCsrfOptions({ allowedOrigins: ["https://admin.example.com"] });
 */
export function resolveCsrfOptions(options: CsrfOptions = {}): ResolvedCsrfOptions {
  if (options === null || typeof options !== "object") throw new ConfigError("csrf", "pass an options object, or nothing for the defaults.");
  const headerName = options.headerName ?? "X-CSRF-Token";
  if (typeof headerName !== "string" || !HEADER_NAME.test(headerName)) {
    throw new ConfigError("csrf.headerName", 'use an HTTP header name such as "X-CSRF-Token".');
  }
  const fieldName = options.fieldName ?? "csrf_token";
  if (typeof fieldName !== "string" || fieldName.length === 0 || fieldName.length > 100 || ["__proto__", "constructor", "prototype"].includes(fieldName)) {
    throw new ConfigError("csrf.fieldName", 'use a form field name of 1 to 100 characters, such as "csrf_token".');
  }
  if (options.allowedOrigins !== undefined && !Array.isArray(options.allowedOrigins)) {
    throw new ConfigError("csrf.allowedOrigins", 'pass an array of origins, such as ["https://app.example.com"].');
  }
  const allowMissingOrigin = options.allowMissingOrigin ?? false;
  if (typeof allowMissingOrigin !== "boolean") throw new ConfigError("csrf.allowMissingOrigin", "use true or false.");
  return Object.freeze({
    headerName,
    headerKey: headerName.toLowerCase(),
    fieldName,
    allowedOrigins: new Set((options.allowedOrigins ?? []).map(allowedOrigin)),
    allowMissingOrigin,
  });
}

const EXPLAIN: Record<CsrfRefusal, (o: Pick<ResolvedCsrfOptions, "headerName" | "fieldName">) => string> = {
  cross_origin: () => "the request comes from another origin (its Origin header is neither this site's nor one of `allowedOrigins`).",
  cross_site: () => "the browser says the request comes from another site (Sec-Fetch-Site).",
  no_origin: () =>
    "the request carries no CSRF token and nothing shows it comes from this site (no Origin or Sec-Fetch-Site header). " +
    "Send a token from session.csrfToken(), or set `allowMissingOrigin` for clients that send neither header.",
  missing_token: (o) =>
    `the request carries no CSRF token. Send session.csrfToken() in the ${o.headerName} header or the ${o.fieldName} form field ` +
    "(a form field is read only once the body is parsed).",
  bad_token: () =>
    "the CSRF token does not belong to this session (a page from before a login or logout, another session's token, or a forgery). Reload the page for a fresh one.",
};

/**
 * A state-changing request refused by the CSRF check: a 403. It carries
 * `status`, `statusCode` and `expose` so that Express, Fastify and Koa
 * answer 403 with it on their own error path. The message says why and
 * what to do; it never holds the token, the secret or a header's value.
 *
 * @example
 * app.use((error, req, res, next) => error instanceof CsrfError ? res.status(403).send("Reload the page") : next(error));
 */
export class CsrfError extends SessionkitError {
  readonly reason: CsrfRefusal;
  readonly status = 403;
  readonly statusCode = 403;
  /** Koa: the message may be shown to the visitor. */
  readonly expose = true;
  constructor(reason: CsrfRefusal, names: Pick<ResolvedCsrfOptions, "headerName" | "fieldName"> = { headerName: "X-CSRF-Token", fieldName: "csrf_token" }) {
    super("CSRF_REFUSED", `sessionkit: CSRF check failed (403 Forbidden): ${EXPLAIN[reason](names)}`);
    this.reason = reason;
  }
}
