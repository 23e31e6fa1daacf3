/**
 * Deep copies of session values, so that a value handed to one request can
 * be changed in place without touching the copy shared with others (the
 * verified-cookie cache) or the original kept for change detection.
 */

/**
 * Whether a value can be changed in place (and so must be copied before it is handed out).
 *
 * @example
 * isCloneable([1, 2]); // true
 */
export function isCloneable(value: unknown): value is object {
  if (typeof value !== "object" || value === null) return false;
  return Array.isArray(value) || value instanceof Date || value instanceof Uint8Array || Object.getPrototypeOf(value) === null || Object.getPrototypeOf(value) === Object.prototype;
}

/**
 * A deep copy of arrays (keeping their prototype, so a tuple stays a tuple),
 * plain and null-prototype objects (copied with own keys only, into a
 * null-prototype object so `__proto__` stays data), Dates and byte arrays.
 * Immutable objects (Markup, UUID) are shared.
 *
 * @example
 * const copy = clone({ cart: [1, 2] });
 */
export function clone<T>(value: T, depth = 0): T {
  if (typeof value !== "object" || value === null || depth > 64) return value;
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = clone(value[i], depth + 1);
    const proto = Object.getPrototypeOf(value);
    if (proto !== Array.prototype) Object.setPrototypeOf(out, proto);
    for (const sym of Object.getOwnPropertySymbols(value)) (out as any)[sym] = (value as any)[sym];
    return out as T;
  }
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (value instanceof Uint8Array) return new Uint8Array(value) as T;
  const proto = Object.getPrototypeOf(value);
  if (proto !== null && proto !== Object.prototype) return value;
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(value)) out[key] = clone((value as Record<string, unknown>)[key], depth + 1);
  return out as T;
}
