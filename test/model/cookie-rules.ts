/**
 * The reference model of cookie sessions with `revocation: { store }`. The
 * cookie is the id: every Set-Cookie value is its own record of the data.
 * A logical session is the family of cookies derived from one another by
 * requests; a regenerate or login starts a new generation of it, and only
 * the current generation is valid (there is no grace window in cookie mode).
 *
 * Guarantees 1, 3, 4, 5, 6, 7 and 8 apply as on the server, with cookies as
 * the ids; 2 does not (the browser keeps only the last cookie, so the last
 * write wins). Timestamps are the format's whole seconds: a cookie is
 * refused once more than idleTimeout seconds have passed since it was signed
 * (itsdangerous's max_age), or more than absoluteTimeout since the session's
 * origin. A request that changes nothing re-signs the cookie once a quarter
 * of the idle window has passed since it was signed (lazy touch), so an
 * active visitor never goes idle.
 */
import { ANY, show } from "./outcome.js";
import type { Alt, BaseWorld, Env, Rules } from "./rules.js";
import { copyData, flashesOf, newView, userData, type Value, type View } from "./view.js";

export interface CookieSession {
  gen: number;
  ended: boolean;
}

/** One Set-Cookie value the server issued and what the model says it carries. */
export interface IssuedCookie {
  sid: number;
  /** The generation it belongs to; "dead" for a cookie the guarantees say must never load. */
  gen: number | "dead";
  data: Map<string, Value>;
  userId: string | undefined;
  authAtMs: number | undefined;
  createdAtS: number | undefined;
  signedAtS: number;
}

export interface CookieWorld extends BaseWorld {
  sessions: CookieSession[];
  cookies: Map<string, IssuedCookie>;
  /** destroyAllForUser: every cookie of the user authenticated before this time is refused. */
  revokedBefore: Map<string, number>;
}

const seconds = (ms: number): number => Math.floor(ms / 1_000);
/** The lazy-touch fraction (the `touchAfter` option's documented default). */
const TOUCH_AFTER = 0.25;
const interrupted = <W>(why: string): Alt<W> => ({ outcome: { ok: false, error: "SessionInterruptedError" }, why });

function userRevoked(w: CookieWorld, userId: string | undefined, authAtMs: number | undefined): boolean {
  if (userId === undefined) return false;
  const before = w.revokedBefore.get(userId);
  // Strictly after: a login in the same millisecond as "log out everywhere" may have come before it.
  return before !== undefined && !(authAtMs !== undefined && authAtMs > before);
}

/** Session `sid` of a world a step is applied to, copied first: worlds share sessions (see cloneWorld). */
function own(x: CookieWorld, sid: number): CookieSession {
  const copy = { ...x.sessions[sid]! };
  x.sessions[sid] = copy;
  return copy;
}

/** Register a cookie; false when the same value was issued before with other contents. */
function issue(w: CookieWorld, value: string | undefined, cookie: IssuedCookie): boolean {
  if (value === undefined) return false;
  const known = w.cookies.get(value);
  if (known !== undefined) return show(known) === show(cookie);
  w.cookies.set(value, cookie);
  return true;
}

function loadAlts(w: CookieWorld, n: number | undefined, sent: string | undefined, env: Env): Alt<CookieWorld>[] {
  const check = n === undefined;
  const fresh = (why: string): Alt<CookieWorld> => ({
    outcome: { ok: true, isNew: true, data: {}, ...(check ? { flashes: [] } : {}) },
    why,
    apply: (x) => {
      if (n !== undefined) x.views.set(n, newView(sent, "fresh", undefined, undefined, new Map()));
    },
  });
  if (sent === undefined) return [fresh("no cookie: a fresh session")];
  const c = w.cookies.get(sent);
  if (c === undefined) return [fresh("8 a cookie the server never issued (forged or tampered) loads fresh")];
  if (c.gen === "dead") return [fresh("3/4 a cookie issued by a request that lost to a destroy or a regenerate never loads")];
  const nowS = seconds(env.nowMs);
  const { idleSeconds, absoluteSeconds } = env.config;
  if (nowS - c.signedAtS > idleSeconds) return [fresh("7 idle timeout: the cookie was signed more than idleTimeout ago")];
  if (absoluteSeconds !== undefined && (c.createdAtS === undefined || nowS - c.createdAtS > absoluteSeconds)) return [fresh("7 absolute timeout since creation or the last login")];
  const s = w.sessions[c.sid]!;
  if (s.ended) return [fresh("3 destroy wins: every cookie of a destroyed session is refused")];
  if (c.gen !== s.gen) return [fresh("4 once regenerated, the older cookies of the session are refused")];
  if (userRevoked(w, c.userId, c.authAtMs)) return [fresh("6 destroyAllForUser refuses every cookie of the user authenticated before it")];
  return [
    {
      outcome: { ok: true, isNew: false, data: userData(c.data), ...(check ? { flashes: flashesOf(c.data) } : {}) },
      why: "1 the data the cookie was issued with",
      apply: (x) => {
        if (n !== undefined) x.views.set(n, newView(sent, "current", sent, c.sid, c.data, 0, c.userId, { gen: c.gen, authAtMs: c.authAtMs, createdAtS: c.createdAtS, signedAtS: c.signedAtS }));
      },
    },
  ];
}

/**
 * The user and login time a commit writes: the last of login, setUser and
 * destroyAllForUser's `except` stamps its user and now (setUser(null)
 * removes them); otherwise the loaded ones are kept.
 */
function userFacts(v: View, env: Env): { userId: string | undefined; authAtMs: number | undefined } {
  if (v.userSet === null) return { userId: undefined, authAtMs: undefined };
  if (v.userSet === undefined) return { userId: v.loadedUser, authAtMs: v.cookie?.authAtMs };
  // setUser() of the user already there keeps the login time, so it cannot outlive a "log out everywhere".
  const same = v.userSet === v.loadedUser && v.cookie?.authAtMs !== undefined && v.login === undefined && v.reauthenticated !== true;
  // The spared session of a "log out everywhere" is stamped a millisecond after it.
  return { userId: v.userSet, authAtMs: same ? v.cookie!.authAtMs : v.reauthenticated === true ? env.nowMs + 1 : env.nowMs };
}

function commitAlts(w: CookieWorld, n: number, env: Env): Alt<CookieWorld>[] {
  const v = w.views.get(n);
  if (v === undefined) return [];
  const s = v.sid !== undefined ? w.sessions[v.sid] : undefined;
  const stale = s !== undefined && (s.ended || v.cookie?.gen !== s.gen);
  const nowS = seconds(env.nowMs);
  const ok = (cookie: "new" | "delete" | "none", why: string, effect?: (x: CookieWorld, value: string | undefined) => boolean | void): Alt<CookieWorld> => ({
    outcome: { ok: true, cookie },
    why,
    apply: (x, value) => {
      x.views.delete(n);
      return effect?.(x, value);
    },
  });
  const rejected = (why: string): Alt<CookieWorld> => ({ ...interrupted<CookieWorld>(why), apply: (x) => void x.views.delete(n) });
  /** The cookie this commit writes, in generation `gen` of session `sid` (a new session when the request loaded none). */
  const write = (x: CookieWorld, value: string | undefined, gen: (sid: number) => number | "dead", origin: number | undefined): boolean => {
    let sid = v.sid;
    if (sid === undefined) {
      x.sessions.push({ gen: 0, ended: false });
      sid = x.sessions.length - 1;
    }
    return issue(x, value, { sid, gen: gen(sid), data: copyData(v.values), ...userFacts(v, env), createdAtS: origin, signedAtS: nowS });
  };
  const origin = v.cookie?.createdAtS ?? nowS;

  if (v.destroyed) return [ok("delete", "3 destroy: every cookie of the session is refused from now on", (x) => void (v.sid !== undefined && (own(x, v.sid).ended = true)))];
  // Empty: no data and no user (a logged-in session is never empty: only destroy() or setUser(null) ends a login).
  const empty = v.values.size === 0 && userFacts(v, env).userId === undefined;
  // No data, and a user only from this request's setUser (no login, none loaded): undocumented, so the session
  // may be written with its user (as a login would be) or count as empty (as a server-side plain write does).
  const userOnly = v.values.size === 0 && v.login === undefined && v.loadedUser === undefined && typeof v.userSet === "string";
  if (v.regenerate !== undefined) {
    const end = (x: CookieWorld) => void (v.sid !== undefined && (own(x, v.sid).ended = true));
    if (v.cleared && empty) {
      const logout = ok("delete", "regenerate({ keepData: false }) with nothing to keep ends the session, as a logout", end);
      // A session another request already ended or regenerated may also refuse it.
      return stale ? [logout, rejected("3/4 the session was already ended or regenerated")] : [logout];
    }
    // With nothing but a user set by setUser, the session may count as empty: then the regenerate ends it, as a logout.
    const asEmpty = userOnly ? [ok("delete", "regenerate of a session with nothing but a user set by setUser: it may count as empty", end)] : [];
    if (stale) {
      const why = "3/4 a regenerate or login that lost to a destroy or another regenerate is refused or leaves nothing live";
      return [...asEmpty, rejected(why), ok("delete", why), ok("new", why, (x, value) => write(x, value, () => "dead", origin))];
    }
    const rotated = (x: CookieWorld, value: string | undefined): boolean => {
      const gen = v.sid === undefined ? 0 : ++own(x, v.sid).gen;
      return write(x, value, () => gen, v.login !== undefined ? nowS : origin);
    };
    if (v.login !== undefined) return [ok("new", "5 login: a new cookie with only `keep` and the flashes, the user recorded, a new absolute origin", rotated)];
    if (empty) return [ok("delete", "regenerate of an empty session: the old cookies are refused and no cookie is sent", end)];
    return [...asEmpty, ok("new", "4 regenerate: a new cookie with the data; the older ones are refused; the absolute origin is kept", rotated)];
  }
  if (!v.modified) {
    // Lazy touch: a cookie signed touchAfter (a quarter) of the idle window ago is signed again, unchanged.
    const c = v.cookie;
    if (c === undefined || nowS - c.signedAtS < Math.floor(env.config.idleSeconds * TOUCH_AFTER)) return [ok("none", "nothing changed: no cookie is sent")];
    return [ok("new", "7 lazy touch: an active visitor's cookie is signed again before it goes idle", (x, value) => write(x, value, () => c.gen, c.createdAtS))];
  }
  const plain = (x: CookieWorld, value: string | undefined) => write(x, value, (sid) => (v.cookie?.gen ?? x.sessions[sid]!.gen), origin);
  if (empty) return [ok("delete", "an emptied cookie session (no data, no user): its cookie is deleted")];
  const alts = [ok("new", "1 a write is a new cookie with the request's data (the last cookie the browser keeps wins)", plain)];
  if (userOnly) alts.push(ok("delete", "a session with nothing but a user set by setUser may count as empty"));
  return alts;
}

function destroyAllAlts(w: CookieWorld, user: string, except: number | undefined, env: Env): Alt<CookieWorld>[] {
  void w;
  return [
    {
      outcome: { ok: true, count: ANY },
      why: "6 destroyAllForUser: every cookie of the user authenticated before now is refused; `except` is stamped as authenticated again",
      apply: (x) => void x.revokedBefore.set(user, env.nowMs),
      // `except` is marked only when the call returned (a failed call never reaches it).
      reply: (x) => {
        const ex = except === undefined ? undefined : x.views.get(except);
        // A new view, not a change to the old one: worlds share views (see cloneWorld).
        if (ex !== undefined) x.views.set(except!, { ...ex, userSet: user, modified: true, reauthenticated: true });
      },
    },
  ];
}

/**
 * A world to apply a step to: new lists, whose contents (sessions, issued
 * cookies, views) are shared with the world it came from; a step replaces
 * what it changes, never edits it (see server-rules.ts's cloneWorld and
 * test/model/world-sharing.test.ts).
 */
function cloneWorld(w: CookieWorld): CookieWorld {
  return { sessions: [...w.sessions], cookies: new Map(w.cookies), revokedBefore: new Map(w.revokedBefore), views: new Map(w.views) };
}

/** The text of every part of a world keyed so far (see server-rules.ts). */
const RENDERED = new WeakMap<object, string>();

/** The cookie-mode rules (revocation on). */
export const cookieRules: Rules<CookieWorld> = {
  mode: "cookie",
  init: () => ({ sessions: [], cookies: new Map(), revokedBefore: new Map(), views: new Map() }),
  clone: cloneWorld,
  key: (w, rendered = RENDERED) => show([w.sessions, [...w.cookies], [...w.revokedBefore], [...w.views]], rendered),
  load: loadAlts,
  commit: commitAlts,
  destroyAll: destroyAllAlts,
  list: () => [],
  knows: (w, value) => w.cookies.has(value),
};
