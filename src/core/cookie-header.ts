/**
 * Finding the session cookie in a request's `Cookie` header.
 *
 * Names are compared byte for byte and never percent-decoded, so `__%48ost-x`
 * is not `__Host-x` (Rack CVE-2020-8184, Ruby CVE-2021-41819) and a nameless
 * pair such as `=__Host-x=evil` is never read as `__Host-x` (Werkzeug
 * CVE-2023-23934). The first occurrence wins, as in Werkzeug and browsers
 * (which send the longest Path first); duplicates are counted so that core
 * can report them.
 */

/** What {@link findCookie} found. */
export interface FoundCookie {
  /** The first value, unquoted when it was double-quoted; undefined when absent. */
  value: string | undefined;
  /** How many pairs carried the name (0, 1, or more when duplicated). */
  count: number;
}

/** Headers longer than this are not scanned (Node refuses > 16 KiB headers anyway). */
const MAX_HEADER_LENGTH = 16_384;

/**
 * Find `name` in a Cookie header, in one pass without splitting the header.
 *
 * @example
 * findCookie("a=1; session=abc; session=def", "session"); // { value: "abc", count: 2 }
 */
export function findCookie(header: string | undefined | null, name: string): FoundCookie {
  const result: FoundCookie = { value: undefined, count: 0 };
  if (!header || typeof header !== "string" || name.length === 0) return result;
  const text = header.length > MAX_HEADER_LENGTH ? header.slice(0, MAX_HEADER_LENGTH) : header;
  // Search for the name itself with the native indexOf (one linear pass whatever the header
  // holds), then keep only occurrences that start a pair and are followed by "=".
  let from = 0;
  for (;;) {
    const at = text.indexOf(name, from);
    if (at === -1) return result;
    from = at + 1;
    let before = at - 1;
    while (before >= 0 && isSpace(text.charCodeAt(before))) before--;
    if (before >= 0 && text.charCodeAt(before) !== 0x3b /* ; */) continue;
    let eq = at + name.length;
    while (eq < text.length && isSpace(text.charCodeAt(eq))) eq++;
    if (text.charCodeAt(eq) !== 0x3d /* = */) continue;
    let semi = text.indexOf(";", eq + 1);
    if (semi === -1) semi = text.length;
    result.count++;
    if (result.count === 1) result.value = unquote(trimmed(text, eq + 1, semi));
    from = semi;
  }
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

function trimmed(text: string, start: number, end: number): string {
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

function unquote(value: string): string {
  return value.length >= 2 && value.charCodeAt(0) === 0x22 && value.charCodeAt(value.length - 1) === 0x22
    ? value.slice(1, -1)
    : value;
}
