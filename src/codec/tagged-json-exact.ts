/**
 * Python floats that JavaScript holds as integers, kept exact across a
 * read and a write. `1.0` parses to the number 1, which `dumps` alone would
 * write as the int `1`, so a Flask app would read back an int. The parser
 * remembers the source text of each top-level value of a session dict that
 * holds such a float; `dumps(data, { original })` writes a value the app
 * did not change from that text, re-parsed with its floats as `PyFloat`.
 * Other values, and values the app changed, are written from JavaScript.
 */

/** One top-level value that holds a float `1.0`. */
export interface ExactValue {
  /** Its source text in the payload. */
  source: string;
  /** The source is the escaped dict `{"<key>__": value}` of a session whose only key is a tag key (` di`). */
  escaped?: boolean;
  /** Filled on first use: what JavaScript writes for the value as parsed, and what Python writes for it. */
  js?: string;
  python?: string;
}

/** Keyed by the dict `loads` returned; a dict the verified-cookie cache keeps keeps its computed texts too. */
const EXACT = new WeakMap<object, Map<string, ExactValue>>();

/**
 * Remember the exact values of a dict `loads` is returning.
 *
 * @example
 * rememberExactValues(dict, new Map([["ratio", { source: "1.0" }]]));
 */
export function rememberExactValues(dict: object, values: Map<string, ExactValue>): void {
  EXACT.set(dict, values);
}

/**
 * The exact values of a dict `loads` returned, if it has any.
 *
 * @example
 * exactValues(loads('{"x":1.0}'))?.get("x")?.source; // "1.0"
 */
export function exactValues(dict: object): Map<string, ExactValue> | undefined {
  return EXACT.get(dict);
}
