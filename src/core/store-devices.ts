/**
 * Store mode's part of "your devices" (`devices: true`): what a login
 * writes into its record, and a user's sessions described from their
 * records for `listForUser`. The description is a reserved data key
 * (`_sk_device`), so every store carries it in its record as it carries any
 * value, with no change to the Store contract.
 */
import { BadPayload, loads } from "../codec/index.js";
import { asDeviceInfo, describeDevice, type DeviceInfo, type UserSession } from "./device.js";
import { RESERVED_KEYS } from "./session-data.js";
import type { StoreState } from "./session-state.js";
import type { SessionInternals } from "./session.js";
import type { StoredSessionInfo, StoreRecord } from "./store.js";

/** A SHA-256 in base64url without padding: what `hashSessionId` gives and listings name sessions by. */
export const ID_HASH = /^[A-Za-z0-9_-]{43}$/;

/**
 * With `devices`: a login records its device; a session cleared since it
 * loaded (clear(), regenerate without its data) keeps what its login
 * recorded, rewritten because a cleared change-set drops every stored key.
 *
 * @example
 * if (options.devices) recordDevice(internals, state); // before the change-set is built
 */
export function recordDevice(internals: SessionInternals, state: StoreState): void {
  const data = internals.data;
  if (internals.destroyed) return;
  if (internals.loggedIn) {
    data.write(RESERVED_KEYS.device, { ...describeDevice(state.client?.userAgent, state.client?.clientAddress) });
  } else if (data.cleared && data.values.has(RESERVED_KEYS.device)) {
    data.write(RESERVED_KEYS.device, data.values.get(RESERVED_KEYS.device));
  }
}

/**
 * A listing's entries with `current`, `lastSeenMs` and, when `load` is
 * given (devices on), each record's device. Every write sets `expiresAtMs`
 * to now + the idle window, so the last use is that much before it.
 *
 * @example
 * await describeSessions(listed, { currentHash, idleMs, load: (h) => store.load(h, ctx) });
 */
export async function describeSessions(
  listed: readonly StoredSessionInfo[],
  options: { currentHash: string | undefined; idleMs: number; lifetimeSeconds: number; load: ((idHash: string) => Promise<StoreRecord | undefined>) | undefined },
): Promise<UserSession[]> {
  const out: UserSession[] = [];
  for (const info of listed) {
    let idleMs = options.idleMs;
    let device: DeviceInfo | undefined;
    if (options.load) {
      const record = await options.load(info.idHash);
      device = deviceOf(record);
      idleMs = ownIdleMs(record, options.idleMs, options.lifetimeSeconds);
    }
    const entry: UserSession = { ...info, current: info.idHash === options.currentHash, lastSeenMs: Math.max(info.createdAtMs, info.expiresAtMs - idleMs) };
    if (options.load) entry.device = device;
    out.push(entry);
  }
  return out;
}

/** The record's idle window: setExpiry()'s shorter one (`_sk_exp`, seconds, capped at `lifetime`) where it set one. */
function ownIdleMs(record: StoreRecord | undefined, idleMs: number, lifetimeSeconds: number): number {
  const text = record?.data?.[RESERVED_KEYS.expiry];
  const seconds = typeof text === "string" ? Number(text) : NaN;
  if (!Number.isSafeInteger(seconds) || seconds <= 0) return idleMs;
  return Math.min(idleMs, Math.min(seconds, lifetimeSeconds) * 1000);
}

/** What a record's login recorded (untrusted: anything else is no device). */
function deviceOf(record: StoreRecord | undefined): DeviceInfo | undefined {
  const text = record?.data?.[RESERVED_KEYS.device];
  if (typeof text !== "string") return undefined;
  try {
    return asDeviceInfo(loads(text));
  } catch (error) {
    if (error instanceof BadPayload) return undefined;
    throw error;
  }
}
