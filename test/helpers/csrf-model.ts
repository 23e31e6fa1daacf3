/**
 * The CSRF rule written out as a decision table, apart from
 * src/core/csrf.ts, for the model-based tests to compare verdicts against
 * (csrf-check.test.ts in core, csrf.test.ts on the wire).
 */
import type { CsrfRefusal } from "../../src/index.js";

/** What a request carries as a token, in one place (header or form field). */
export type TokenKind = "absent" | "empty" | "valid" | "other session" | "truncated" | "garbage" | "twice" | "number";

/** One generated request, described. */
export interface CsrfCase {
  method: string;
  /** The Origin header, or undefined for none. */
  origin: string | undefined;
  secFetchSite: string | undefined;
  /** The session has a CSRF secret (a page asked for a token). */
  hasSecret: boolean;
  header: TokenKind;
  form: TokenKind;
  allowMissingOrigin: boolean;
}

const SAFE = ["GET", "HEAD", "OPTIONS", "TRACE"];

/**
 * The verdict the rule gives `c` when this site is `own` and `allowed` are
 * the other trusted origins: undefined (let through) or the refusal.
 *
 * @example
 * expectedVerdict(c, "https://app.test", ["https://partner.test"]);
 */
export function expectedVerdict(c: CsrfCase, own: string, allowed: readonly string[]): CsrfRefusal | undefined {
  if (SAFE.includes(c.method)) return undefined;
  let from: "same" | "unknown";
  if (c.origin !== undefined) {
    const origin = c.origin.trim().toLowerCase();
    if (origin !== own && !allowed.includes(origin)) return "cross_origin";
    from = "same";
  } else {
    const site = c.secFetchSite?.toLowerCase();
    if (site === "cross-site" || site === "same-site") return "cross_site";
    from = site === "same-origin" || site === "none" ? "same" : "unknown";
  }
  const sent = c.header !== "absent" && c.header !== "empty" ? c.header : c.form;
  const hasToken = sent !== "absent" && sent !== "empty";
  if (c.hasSecret) {
    if (!hasToken) return "missing_token";
    return sent === "valid" ? undefined : "bad_token";
  }
  if (hasToken) return "bad_token";
  if (from === "same" || c.allowMissingOrigin) return undefined;
  return "no_origin";
}
