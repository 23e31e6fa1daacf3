/**
 * A tiny HTTP client for the tutorial tests: fetch with `redirect: "manual"`
 * and one cookie jar slot for the session cookie, updated from Set-Cookie the
 * way a browser would (a Max-Age=0 or past Expires deletes it).
 */

/**
 * One response, read whole.
 *
 * @example
 * const reply: Reply = await visitor.get("/"); reply.setCookies;
 */
export interface Reply {
  status: number;
  headers: Headers;
  body: string;
  /** The Set-Cookie values of the response. */
  setCookies: string[];
}

/**
 * A visitor with a session cookie.
 *
 * @example
 * const alice = new Visitor(url); await alice.post("/login", "username=alice&password=x");
 */
export class Visitor {
  /** `name=value` of the session cookie, as the next request sends it. */
  cookie: string | undefined;

  constructor(readonly baseUrl: string, readonly cookieName = "session") {}

  /** GET a path. */
  get(path: string): Promise<Reply> {
    return this.send(path, { method: "GET" });
  }

  /** POST a body; a string is sent as an HTML form would send it unless `contentType` says otherwise. */
  post(path: string, body: string, contentType = "application/x-www-form-urlencoded"): Promise<Reply> {
    return this.send(path, { method: "POST", body, headers: { "content-type": contentType } });
  }

  /**
   * Submit a form as a browser does: GET `page` (by default `path` itself),
   * take the CSRF token of its form, and POST it with `fields` to `path`,
   * with this site's Origin.
   */
  async submit(path: string, fields: Record<string, string | string[]> = {}, page = path): Promise<Reply> {
    const shown = await this.get(page);
    const token = csrfTokenOf(shown.body);
    if (token === undefined) throw new Error(`no form with a CSRF token on ${page} (status ${shown.status})`);
    return this.send(path, {
      method: "POST",
      body: form({ ...fields, csrf_token: token }),
      headers: { "content-type": "application/x-www-form-urlencoded", origin: new URL(this.baseUrl).origin },
    });
  }

  async send(path: string, init: RequestInit): Promise<Reply> {
    const headers = new Headers(init.headers);
    if (this.cookie !== undefined) headers.set("cookie", this.cookie);
    const res = await fetch(new URL(path, this.baseUrl), { ...init, headers, redirect: "manual", signal: AbortSignal.timeout(10_000) });
    const body = await res.text();
    const setCookies = res.headers.getSetCookie();
    for (const line of setCookies) this.#remember(line);
    return { status: res.status, headers: res.headers, body, setCookies };
  }

  #remember(line: string): void {
    const [pair, ...attributes] = line.split(";").map((s) => s.trim());
    if (!pair!.startsWith(`${this.cookieName}=`)) return;
    const deleted = attributes.some((a) => /^max-age=0$/i.test(a) || (/^expires=/i.test(a) && Date.parse(a.slice(8)) < Date.now()));
    this.cookie = deleted || pair === `${this.cookieName}=` ? undefined : pair;
  }

  /** The session cookie's value alone. */
  get value(): string | undefined {
    return this.cookie?.slice(this.cookieName.length + 1);
  }
}

/**
 * The CSRF token of the first form on a page, or undefined.
 *
 * @example
 * const token = csrfTokenOf((await visitor.get("/login")).body);
 */
export function csrfTokenOf(body: string): string | undefined {
  return /<input type="hidden" name="csrf_token" value="([A-Za-z0-9_-]+)">/.exec(body)?.[1];
}

/**
 * Form-encode fields (repeat a key by giving an array).
 *
 * @example
 * form({ username: "alice", password: "x" }); // "username=alice&password=x"
 */
export function form(fields: Record<string, string | string[]>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) for (const v of [value].flat()) params.append(key, v);
  return params.toString();
}

/**
 * Assert-friendly: whether a page leaks a stack trace or an internal error name.
 *
 * @example
 * assert.ok(!looksLikeStackTrace(reply.body));
 */
export function looksLikeStackTrace(body: string): boolean {
  return /\n\s+at [^\n]+:\d+:\d+/.test(body) || /node_modules|\.ts:\d+|TypeError|ReferenceError|SyntaxError/.test(body);
}
