/**
 * What a failed step's error says, for a model failure's message: so that a
 * failure seen once in a million runs (a StoreError no fault explains) can be
 * diagnosed from its log alone, without a rerun that may never meet it again.
 *
 * Every error of the cause chain gives its class, code and message, and the
 * deepest one where it was thrown. The failure message is printed in CI logs
 * and written into a regression test, so the run's secret, every cookie value
 * it issued or forged (and their hashes, the stores' keys) and any other
 * id-like token are taken out first (R6).
 */
import { hashSessionId } from "../../src/index.js";

/** How many errors of a cause chain are described (a chain longer than this, or a cycle, is cut). */
const MAX_CHAIN = 6;
/** How many stack frames of the deepest error are kept. */
const MAX_FRAMES = 3;
/** An id, an id hash or a key in a file name: 43 base64url or 64 hex characters; none of the library's words is this long. */
const TOKEN = /[A-Za-z0-9_-]{32,}/g;
const REDACTED = "<redacted>";

/**
 * A failed step's error and its causes, one line, with no secret, cookie value
 * or id in it; undefined when `result` is not a failed settle.
 *
 * @example
 * errorDetail({ ok: false, error: storeError }, () => [SECRET, ...issued]);
 * // "StoreError STORE_UNAVAILABLE: sessionkit: the file store failed … ← Error EIO: i/o error, open '…/<redacted>.json' [at open (…) < …]"
 */
export function errorDetail(result: unknown, secrets: () => readonly string[]): string | undefined {
  const settled = result as { ok?: unknown; error?: unknown } | undefined;
  if (settled === undefined || settled === null || typeof settled !== "object" || settled.ok !== false) return undefined;
  const chain: unknown[] = [];
  for (let e: unknown = settled.error; chain.length < MAX_CHAIN && !chain.includes(e); e = e instanceof Error ? e.cause : undefined) {
    chain.push(e);
    if (!(e instanceof Error) || e.cause === undefined) break;
  }
  const text = chain.map(describe).join(" ← ") + where(chain[chain.length - 1]);
  return redact(text, secrets());
}

function describe(e: unknown): string {
  if (!(e instanceof Error)) return `a thrown ${typeof e}`;
  const code = (e as { code?: unknown }).code;
  return `${e.name}${typeof code === "string" || typeof code === "number" ? ` ${code}` : ""}: ${e.message.replace(/\s+/g, " ")}`;
}

/** The first frames of where the deepest error was made. */
function where(e: unknown): string {
  if (!(e instanceof Error) || typeof e.stack !== "string") return "";
  const frames = e.stack.split("\n").filter((l) => /^\s+at /.test(l)).slice(0, MAX_FRAMES);
  return frames.length === 0 ? "" : ` [${frames.map((l) => l.trim().slice(3)).join(" < ")}]`;
}

function redact(text: string, secrets: readonly string[]): string {
  const known = secrets.flatMap((s) => [s, hashSessionId(s)]).filter((s) => s.length > 0);
  // Longest first, so that a value containing another is taken out whole.
  let out = text;
  for (const s of known.sort((a, b) => b.length - a.length)) out = out.split(s).join(REDACTED);
  // The text ends up inside a /** */ comment of the printed regression test.
  return out.replace(TOKEN, REDACTED).replaceAll("*/", "* /");
}
