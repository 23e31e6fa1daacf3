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
import { chunkName, type CarriedCookies } from "./cookie-chunks.js";
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
    const header = this.#header(this.#name, value, permanent, nowMs, secure, lifetimeSeconds);
    // Values and attributes are ASCII (base64url, validated options), so length is bytes.
    if (this.#maxBytes > 0 && header.length > this.#maxBytes) throw new CookieTooLargeError(this.#name, header.length, this.#maxBytes);
    return header;
  }

  #header(name: string, value: string, permanent: boolean, nowMs: number, secure: boolean, lifetimeSeconds?: number): string {
    const lifetimeMs = lifetimeSeconds === undefined ? this.#lifetimeMs : lifetimeSeconds * 1000;
    return (
      name +
      "=" +
      value +
      this.#domain +
      (permanent ? `; Expires=${httpDate(new Date(nowMs + lifetimeMs))}` : "") +
      (secure ? this.#tailSecure : this.#tailInsecure)
    );
  }

  /**
   * {@link set} allowing up to `maxChunks` cookies (`cookie.maxChunks`): one
   * plain cookie when the value fits, else chunks `NAME.0`… each within
   * `maxBytes`; and the deletion of every session cookie the request
   * `carried` that this write does not replace, so no stale chunk stays.
   * Throws CookieTooLargeError (naming both limits) past `maxChunks` cookies.
   *
   * @example
   * writer.setChunks(value, false, Date.now(), false, 3, { plain: true, chunks: 0 }); // ["session.0=…", "session.1=…", "session=; …Max-Age=0…"]
   */
  setChunks(value: string, permanent: boolean, nowMs: number, secure: boolean, maxChunks: number, carried: CarriedCookies, lifetimeSeconds?: number): string[] {
    const single = this.#header(this.#name, value, permanent, nowMs, secure, lifetimeSeconds);
    if (maxChunks <= 1 || this.#maxBytes === 0 || single.length <= this.#maxBytes) {
      return [this.set(value, permanent, nowMs, secure, lifetimeSeconds), ...this.deleteChunks(carried, 0, secure)];
    }
    // Chunk indexes are one digit (maxChunks ≤ 9), so every chunk's attributes cost the same.
    const room = this.#maxBytes - this.#header(chunkName(this.#name, 0), "", permanent, nowMs, secure, lifetimeSeconds).length;
    const count = Math.ceil(value.length / room);
    if (count > maxChunks) {
      throw new CookieTooLargeError(this.#name, single.length, maxChunks * this.#maxBytes, maxChunks);
    }
    const out: string[] = [];
    for (let index = 0; index < count; index++) {
      out.push(this.#header(chunkName(this.#name, index), value.slice(index * room, (index + 1) * room), permanent, nowMs, secure, lifetimeSeconds));
    }
    if (carried.plain) out.push(this.delete(secure));
    return out.concat(this.deleteChunks(carried, count, secure));
  }

  /**
   * The `Set-Cookie` value that deletes the cookie, with the same attributes
   * (Domain, Path, Secure, SameSite, Partitioned) so that the browser matches it.
   */
  delete(secure: boolean, name: string = this.#name): string {
    return `${name}=${this.#domain}; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0${secure ? this.#tailSecure : this.#tailInsecure}`;
  }

  /**
   * The deletions of the chunks a request carried from index `from` on.
   *
   * @example
   * writer.deleteChunks({ plain: false, chunks: 3 }, 1, false); // ["session.1=; …", "session.2=; …"]
   */
  deleteChunks(carried: CarriedCookies, from: number, secure: boolean): string[] {
    const out: string[] = [];
    for (let index = from; index < carried.chunks; index++) out.push(this.delete(secure, chunkName(this.#name, index)));
    return out;
  }
}
