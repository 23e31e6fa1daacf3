/**
 * What store mode trusts of what it reads: a record from the store is
 * untrusted input (its shape and every value are checked before use), and a
 * session handed back to the mode must be one store mode loaded.
 */
import { BadPayload, loads } from "../codec/index.js";
import { RESERVED_KEYS } from "./session-data.js";
import type { StoreState } from "./session-state.js";
import { sessionInternals, type Session } from "./session.js";
import type { StoreRecord } from "./store.js";

/**
 * Whether a session holds nothing but its permanence: Flask-Session deletes
 * such a session (its `_permanent` is machinery written for every session
 * when SESSION_PERMANENT is on), and so does store mode.
 */
export function onlyPermanence(values: ReadonlyMap<string, unknown>): boolean {
  return values.size === 0 || (values.size === 1 && values.has(RESERVED_KEYS.permanent));
}

/** A store-mode session's state; a session from another manager or mode is a programming error. */
export function storeState(session: Session<any>): StoreState {
  const state = sessionInternals(session).state;
  if (state?.kind !== "store") throw new TypeError("sessionkit: this session was not loaded by this store-mode manager.");
  return state;
}

/**
 * A record read back from a store is untrusted: check its shape before use.
 * The values of `data` are checked by {@link parseValues}, which walks them
 * anyway (once: a null-prototype object is a dictionary in V8, and each walk
 * of it costs about as much as parsing a short value).
 */
export function isValidRecord(record: unknown): record is StoreRecord {
  if (typeof record !== "object" || record === null) return false;
  const r = record as StoreRecord;
  if (!Number.isFinite(r.createdAtMs) || !Number.isFinite(r.expiresAtMs)) return false;
  return typeof r.data === "object" && r.data !== null;
}

/** What {@link parseValues} gives: each value parsed, and its stored text, in the record's order. */
export interface ParsedValues {
  values: Map<string, unknown>;
  texts: Map<string, string>;
}

/**
 * Every stored value parsed at load, so that a value the parser refuses (a
 * Flask app's 10,001-item list, a corruption) gives a fresh session here,
 * once, instead of a 500 at the first `get()` (or at every commit, for
 * `_permanent`). Undefined when one value is not a string or cannot be parsed.
 * The values come as a Map the session takes as its own.
 */
export function parseValues(data: Record<string, unknown>): ParsedValues | undefined {
  const values = new Map<string, unknown>();
  const texts = new Map<string, string>();
  for (const key in data) {
    const text = data[key];
    if (typeof text !== "string") return undefined;
    let value: unknown;
    try {
      value = loads(text);
    } catch (error) {
      if (error instanceof BadPayload) return undefined;
      throw error;
    }
    values.set(key, value);
    texts.set(key, text);
  }
  return { values, texts };
}
