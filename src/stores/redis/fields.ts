/**
 * A session record as the fields of its Redis hash, both ways: user data in
 * `d:<key>`, metadata in `m:c`, `m:e`, `m:u`, `m:f`, `m:s`, `m:p` (see
 * scripts.ts).
 */
import type { StoreRecord } from "../../core/store.js";

/**
 * A record from HGETALL's flat field/value list; `undefined` when the hash
 * has no metadata (not a record this store wrote, a tombstone, or nothing).
 *
 * @example
 * const record = fromFields(await runner.run(SCRIPTS.load, [key], []));
 */
export function fromFields(flat: unknown[]): StoreRecord | undefined {
  const data = Object.create(null) as Record<string, string>;
  let createdAtMs: number | undefined;
  let expiresAtMs: number | undefined;
  const meta: Partial<Record<"u" | "f" | "r" | "s" | "p", string>> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const field = String(flat[i]);
    const value = String(flat[i + 1]);
    if (field.startsWith("d:")) data[field.slice(2)] = value;
    else if (field === "m:c") createdAtMs = Number(value);
    else if (field === "m:e") expiresAtMs = Number(value);
    else if (field === "m:u" || field === "m:f" || field === "m:r" || field === "m:s" || field === "m:p") meta[field.slice(2) as "u"] = value;
  }
  if (createdAtMs === undefined || expiresAtMs === undefined) return undefined;
  const out: StoreRecord = { data, createdAtMs, expiresAtMs };
  if (meta.u !== undefined) out.userId = meta.u;
  if (meta.f !== undefined) out.frozen = true;
  if (meta.r !== undefined) out.readableUntilMs = Number(meta.r);
  if (meta.s !== undefined) out.successor = meta.s;
  if (meta.p !== undefined) out.predecessor = meta.p;
  return out;
}

/**
 * The field/value list HSET takes for a whole record (links included).
 *
 * @example
 * await runner.run(SCRIPTS.create, [key], [String(nowMs), String(ttl), ...toFields(record)]);
 */
export function toFields(record: StoreRecord): string[] {
  const out = ["m:c", String(record.createdAtMs), "m:e", String(record.expiresAtMs)];
  if (record.userId !== undefined) out.push("m:u", record.userId);
  if (record.frozen === true) out.push("m:f", "1");
  if (record.readableUntilMs !== undefined) out.push("m:r", String(record.readableUntilMs));
  if (record.successor !== undefined) out.push("m:s", record.successor);
  if (record.predecessor !== undefined) out.push("m:p", record.predecessor);
  for (const key of Object.keys(record.data)) out.push(`d:${key}`, record.data[key]!);
  return out;
}

/**
 * Script replies are arrays in RESP2 and RESP3; anything else is treated as empty.
 *
 * @example
 * const [status] = asArray(reply);
 */
export function asArray(reply: unknown): unknown[] {
  return Array.isArray(reply) ? reply : [];
}
