/**
 * A request's own view of its session, as the documented Session API
 * defines it: what it loaded, what its handler changed, and what its commit
 * must therefore write. Shared by the server-side and the cookie-mode rules.
 */
import type { Op } from "./program.js";

/** The wire name of the flash list (Flask's `_flashes`); the model keeps flashes as a list of messages. */
export const FLASHES = "_flashes";

/** A value in the model: a number set by a handler, or the list of flash messages. */
export type Value = number | string[];

/** What a request holds between its load and its commit. */
export interface View {
  /** The cookie value sent (undefined: none). */
  sent: string | undefined;
  /** What the load found: no session, the live id, or a read-only old id (server-side grace window). */
  loaded: "fresh" | "current" | "frozen";
  /** Server: the id loaded; cookie mode: the cookie loaded. Undefined when fresh. */
  id: string | undefined;
  /** The model session the request loaded (index into World.sessions), when not fresh. */
  sid: number | undefined;
  /** Server: the idle expiry seen at load (drives lazy touch). Cookie mode: unused. */
  loadedExpiresAtMs: number;
  values: Map<string, Value>;
  dirty: Set<string>;
  cleared: boolean;
  modified: boolean;
  regenerate: { keepData: boolean } | undefined;
  /** login(user) ran. */
  login: string | undefined;
  destroyed: boolean;
  /** setUser / login / destroyAllForUser's `except`: a user, null (removed), or undefined (untouched). */
  userSet: string | null | undefined;
  /** The user the loaded session was recorded under. */
  loadedUser: string | undefined;
  /** Cookie mode: what the loaded cookie carried besides the data. */
  cookie: LoadedCookie | undefined;
  /** Cookie mode: destroyAllForUser spared this session (its user counts as authenticated again). */
  reauthenticated?: boolean;
  /** The flashes the first consumeFlashes() of this request took out (Flask returns them again to every later call). */
  flashesTaken?: string[];
}

/** Cookie mode: the loaded cookie's generation (see cookie-rules.ts), login time, absolute-timeout origin and signing time. */
export interface LoadedCookie {
  gen: number | "dead";
  authAtMs: number | undefined;
  createdAtS: number | undefined;
  signedAtS: number;
}

/**
 * A view of freshly loaded data.
 *
 * @example
 * const view = newView(undefined, "fresh", undefined, undefined, new Map());
 */
export function newView(
  sent: string | undefined,
  loaded: View["loaded"],
  id: string | undefined,
  sid: number | undefined,
  data: Map<string, Value>,
  loadedExpiresAtMs = 0,
  loadedUser: string | undefined = undefined,
  cookie: LoadedCookie | undefined = undefined,
): View {
  return {
    sent,
    loaded,
    id,
    sid,
    loadedExpiresAtMs,
    values: copyData(data),
    dirty: new Set(),
    cleared: false,
    modified: false,
    regenerate: undefined,
    login: undefined,
    destroyed: false,
    userSet: undefined,
    loadedUser,
    cookie,
  };
}

/** A deep copy of session data (flash lists included). */
export function copyData(data: Map<string, Value>): Map<string, Value> {
  const out = new Map<string, Value>();
  for (const [k, v] of data) out.set(k, Array.isArray(v) ? [...v] : v);
  return out;
}

/** A deep copy of a view. */
export function copyView(v: View): View {
  return {
    ...v,
    values: copyData(v.values),
    dirty: new Set(v.dirty),
    regenerate: v.regenerate && { ...v.regenerate },
    cookie: v.cookie && { ...v.cookie },
    flashesTaken: v.flashesTaken && [...v.flashesTaken],
  };
}

function write(v: View, key: string, value: Value): void {
  v.values.set(key, value);
  v.dirty.add(key);
  v.modified = true;
}

function remove(v: View, key: string): boolean {
  const had = v.values.delete(key);
  if (had) {
    v.dirty.add(key);
    v.modified = true;
  }
  return had;
}

function clear(v: View): void {
  for (const key of v.values.keys()) v.dirty.add(key);
  v.values.clear();
  v.cleared = true;
  v.modified = true;
}

/**
 * Apply one handler call to a view and return what the call returns.
 * `value` is the number a `set` writes or the message a `flash` queues;
 * `userName` names a user index.
 *
 * @example
 * applyOp(view, { op: "set", key: "a" }, 7, (u) => `user${u}`); // undefined; view.values.get("a") === 7
 */
export function applyOp(v: View, o: Op, value: number, userName: (u: 0 | 1) => string): unknown {
  switch (o.op) {
    case "get":
      return v.values.get(o.key);
    case "set":
      write(v, o.key, value);
      return undefined;
    case "delete":
      return remove(v, o.key);
    case "pop": {
      const had = v.values.get(o.key);
      remove(v, o.key);
      return had;
    }
    case "clear":
      clear(v);
      return undefined;
    case "flash":
      write(v, FLASHES, [...((v.values.get(FLASHES) as string[] | undefined) ?? []), `m${value}`]);
      return undefined;
    case "consumeFlashes": {
      if (v.flashesTaken === undefined) {
        v.flashesTaken = [...((v.values.get(FLASHES) as string[] | undefined) ?? [])];
        remove(v, FLASHES);
      }
      return [...v.flashesTaken];
    }
    case "setUser":
      v.userSet = o.user === null ? null : userName(o.user);
      v.modified = true;
      return undefined;
    case "regenerate":
      if (!o.keepData) clear(v);
      v.regenerate = { keepData: o.keepData };
      v.modified = true;
      return undefined;
    case "login": {
      const carried: [string, Value][] = [];
      for (const key of [...o.keep, FLASHES]) if (v.values.has(key)) carried.push([key, v.values.get(key)!]);
      clear(v);
      for (const [key, val] of carried) write(v, key, val);
      v.destroyed = false;
      v.regenerate = { keepData: false };
      v.login = userName(o.user);
      v.userSet = v.login;
      v.modified = true;
      return undefined;
    }
    case "destroy":
      clear(v);
      v.destroyed = true;
      return undefined;
  }
}

/**
 * Apply a view's changes on top of stored data, as the documented
 * change-set does: `clear`, then the keys it removed, then the keys it set.
 * Keys it did not touch keep what is stored now (no lost updates).
 *
 * @example
 * const next = applyChanges(stored, view);
 */
export function applyChanges(stored: Map<string, Value>, v: View): Map<string, Value> {
  const out = v.cleared ? new Map<string, Value>() : copyData(stored);
  for (const key of v.dirty) {
    if (v.values.has(key)) {
      const val = v.values.get(key)!;
      out.set(key, Array.isArray(val) ? [...val] : val);
    } else out.delete(key);
  }
  return out;
}

/** The user keys of session data as a plain object (what `session.toJSON()` shows). */
export function userData(data: Map<string, Value>): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const [k, v] of [...data].sort(([a], [b]) => (a < b ? -1 : 1))) if (k !== FLASHES) out[k] = v;
  return out;
}

/** The queued flash messages of session data. */
export function flashesOf(data: Map<string, Value>): string[] {
  return [...((data.get(FLASHES) as string[] | undefined) ?? [])];
}
