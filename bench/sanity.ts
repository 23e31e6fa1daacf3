/**
 * The sanity check the harness runs before it measures a server: a server
 * that does not keep the route contract is refused, not measured, because a
 * fast wrong server would win the table.
 *
 * The contract: `/login` creates the session `{ user: "alice", n: 0 }`;
 * `/read` returns `alice`, sends no cookie and writes nothing to the store;
 * `/write` sets `n` to a new value each time, and that change really leaves
 * (a new cookie, or a changed store record); every answer is 2xx.
 */

/** A view of a server's store, taken before and after a request. */
export interface StoreSnapshot {
  /** Record key → its stored content, as an opaque string. */
  entries: Map<string, string>;
  /** Record key → remaining time to live in ms, where the store has a TTL (Redis). */
  ttlMs?: Map<string, number>;
}

/**
 * Reads a server's store from outside the server (Redis keys, SQLite rows)
 * or through its `/__store` route when the store lives in its memory.
 *
 * @example
 * const probe: StoreProbe = { name: "redis", snapshot: () => redisSnapshot(client, "bench:") };
 */
export interface StoreProbe {
  readonly name: string;
  snapshot(): Promise<StoreSnapshot>;
  close?(): Promise<void>;
}

/** What the harness knows about the server it checks. */
export interface SanityOptions {
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  /** `bare` servers have no session: they must set no cookie at all. */
  kind: "bare" | "session";
  /** Where the session's state lives: `cookie` (a write sends a new cookie) or `store`. */
  family?: "cookie" | "store";
  /** Required for `store` servers: proves `/read` wrote nothing and `/write` wrote something. */
  probe?: StoreProbe;
  /** Per-request timeout; bounded so a hung server fails the check instead of hanging the run. */
  timeoutMs?: number;
}

/** The verdict, with the Cookie header the load generator will send. */
export interface SanityResult {
  ok: boolean;
  /** One line per broken rule; empty when `ok`. Never holds a cookie value. */
  problems: string[];
  /** `name=value; …` from `/login`'s Set-Cookie, for the load generator; "" for bare servers. */
  cookieHeader: string;
}

interface Answer {
  status: number;
  body: string;
  setCookie: string[];
}

async function get(baseUrl: string, path: string, cookieHeader: string, timeoutMs: number): Promise<Answer> {
  const headers: Record<string, string> = cookieHeader ? { cookie: cookieHeader } : {};
  const res = await fetch(baseUrl + path, { headers, signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: await res.text(), setCookie: res.headers.getSetCookie() };
}

/**
 * The `name=value` pairs of Set-Cookie values, as a browser would send them back.
 *
 * @example
 * cookieHeaderFrom(["session=abc; Path=/; HttpOnly"]); // "session=abc"
 */
export function cookieHeaderFrom(setCookie: string[]): string {
  // Like a browser: the last Set-Cookie of a name wins (hono-sessions sends the same name twice).
  const jar = new Map<string, string>();
  for (const line of setCookie) {
    const pair = line.split(";", 1)[0]?.trim() ?? "";
    const eq = pair.indexOf("=");
    if (eq <= 0) continue;
    // A deletion cookie (empty value) removes the name; a value may itself end in "=" (base64 padding).
    if (eq === pair.length - 1) jar.delete(pair.slice(0, eq));
    else jar.set(pair.slice(0, eq), pair);
  }
  return [...jar.values()].join("; ");
}

/**
 * The differences between two snapshots, in words (keys only, never values).
 * A TTL that grew counts as a write: it means the request touched the record.
 *
 * @example
 * diffSnapshots(before, after); // ["changed: bench:abc…"] or []
 */
export function diffSnapshots(before: StoreSnapshot, after: StoreSnapshot): string[] {
  const out: string[] = [];
  for (const [key, value] of after.entries) {
    if (!before.entries.has(key)) out.push(`created ${redactKey(key)}`);
    else if (before.entries.get(key) !== value) out.push(`changed ${redactKey(key)}`);
  }
  for (const key of before.entries.keys()) if (!after.entries.has(key)) out.push(`deleted ${redactKey(key)}`);
  for (const [key, ttl] of after.ttlMs ?? []) {
    const old = before.ttlMs?.get(key);
    // Time only passes between the two snapshots, so an untouched TTL can only shrink.
    if (old !== undefined && ttl > old) out.push(`ttl extended ${redactKey(key)}`);
  }
  return out;
}

/** Store keys may embed a session id: print only a short prefix of them. */
function redactKey(key: string): string {
  return key.length > 16 ? `${key.slice(0, 12)}…` : key;
}

/**
 * Check a running server against the route contract.
 *
 * @example
 * const verdict = await checkServer({ baseUrl: "http://127.0.0.1:3000", kind: "session", family: "cookie" });
 * if (!verdict.ok) console.error(verdict.problems.join("\n"));
 */
export async function checkServer(options: SanityOptions): Promise<SanityResult> {
  const { baseUrl, kind, probe } = options;
  const family = options.family ?? "cookie";
  const timeoutMs = options.timeoutMs ?? 5_000;
  const problems: string[] = [];
  const expect2xx = (what: string, a: Answer): void => {
    if (a.status < 200 || a.status > 299) problems.push(`${what} answered ${a.status}`);
  };
  if (kind === "session" && family === "store" && probe === undefined) problems.push("a store-backed server needs a store probe");

  const login = await get(baseUrl, "/login", "", timeoutMs);
  expect2xx("/login", login);
  const cookieHeader = cookieHeaderFrom(login.setCookie);
  if (kind === "bare" && login.setCookie.length > 0) problems.push("a bare server set a cookie on /login");
  if (kind === "session" && cookieHeader === "") problems.push("/login set no session cookie");

  if (kind === "session") {
    // Without the cookie the user must be unknown: proves /read really reads the session.
    const anonymous = await get(baseUrl, "/read", "", timeoutMs);
    expect2xx("/read without a cookie", anonymous);
    if (anonymous.body === "alice") problems.push("/read without a cookie still returned the user");
  }

  for (const round of [1, 2]) {
    const before = probe ? await probe.snapshot() : undefined;
    const read = await get(baseUrl, "/read", cookieHeader, timeoutMs);
    expect2xx(`/read #${round}`, read);
    if (read.body !== "alice") problems.push(`/read #${round} returned ${JSON.stringify(read.body.slice(0, 40))}, not "alice"`);
    if (read.setCookie.length > 0) problems.push(`/read #${round} set a cookie`);
    if (probe && before) {
      const diff = diffSnapshots(before, await probe.snapshot());
      if (diff.length > 0) problems.push(`/read #${round} wrote to the ${probe.name} store: ${diff.slice(0, 3).join(", ")}`);
    }
  }

  const values: string[] = [];
  for (const round of [1, 2]) {
    const before = probe ? await probe.snapshot() : undefined;
    const write = await get(baseUrl, "/write", cookieHeader, timeoutMs);
    expect2xx(`/write #${round}`, write);
    if (!/^\d+$/.test(write.body)) problems.push(`/write #${round} returned a non-number`);
    values.push(write.body);
    if (kind === "bare") {
      if (write.setCookie.length > 0) problems.push("a bare server set a cookie on /write");
    } else if (family === "cookie") {
      const next = cookieHeaderFrom(write.setCookie);
      if (next === "") problems.push(`/write #${round} sent no new cookie: the change was lost`);
      else {
        // The new cookie must be one the server itself accepts.
        const reread = await get(baseUrl, "/read", next, timeoutMs);
        if (reread.body !== "alice") problems.push(`the cookie sent by /write #${round} is not accepted by /read`);
      }
    } else if (probe && before) {
      const diff = diffSnapshots(before, await probe.snapshot());
      if (!diff.some((d) => d.startsWith("changed"))) problems.push(`/write #${round} changed no ${probe.name} record`);
    }
  }
  if (values[0] === values[1]) problems.push("/write returned the same value twice");
  return { ok: problems.length === 0, problems, cookieHeader };
}
