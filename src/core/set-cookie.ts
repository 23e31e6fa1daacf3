/**
 * Writing `Set-Cookie` values, in Werkzeug's attribute order so that the
 * `flask` format matches Flask on the wire:
 * `NAME=VALUE[; Domain][; Expires][; Max-Age][; Secure][; HttpOnly][; Path][; SameSite][; Partitioned]`.
 *
 * Both modes write through one {@link CookieWriter}, so the expiry rule
 * (a permanent session's cookie expires `lifetime` from now; any other is a
 * browser-session cookie) and the size check live here only.
 */
import { httpDate } from "../codec/index.js";
import { CookieTooLargeError } from "./errors.js";
import type { ResolvedCookieOptions } from "./options.js";

/**
 * The Set-Cookie values of one cookie configuration: the attribute strings
 * are built once; only the value and Expires vary per request.
 *
 * @example
 * const writer = new CookieWriter(resolved.cookie, resolved.lifetimeSeconds);
 * writer.set("eyJ1…", { permanent: false, nowMs: Date.now(), secure: false }); // "session=eyJ1…; HttpOnly; Path=/; SameSite=Lax"
 */
export class CookieWriter {
  readonly #name: string;
  /** `; Domain=…` or "". */
  readonly #domain: string;
  /** `; Secure; HttpOnly; Path=…; SameSite=…; Partitioned`, as configured, for a secure and an insecure request. */
  readonly #tailSecure: string;
  readonly #tailInsecure: string;
  readonly #maxBytes: number;
  readonly #lifetimeMs: number;

  constructor(cookie: ResolvedCookieOptions, lifetimeSeconds: number) {
    const tail = (secure: boolean): string =>
      (secure ? "; Secure" : "") +
      (cookie.httpOnly ? "; HttpOnly" : "") +
      `; Path=${cookie.path}` +
      (cookie.sameSite ? `; SameSite=${cookie.sameSite}` : "") +
      (cookie.partitioned ? "; Partitioned" : "");
    this.#name = cookie.name;
    this.#domain = cookie.domain ? `; Domain=${cookie.domain}` : "";
    this.#tailSecure = tail(true);
    this.#tailInsecure = tail(cookie.secure === true);
    this.#maxBytes = cookie.maxBytes;
    this.#lifetimeMs = lifetimeSeconds * 1000;
  }

  /**
   * The `Set-Cookie` value carrying `value`: with Expires `lifetime` (or
   * this session's own `lifetimeSeconds`, from setExpiry) from `nowMs` when
   * the session is permanent, a browser-session cookie otherwise. Throws CookieTooLargeError rather than emit a cookie the
   * browser would drop.
   */
  set(value: string, permanent: boolean, nowMs: number, secure: boolean, lifetimeSeconds?: number): string {
    const lifetimeMs = lifetimeSeconds === undefined ? this.#lifetimeMs : lifetimeSeconds * 1000;
    const header =
      this.#name +
      "=" +
      value +
      this.#domain +
      (permanent ? `; Expires=${httpDate(new Date(nowMs + lifetimeMs))}` : "") +
      (secure ? this.#tailSecure : this.#tailInsecure);
    // Values and attributes are ASCII (base64url, validated options), so length is bytes.
    if (this.#maxBytes > 0 && header.length > this.#maxBytes) throw new CookieTooLargeError(this.#name, header.length, this.#maxBytes);
    return header;
  }

  /**
   * The `Set-Cookie` value that deletes the cookie, with the same attributes
   * (Domain, Path, Secure, SameSite, Partitioned) so that the browser matches it.
   */
  delete(secure: boolean): string {
    return `${this.#name}=${this.#domain}; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0${secure ? this.#tailSecure : this.#tailInsecure}`;
  }
}
