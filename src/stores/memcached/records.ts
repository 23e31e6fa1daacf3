/**
 * Session records as Memcached values: compact JSON text (`JSON.stringify`
 * escapes U+0000 and unpaired surrogates, so every key and value round-trips
 * exactly), and the tombstone a destroy leaves, which every reader treats as
 * absent. A destroy writes a tombstone by compare-and-set instead of deleting
 * because Memcached's `delete` cannot be conditional: a destroy that read the
 * record before a rotate claimed it would delete it without following the
 * new link. A destroy that follows a successor link to a key not written
 * yet leaves a tombstone there too (by `add`), which refuses the rotate's
 * write of it. The tombstone expires by itself.
 */
import type { StoreRecord } from "../../core/store.js";
import { corrupt } from "./errors.js";

/** A destroyed record's value. */
export const TOMBSTONE = '{"x":1}';

/** How long a tombstone stays, in seconds: long past any write that read the record before it. */
export const TOMBSTONE_SECONDS = 60;

/** What a key holds. */
export type Stored = { kind: "record"; record: StoreRecord } | { kind: "tombstone" };

/** The short field names of the stored JSON. */
interface Wire {
  d: Record<string, string>;
  c: number;
  e: number;
  u?: string;
  f?: 1;
  r?: number;
  s?: string;
  p?: string;
  x?: 1;
}

/**
 * The value of a record.
 *
 * @example
 * encodeRecord({ data: nullData({ a: "1" }), createdAtMs: 1, expiresAtMs: 2 }); // '{"d":{"a":"1"},"c":1,"e":2}'
 */
export function encodeRecord(record: StoreRecord): string {
  const wire: Wire = { d: record.data, c: record.createdAtMs, e: record.expiresAtMs };
  if (record.userId !== undefined) wire.u = record.userId;
  if (record.frozen === true) wire.f = 1;
  if (record.readableUntilMs !== undefined) wire.r = record.readableUntilMs;
  if (record.successor !== undefined) wire.s = record.successor;
  if (record.predecessor !== undefined) wire.p = record.predecessor;
  return JSON.stringify(wire);
}

const isMs = (n: unknown): n is number => typeof n === "number" && Number.isSafeInteger(n);

/**
 * Read a value back: a record (with null-prototype data) or a tombstone.
 *
 * @example
 * decode('{"x":1}'); // { kind: "tombstone" }
 */
export function decode(text: string): Stored {
  let wire: Partial<Wire>;
  try {
    wire = JSON.parse(text) as Partial<Wire>;
  } catch {
    throw corrupt("it is not JSON");
  }
  if (wire === null || typeof wire !== "object") throw corrupt("it is not a JSON object");
  if (wire.x === 1) return { kind: "tombstone" };
  if (wire.d === null || typeof wire.d !== "object" || !isMs(wire.c) || !isMs(wire.e)) throw corrupt("it lacks a session's fields");
  const data = Object.create(null) as Record<string, string>;
  for (const [key, value] of Object.entries(wire.d)) {
    if (typeof value !== "string") throw corrupt("a value is not a string");
    data[key] = value;
  }
  const record: StoreRecord = { data, createdAtMs: wire.c, expiresAtMs: wire.e };
  if (typeof wire.u === "string") record.userId = wire.u;
  if (wire.f === 1) record.frozen = true;
  if (isMs(wire.r)) record.readableUntilMs = wire.r;
  if (typeof wire.s === "string") record.successor = wire.s;
  if (typeof wire.p === "string") record.predecessor = wire.p;
  return { kind: "record", record };
}

/**
 * The record a value holds if it is live at `nowMs`, else undefined (absent, destroyed or expired).
 *
 * @example
 * const record = liveRecord(entry?.value, ctx.nowMs);
 */
export function liveRecord(text: string | undefined, nowMs: number): StoreRecord | undefined {
  if (text === undefined) return undefined;
  const stored = decode(text);
  return stored.kind === "record" && stored.record.expiresAtMs > nowMs ? stored.record : undefined;
}
