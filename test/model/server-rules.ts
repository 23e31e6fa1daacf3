/**
 * The reference model of server-side sessions: the guarantees of README.md
 * and SECURITY.md as a sequential state machine over logical sessions. A
 * session has data, an absolute-timeout origin, an idle expiry, a user, one
 * current id, and the old ids it had (read-only in their grace window).
 *
 * The guarantees it encodes (numbered as in SECURITY.md's model section):
 * 1 a resolved commit landed, a rejected one did not; 2 concurrent changes to
 * different keys all survive; 3 a destroy ends the session under every id it
 * ever had, and nothing loaded before it revives it; 4 one successor per
 * regenerate race, built from what is stored plus the request's changes,
 * old id read-only for the grace window, absolute origin kept; 5 login: a
 * new id, only `keep` and flashes carried, user recorded, new origin;
 * 6 destroyAllForUser ends every indexed session of the user but `except`;
 * 7 idle and absolute timeouts, lazy touch; 8 no adoption.
 */
import { show, type ListOutcome } from "./outcome.js";
import { pastAbsolute, type Alt, type BaseWorld, type Env, type Rules } from "./rules.js";
import { applyChanges, copyData, flashesOf, newView, userData, type Value, type View } from "./view.js";

export interface ServerSession {
  data: Map<string, Value>;
  createdAtMs: number;
  expiresAtMs: number;
  userId: string | undefined;
  ended: boolean;
  currentId: string;
}

/** An id the server issued: which session it named, and what it showed once rotated away (in its grace window). */
export interface ServerId {
  sid: number;
  frozen?: { data: Map<string, Value>; createdAtMs: number; graceUntilMs: number };
  /**
   * A rotated-away id: until when the store keeps its record as the link to
   * the id that replaced it (the latest of the record's own idle expiry, the
   * grace end and the new id's expiry as the rotate set it; Store.rotate).
   * Past it the old id names no session.
   */
  linkUntilMs?: number;
}

export interface ServerWorld extends BaseWorld {
  sessions: ServerSession[];
  ids: Map<string, ServerId>;
}

/** The lazy-touch fraction (the `touchAfter` option's documented default). */
const TOUCH_AFTER = 0.25;

const idleMs = (env: Env): number => env.config.idleSeconds * 1_000;
const live = (s: ServerSession, env: Env): boolean => !s.ended && env.nowMs < s.expiresAtMs;
/** The user a commit records: the one set by this request, else the one loaded. */
const userOf = (v: View): string | undefined => (v.userSet !== undefined ? v.userSet ?? undefined : v.loadedUser);

const interrupted = <W>(why: string): Alt<W> => ({ outcome: { ok: false, error: "SessionInterruptedError" }, why });

/** Session `sid` of a world a step is applied to, copied first: worlds share sessions (see cloneWorld). */
function own(x: ServerWorld, sid: number): ServerSession {
  const copy = { ...x.sessions[sid]! };
  x.sessions[sid] = copy;
  return copy;
}

function newSession(w: ServerWorld, id: string, data: Map<string, Value>, env: Env, userId: string | undefined): boolean {
  if (w.ids.has(id)) return false; // an id is never issued twice
  w.sessions.push({ data: copyData(data), createdAtMs: env.nowMs, expiresAtMs: env.nowMs + idleMs(env), userId, ended: false, currentId: id });
  w.ids.set(id, { sid: w.sessions.length - 1 });
  return true;
}

function loadAlts(w: ServerWorld, n: number | undefined, sent: string | undefined, env: Env): Alt<ServerWorld>[] {
  const check = n === undefined;
  const fresh = (why: string, effect?: (x: ServerWorld) => void): Alt<ServerWorld> => ({
    outcome: { ok: true, isNew: true, data: {}, ...(check ? { flashes: [] } : {}) },
    why,
    apply: (x) => {
      effect?.(x);
      if (n !== undefined) x.views.set(n, newView(sent, "fresh", undefined, undefined, new Map()));
    },
  });
  const shown = (why: string, data: Map<string, Value>, view: () => View): Alt<ServerWorld> => ({
    outcome: { ok: true, isNew: false, data: userData(data), ...(check ? { flashes: flashesOf(data) } : {}) },
    why,
    apply: (x) => {
      if (n !== undefined) x.views.set(n, view());
    },
  });
  if (sent === undefined) return [fresh("no cookie: a fresh session")];
  const entry = w.ids.get(sent);
  if (entry === undefined) return [fresh("8 no adoption: an id the server never issued loads fresh")];
  const s = w.sessions[entry.sid]!;
  const end = (x: ServerWorld) => {
    own(x, entry.sid).ended = true;
  };
  if (s.ended) return [fresh("3 destroy wins: the session was destroyed (or timed out), under every id it had")];
  if (s.currentId === sent) {
    if (env.nowMs >= s.expiresAtMs) return [fresh("7 idle timeout: no request for idleTimeout", end)];
    if (pastAbsolute(s.createdAtMs, env)) return [fresh("7 absolute timeout since creation or the last login", end)];
    return [shown("1/2 the session as committed: every change a resolved commit made is there", s.data, () => newView(sent, "current", sent, entry.sid, s.data, s.expiresAtMs, s.userId))];
  }
  const f = entry.frozen;
  if (f === undefined) return [fresh("4 regenerate (no grace window): the old id loads fresh")];
  if (env.nowMs >= f.graceUntilMs) return [fresh("4 regenerate: after the grace window the old id loads fresh")];
  if (pastAbsolute(f.createdAtMs, env)) return [fresh("7 absolute timeout (old id in its grace window)")];
  return [shown("4 regenerate: the old id shows what was stored when it was rotated, read-only", f.data, () => newView(sent, "frozen", sent, entry.sid, f.data, f.graceUntilMs))];
}

function rotate(x: ServerWorld, v: View, value: string | undefined, env: Env): boolean {
  if (value === undefined || x.ids.has(value)) return false;
  const s = own(x, v.sid!);
  const old = s.currentId;
  const before = { data: s.data, createdAtMs: s.createdAtMs, expiresAtMs: s.expiresAtMs };
  s.data = applyChanges(s.data, v);
  if (v.login !== undefined) s.createdAtMs = env.nowMs;
  s.expiresAtMs = env.nowMs + idleMs(env);
  if (v.userSet !== undefined) s.userId = v.userSet ?? undefined;
  const oldEntry = x.ids.get(old);
  // A new entry, not a change to the old one: worlds share entries (see cloneWorld).
  if (oldEntry !== undefined) {
    const graceUntilMs = env.nowMs + env.config.graceSeconds * 1_000;
    const linkUntilMs = Math.max(before.expiresAtMs, graceUntilMs, s.expiresAtMs);
    x.ids.set(old, env.config.graceSeconds > 0 ? { sid: oldEntry.sid, frozen: { data: before.data, createdAtMs: before.createdAtMs, graceUntilMs }, linkUntilMs } : { sid: oldEntry.sid, linkUntilMs });
  }
  s.currentId = value;
  x.ids.set(value, { sid: v.sid! });
  return true;
}

function commitAlts(w: ServerWorld, n: number, env: Env): Alt<ServerWorld>[] {
  const v = w.views.get(n);
  if (v === undefined) return [];
  const s = v.sid !== undefined ? w.sessions[v.sid] : undefined;
  const done = (x: ServerWorld) => x.views.delete(n);
  const ok = (cookie: "new" | "delete" | "none", why: string, effect?: (x: ServerWorld, value: string | undefined) => boolean | void): Alt<ServerWorld> => ({
    outcome: { ok: true, cookie },
    why,
    apply: (x, value) => {
      done(x);
      return effect?.(x, value);
    },
  });
  const endIt = (x: ServerWorld) => {
    if (v.sid !== undefined) own(x, v.sid).ended = true;
  };
  const create = (why: string) => ok("new", why, (x, value) => value !== undefined && newSession(x, value, v.values, env, userOf(v)));
  const rejected = (why: string) => ({ ...interrupted<ServerWorld>(why), apply: done });

  /** Regenerate or login of a live session: a new id with what is stored plus this request's changes. */
  const rotation = (view: View, t: ServerSession): Alt<ServerWorld>[] => {
    const alts: Alt<ServerWorld>[] = [ok("new", "4/5 regenerate or login: a new id holding what is stored plus this request's changes", (x, value) => rotate(x, view, value, env))];
    // The absolute timeout is documented for loads; a rotation committed after it may also be refused.
    if (pastAbsolute(t.createdAtMs, env)) alts.push(rejected("7 the absolute timeout passed while the request ran"));
    return alts;
  };

  if (v.destroyed) {
    const alts = [ok("delete", "3 destroy: the session ends under every id it ever had", endIt)];
    if (unlinked(w, v, env)) alts.push(ok("delete", "3 a logout whose id another request rotated away, past the old id's link, may end only that id"));
    return alts;
  }
  if (v.regenerate !== undefined) {
    if (v.loaded === "frozen") return [rejected("4 the old id is read-only: a regenerate through it is refused")];
    if (v.loaded === "fresh") {
      if (v.values.size === 0 && userOf(v) === undefined) return [ok(v.sent !== undefined ? "delete" : "none", "regenerate of an empty fresh session stores nothing")];
      return [create("5 login / regenerate of a fresh session creates one under a new id")];
    }
    // regenerate({ keepData: false }) with nothing to keep (no data, no user) is an emptied session: below.
    const nothingToKeep = v.cleared && v.values.size === 0 && userOf(v) === undefined;
    if (!nothingToKeep && !live(s!, env)) return [rejected("3 a destroyed or expired session is not revived by a regenerate or login in flight")];
    if (!nothingToKeep && s!.currentId !== v.id) return [rejected("4 of two regenerates of one session at most one succeeds")];
    if (!nothingToKeep) return rotation(v, s!);
  }
  if (v.loaded === "fresh") {
    if (v.values.size === 0) return [ok(v.modified && v.sent !== undefined ? "delete" : "none", "an empty fresh session stores nothing")];
    if (!v.modified) return [ok("none", "nothing changed")];
    return [create("a first write creates a session under a new id (8: never the id sent)")];
  }
  if (v.loaded === "frozen") return v.modified ? [rejected("4 the old id is read-only in its grace window")] : [ok("none", "a read through an old id writes nothing")];
  if (v.modified) {
    // Empty: no data and no user (a logged-in session is never empty: only destroy() or setUser(null) ends a login).
    const empty = v.values.size === 0 && userOf(v) === undefined;
    if (!live(s!, env)) {
      const alts: Alt<ServerWorld>[] = [rejected("3 a write cannot revive a destroyed or expired session")];
      if (empty) alts.push(ok("delete", "emptying a session that is already gone"));
      return alts;
    }
    if (s!.currentId !== v.id) return [rejected("4 the session was regenerated while this request ran: its old id is read-only")];
    const why = "1/2 the change-set lands; keys other requests changed survive";
    const userAfter = v.userSet !== undefined ? v.userSet ?? undefined : s!.userId;
    // Undocumented, so either is allowed: a session left with no data and no user may end, or stay empty.
    const ends = applyChanges(s!.data, v).size === 0 && userAfter === undefined ? [true, false] : [false];
    return ends.map((end) =>
      ok(empty ? "delete" : "none", end ? `${why}; a session left empty ends` : why, (x) => {
        const t = own(x, v.sid!);
        t.data = applyChanges(t.data, v);
        t.expiresAtMs = env.nowMs + idleMs(env);
        t.userId = userAfter;
        if (end) t.ended = true;
      }),
    );
  }
  const touch = v.loadedExpiresAtMs - env.nowMs <= idleMs(env) * (1 - TOUCH_AFTER) && live(s!, env) && s!.currentId === v.id;
  return [
    ok("none", touch ? "7 lazy touch: a read after touchAfter of the idle window extends it" : "7 a read before the lazy-touch threshold writes nothing", (x) => {
      if (touch) own(x, v.sid!).expiresAtMs = env.nowMs + idleMs(env);
    }),
  ];
}

function destroyAllAlts(w: ServerWorld, user: string, except: number | undefined, env: Env): Alt<ServerWorld>[] {
  // `except` spares the session the request loaded, whichever of its ids it came with, as long as
  // that id still leads to it (see unlinked): past that, core may still know the successor (a
  // request that loaded an old id in its grace window read it from that id's record) or not, so
  // the session may be spared or end with the user's others (the conservative side).
  const view = except === undefined ? undefined : w.views.get(except);
  const spareChoices = view === undefined ? [undefined] : unlinked(w, view, env) ? [view.sid, undefined] : [view.sid];
  const alts: Alt<ServerWorld>[] = [];
  for (const spared of spareChoices) {
    const targets: number[] = [];
    w.sessions.forEach((s, sid) => {
      if (s.userId === user && live(s, env) && sid !== spared) targets.push(sid);
    });
    // A store knows idle expiry but not the absolute timeout: a session past it may or may not be counted.
    const strict = targets.filter((sid) => !pastAbsolute(w.sessions[sid]!.createdAtMs, env)).length;
    for (let count = strict; count <= targets.length; count++) {
      alts.push({
        outcome: { ok: true, count },
        why:
          spared === undefined && view?.sid !== undefined
            ? "6 destroyAllForUser: an `except` whose id another request rotated away, past the old id's link, may spare nothing"
            : "6 destroyAllForUser ends every session indexed under the user, under all its ids, except `except`",
        apply: (x) => {
          for (const sid of targets) own(x, sid).ended = true;
        },
      });
    }
  }
  return alts;
}

/**
 * Whether the id a request loaded has been rotated away by another request
 * and its record, the link to the id that replaced it, is no longer kept
 * (Store.rotate: until the latest of its own idle expiry, the grace end and
 * the new record's expiry as the rotate set it, so the session is still
 * live past it only if a request has since moved its expiry). Past that the
 * old id alone names no session: a logout or an `except` from that request
 * reaches the session only if core knew the successor when it loaded (an
 * old id's record names it).
 */
function unlinked(w: ServerWorld, view: View, env: Env): boolean {
  const entry = view.id === undefined ? undefined : w.ids.get(view.id);
  return entry?.linkUntilMs !== undefined && env.nowMs >= entry.linkUntilMs;
}

function listAlts(w: ServerWorld, user: string, env: Env, nameOf: (id: string) => string): Alt<ServerWorld>[] {
  const entry = (s: ServerSession) => ({ id: nameOf(s.currentId), createdAtMs: s.createdAtMs, expiresAtMs: s.expiresAtMs });
  const mine = w.sessions.filter((s) => s.userId === user && live(s, env));
  const must = mine.filter((s) => !pastAbsolute(s.createdAtMs, env)).map(entry);
  const may = mine.filter((s) => pastAbsolute(s.createdAtMs, env)).map(entry);
  const alts: Alt<ServerWorld>[] = [];
  for (let mask = 0; mask < 1 << may.length; mask++) {
    const sessions = [...must, ...may.filter((_, i) => mask & (1 << i))].sort(byEntry);
    const outcome: ListOutcome = { ok: true, sessions };
    alts.push({ outcome, why: "5/6 listForUser lists the user's live sessions: current ids, creation (the absolute origin) and idle expiry" });
  }
  return alts;
}

/**
 * Sort listForUser entries by name, then times (so `?` entries compare in a stable order).
 *
 * @example
 * entries.sort(byEntry);
 */
export function byEntry(a: { id: string; createdAtMs: number; expiresAtMs: number }, b: { id: string; createdAtMs: number; expiresAtMs: number }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : a.createdAtMs - b.createdAtMs || a.expiresAtMs - b.expiresAtMs;
}

/**
 * A world to apply a step to: new lists, whose contents are shared with the
 * world it came from and never changed once made. A step replaces what it
 * changes: a session through own(), an id entry or a view by a new one;
 * session data is assigned, never edited, and a handler works on a copy of
 * its view. Copying everything for every step was most of the checker's
 * time; test/model/world-sharing.test.ts freezes every world once cloned,
 * so a step that edits a shared object fails it.
 */
function cloneWorld(w: ServerWorld): ServerWorld {
  return { sessions: [...w.sessions], ids: new Map(w.ids), views: new Map(w.views) };
}

/** The text of every part of a world keyed so far (parts are shared between worlds, and never change once keyed). */
const RENDERED = new WeakMap<object, string>();

/** The server-side rules. */
export const serverRules: Rules<ServerWorld> = {
  mode: "server",
  init: () => ({ sessions: [], ids: new Map(), views: new Map() }),
  clone: cloneWorld,
  key: (w, rendered = RENDERED) => show([w.sessions, [...w.ids], [...w.views]], rendered),
  load: loadAlts,
  commit: commitAlts,
  destroyAll: destroyAllAlts,
  list: listAlts,
  knows: (w, value) => w.ids.has(value),
};

