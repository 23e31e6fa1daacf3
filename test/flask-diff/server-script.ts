/**
 * Server-side sessions, differential: one script of requests runs on a real
 * Flask-Session 0.8 app (scripts/flask/diff_session_peer.py, RedisSessionInterface)
 * and on sessionkit with `sessionkit/stores/flask-session`, both on the
 * machine's Redis under one random key prefix. Each side keeps its own
 * browser (cookie jar) and so its own record; after every request:
 *
 * - the op results, Vary, and the Set-Cookie lines agree (attributes exact;
 *   the value is compared as "the same id", "a new id" or "deleted", ids being random);
 * - both records are read by both sides, Flask-Session's serializer and
 *   sessionkit's store: the four readings must be one and the same data.
 *
 * A `swap` step exchanges the two browsers first, so each app goes on with
 * the session the other one created: the shared login, both ways.
 */
import fc from "fast-check";
import { createSessions, type Session, type SessionManager } from "sessionkit";
import type { FlaskSessionRedisStore } from "../../src/stores/flask-session.js";
import { opArb, pyFloatOpArb, runOp, type Op, type OpOptions } from "./ops.js";
import type { Peer } from "./peer.js";
import { commitHeaders } from "./sessionkit-side.js";
import { nextJar, outcomeDifference, recordDifference } from "./server-compare.js";
import type { Desc } from "./values.js";

/** Flask-Session's configuration, in Flask's terms. */
export interface ServerConfig {
  secret: string;
  /** SESSION_KEY_PREFIX */
  prefix: string;
  /** SESSION_PERMANENT */
  permanent: boolean;
  /** SESSION_ID_LENGTH: bytes of entropy of `secrets.token_urlsafe` (32 gives 43 characters). */
  idLength: number;
  refresh: boolean;
  lifetime: number;
  name: string;
  path: string;
  secure: boolean;
  httpOnly: boolean;
  sameSite?: "Lax" | "Strict";
}

/** A server-side op: the shared vocabulary, plus Flask-Session's `regenerate`. */
export type ServerOp = Op | ["regenerate"];

/** One request. */
export interface ServerStep {
  atMs: number;
  ops: ServerOp[];
  /** Exchange the two browsers before this request. */
  swap?: boolean;
  /**
   * The Flask-Session app serves this request, for both browsers (so both
   * records stay twins): how values only Python writes (a float 1.0) get in.
   */
  flaskOnly?: boolean;
}

/** A script: a configuration and its requests. */
export interface ServerScript {
  config: ServerConfig;
  steps: ServerStep[];
}

export interface StepOutcome {
  status: number;
  results: Desc[];
  setCookie: string[];
  vary: string | null;
  sid?: string | null;
}

/** Which scenarios the generator makes (the known differences are off unless asked for). */
export interface ServerOptions extends OpOptions {
  /**
   * Flask-only requests store Python floats such as 1.0 (under PY_FLOAT_KEY).
   * In a script of their own: sessionkit's regenerate rewrites every value
   * from JavaScript and loses them (a known difference).
   */
  integralFloats: boolean | "or regenerate";
  /** SESSION_ID_LENGTH other than 32: Flask's ids are then not 43 characters (issue #16 item 4). */
  otherIdLengths: boolean;
  /** Ops left out of the scripts (their differences are shown one by one instead). */
  without?: readonly ServerOp[0][];
  /**
   * Sessions may become empty, or hold `_permanent` alone. Off: every
   * request first sets a key no op touches, so no session ever does.
   */
  emptying: boolean;
}

/** The key that keeps sessions from emptying (not in KEYS, so no op touches it). */
const SENTINEL = "sentinel";

/**
 * The scripts' clock starts at this process's start, to the second: Redis
 * counts TTLs on its own clock, so a script's clock stays within minutes of it.
 */
const T0 = Math.floor(Date.now() / 1000) * 1000;

/**
 * What sessionkit and Flask-Session agree on. Left out, and shown one by one
 * in server-known-differences.test.ts: `clear` (Flask-Session keeps
 * `_permanent`) and sessions that empty (Flask-Session counts `_permanent`
 * alone as empty).
 */
export const SERVER_AGREED: ServerOptions = {
  modifiedAlone: false,
  integralFloats: true,
  otherIdLengths: true,
  emptying: false,
  without: ["clear"],
};

/** The clock a script starts at. */
export const SERVER_T0 = T0;

/**
 * Random scripts on a given key prefix.
 *
 * @example
 * fc.sample(serverScriptArb("sk-diff:1:session:", options), 1);
 */
export function serverScriptArb(prefix: string, options: ServerOptions): fc.Arbitrary<ServerScript> {
  const config = fc.record({
    permanent: fc.boolean(),
    idLength: options.otherIdLengths ? fc.constantFrom(16, 24, 32, 48) : fc.constant(32),
    refresh: fc.boolean(),
    lifetime: fc.constantFrom(3600, 86_400, 2_678_400),
    name: fc.constantFrom("session", "sid"),
    path: fc.constantFrom("/", "/app"),
    secure: fc.boolean(),
    httpOnly: fc.boolean(),
    sameSite: fc.constantFrom(undefined, "Lax" as const, "Strict" as const),
  });
  const without = new Set(options.without ?? []);
  const op = fc
    // A JavaScript number 1 is an int: only the Flask app writes a float 1.0, in a request of its own.
    .oneof({ weight: 30, arbitrary: opArb({ ...options, msgspec: true }) as fc.Arbitrary<ServerOp> }, { weight: 1, arbitrary: fc.constant(["regenerate"] as ServerOp) })
    .filter((o) => !without.has(o[0]));
  const flaskOp = opArb({ ...options, modifiedAlone: true, msgspec: true }).filter((o) => !without.has(o[0]));
  const step = (floats: boolean, regenerate: boolean) =>
    fc.record({
      delta: fc.integer({ min: 0, max: 120_000 }),
      ops: fc.array(regenerate ? op : op.filter((o) => o[0] !== "regenerate"), { maxLength: 5 }),
      flaskOps: fc.tuple(fc.array(flaskOp, { maxLength: 3 }), floats ? fc.option(pyFloatOpArb(true)) : fc.constant(null)).map(([ops, f]) => (f === null ? ops : [...ops, f])),
      swap: fc.integer({ min: 0, max: 5 }),
      pick: fc.integer({ min: 0, max: 5 }),
    });
  // "or regenerate": each script has either Python floats or regenerate, never both.
  const kind = options.integralFloats === "or regenerate" ? fc.boolean().map((f) => [f, !f] as const) : fc.constant([options.integralFloats, true] as const);
  const steps = kind.chain(([floats, regenerate]) => fc.array(step(floats, regenerate), { minLength: 1, maxLength: 6 }));
  return fc.record({ config, steps }).map(({ config: c, steps }) => {
    const cfg: ServerConfig = { secret: "diff-flask-session-secret-0123456789", prefix, ...c };
    if (c.sameSite === undefined) delete cfg.sameSite;
    let at = T0;
    const first: ServerOp[] = options.emptying ? [] : [["setdefault", SENTINEL, 1]];
    return {
      config: cfg,
      steps: steps.map((s): ServerStep => {
        const step: ServerStep = { atMs: (at += s.delta), ops: [...first, ...(s.pick === 0 ? s.flaskOps : s.ops)] };
        if (s.pick === 0) step.flaskOnly = true;
        if (s.swap === 0) step.swap = true;
        return step;
      }),
    };
  });
}

/** The sessionkit app of a configuration, on a clock the caller sets. */
export function serverSessionkitSide(config: ServerConfig, store: FlaskSessionRedisStore): { sessions: SessionManager; clock: { ms: number } } {
  const clock = { ms: T0 };
  const sessions = createSessions({
    secret: config.secret,
    store,
    permanent: config.permanent,
    lifetime: config.lifetime,
    refreshEachRequest: config.refresh,
    cookie: {
      name: config.name,
      path: config.path,
      secure: config.secure,
      httpOnly: config.httpOnly,
      sameSite: config.sameSite === undefined ? false : (config.sameSite.toLowerCase() as "lax" | "strict"),
    },
    now: () => clock.ms,
  });
  return { sessions, clock };
}

/**
 * Run a script on both sides; throws a readable report at the first
 * difference. `exactCookies` compares the Set-Cookie lines themselves
 * (ids by meaning) instead of what they do to the browser.
 *
 * @example
 * await checkServerScript(peer, store, script);
 */
export async function checkServerScript(peer: Peer, store: FlaskSessionRedisStore, script: ServerScript, options: { exactCookies?: boolean } = {}): Promise<void> {
  const { config } = script;
  const side = serverSessionkitSide(config, store);
  let flaskJar: string | undefined;
  let ourJar: string | undefined;
  const fail = (i: number, what: string): never => {
    const lines = [`sessionkit and Flask-Session differ at step ${i}: ${what}`, `    config ${JSON.stringify({ ...config, prefix: "…" })}`];
    script.steps.forEach((s, j) => lines.push(`    ${j === i ? "→" : " "} ${j} +${s.atMs - T0}ms${s.swap ? " swap" : ""}${s.flaskOnly ? " (Flask-Session only)" : ""} ${JSON.stringify(s.ops)}`));
    throw new Error(lines.join("\n"));
  };
  const header = (jar: string | undefined): string | null => (jar === undefined ? null : `${config.name}=${jar}`);
  for (const [i, step] of script.steps.entries()) {
    if (step.swap) [flaskJar, ourJar] = [ourJar, flaskJar];
    side.clock.ms = step.atMs;
    if (step.flaskOnly) {
      const first = await peer.run<StepOutcome>({ cmd: "step", config, atMs: step.atMs, cookie: header(flaskJar), ops: step.ops });
      const second = await peer.run<StepOutcome>({ cmd: "step", config, atMs: step.atMs, cookie: header(ourJar), ops: step.ops });
      if (first.status !== 200 || second.status !== 200) fail(i, "the Flask-Session app answered 500");
      flaskJar = nextJar(flaskJar, first.setCookie, config.name);
      ourJar = nextJar(ourJar, second.setCookie, config.name);
    } else {
      const flask = await peer.run<StepOutcome>({ cmd: "step", config, atMs: step.atMs, cookie: header(flaskJar), ops: step.ops });
      const ours = await runServerStep(side.sessions, step.ops, header(ourJar));
      const diff = outcomeDifference(flask, ours, flaskJar, ourJar, options.exactCookies === true);
      if (diff !== undefined) fail(i, diff);
      flaskJar = nextJar(flaskJar, flask.setCookie, config.name);
      ourJar = nextJar(ourJar, ours.setCookie, config.name);
    }
    const diff = await recordDifference(peer, store, config, flaskJar, ourJar, step.atMs);
    if (diff !== undefined) fail(i, diff);
  }
}

/** One request on sessionkit: load, run the ops (regenerate included), commit. */
async function runServerStep(sessions: SessionManager, ops: readonly ServerOp[], cookieHeader: string | null): Promise<StepOutcome> {
  const session = (await sessions.load(cookieHeader ?? undefined)) as Session<Record<string, unknown>>;
  const results: Desc[] = [];
  try {
    for (const op of ops) {
      if (op[0] === "regenerate") {
        await session.regenerate();
        results.push(null);
      } else results.push(runOp(session, op));
    }
    const { setCookie, vary } = await commitHeaders(sessions, session);
    return { status: 200, results, setCookie, vary };
  } catch (error) {
    return { status: 500, results: [...results, `threw ${(error as Error).name}: ${(error as Error).message}`], setCookie: [], vary: null };
  }
}
