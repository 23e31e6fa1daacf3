/**
 * Cookie sessions, differential: one script of requests runs on real Flask
 * (scripts/flask/diff_peer.py) and on sessionkit's `flask` format with the
 * same secret, configuration and clock, and after every request the op
 * results, the Set-Cookie lines (exact bytes and attributes) and Vary must be
 * the same. Each request sends both sides the same Cookie header: the one
 * the Flask side built from its cookie jar.
 *
 * A step may be `flaskOnly`: that request goes to the Flask app alone, as in
 * a deployment where both apps share the login. It is how values only Python
 * can write (a float `1.0`) reach sessionkit.
 */
import fc from "fast-check";
import { createSessions, type Session, type SessionManager } from "sessionkit";
import { pyFloatOpArb, requestOpsArb, runOp, type Op, type OpOptions } from "./ops.js";
import type { Peer } from "./peer.js";
import { nextJar } from "./server-compare.js";
import { commitHeaders } from "./sessionkit-side.js";
import { canonical, jsView, type Desc } from "./values.js";

/** Flask's cookie configuration, in Flask's terms. */
export interface CookieConfig {
  secret: string;
  /** SECRET_KEY_FALLBACKS (older keys that still verify). */
  fallbacks?: string[];
  /** PERMANENT_SESSION_LIFETIME, seconds. */
  lifetime: number;
  /** SESSION_REFRESH_EACH_REQUEST */
  refresh: boolean;
  name: string;
  domain?: string;
  path: string;
  secure: boolean;
  httpOnly: boolean;
  sameSite?: "Lax" | "Strict" | "None";
  partitioned: boolean;
}

/** Which Cookie header a request sends (see scripts/flask/diff_peer.py). */
export type CookieMode = "jar" | "none" | "garbage" | "tamper" | "noncanonical" | "dupBadFirst" | "dupBadLast" | "quoted" | "others" | { raw: string };

/** One request. */
export interface Step {
  atMs: number;
  cookie: CookieMode;
  ops: Op[];
  /** Only the Flask app serves this request. */
  flaskOnly?: boolean;
}

/** Options only sessionkit has (Flask has no idle or absolute timeout). */
export interface SessionkitExtras {
  idleTimeout?: number;
  absoluteTimeout?: number;
}

/** A script: a configuration and its requests. */
export interface Script {
  config: CookieConfig;
  steps: Step[];
  /** sessionkit options with no Flask counterpart, for showing what they change. */
  sessionkit?: SessionkitExtras;
}

/** What one side did for one request. */
export interface Outcome {
  cookieHeader?: string | null;
  /** Flask side: how many keys the session held when the view started. */
  loadedKeys?: number;
  status: number;
  results: Desc[];
  setCookie: string[];
  vary: string | null;
}

/** Which scenarios the generator makes (the known differences are off unless asked for). */
export interface ScriptOptions extends OpOptions {
  /** Flask-only requests store Python floats such as 1.0 (under PY_FLOAT_KEY), which sessionkit must keep. */
  integralFloats: boolean;
  /**
   * A signature whose last character differs only in its unused low bits:
   * Flask's lenient base64 accepts it, sessionkit refuses non-canonical
   * base64 on purpose (SECURITY.md R48).
   */
  nonCanonicalSignature: boolean;
  maxSteps?: number;
}

/** The options that keep the generator on what sessionkit and Flask agree on. */
export const AGREED: ScriptOptions = { integralFloats: true, modifiedAlone: true, nonCanonicalSignature: false };

const T0 = 1_700_000_000_000;
const SECRET = "diff-secret-0123456789abcdef-0123456789";

const configArb: fc.Arbitrary<CookieConfig> = fc
  .record({
    lifetime: fc.oneof(fc.constantFrom(60, 3600, 2_678_400), fc.integer({ min: 1, max: 100_000 })),
    refresh: fc.boolean(),
    name: fc.constantFrom("session", "sid"),
    domain: fc.constantFrom(undefined, "example.com", ".example.org"),
    path: fc.constantFrom("/", "/app"),
    secure: fc.boolean(),
    httpOnly: fc.boolean(),
    sameSite: fc.constantFrom(undefined, "Lax" as const, "Strict" as const, "None" as const),
    partitioned: fc.boolean(),
  })
  .map((c) => {
    const config: CookieConfig = { secret: SECRET, ...c };
    if (c.domain === undefined) delete config.domain;
    if (c.sameSite === undefined) delete config.sameSite;
    // Browsers drop SameSite=None and Partitioned cookies without Secure; sessionkit refuses that
    // configuration and Werkzeug forces Secure with Partitioned. Generate what both accept.
    if (c.sameSite === "None" || c.partitioned) config.secure = true;
    return config;
  });

/** Clock steps that hit the edges: none, sub-second, the lifetime exactly, one second past it, backwards. */
function deltaArb(lifetime: number): fc.Arbitrary<number> {
  return fc.oneof(
    fc.constant(0),
    fc.integer({ min: 1, max: 999 }),
    fc.integer({ min: 1, max: 120 }).map((s) => s * 1000),
    fc.constantFrom(lifetime * 1000, lifetime * 1000 + 999, lifetime * 1000 + 1000, lifetime * 500),
    fc.integer({ min: 1, max: 2 * lifetime }).map((s) => s * 1000),
    fc.integer({ min: 1, max: 5 }).map((s) => -s * 1000),
  );
}

function cookieModeArb(options: ScriptOptions): fc.Arbitrary<CookieMode> {
  const odd: CookieMode[] = ["none", "garbage", "tamper", "dupBadFirst", "dupBadLast", "quoted", "others"];
  if (options.nonCanonicalSignature) odd.push("noncanonical");
  return fc.oneof({ weight: 20, arbitrary: fc.constant("jar" as const) }, { weight: 1, arbitrary: fc.constantFrom(...odd) });
}

/**
 * Random scripts.
 *
 * @example
 * fc.sample(scriptArb(AGREED), 1);
 */
export function scriptArb(options: ScriptOptions): fc.Arbitrary<Script> {
  // A JavaScript number 1 is an int: only the Flask app can write a float 1.0, in a request of its own.
  const plainFlaskOps = requestOpsArb({ modifiedAlone: true });
  const flaskOps = options.integralFloats
    ? fc.tuple(plainFlaskOps, fc.option(pyFloatOpArb(false))).map(([ops, float]) => (float === null ? ops : [...ops, float]))
    : plainFlaskOps;
  const sharedOps = requestOpsArb(options);
  return configArb.chain((config) => {
    const step = fc.record({
      delta: deltaArb(config.lifetime),
      cookie: cookieModeArb(options),
      shared: sharedOps,
      flask: flaskOps,
      pickFlask: fc.integer({ min: 0, max: 7 }),
    });
    return fc.array(step, { minLength: 1, maxLength: options.maxSteps ?? 8 }).map((raw) => {
      let at = T0 + 123;
      const steps: Step[] = raw.map((s) => {
        at += s.delta;
        // One request in eight goes to the Flask app alone.
        const flaskOnly = s.pickFlask === 0;
        return flaskOnly ? { atMs: at, cookie: s.cookie, ops: s.flask, flaskOnly } : { atMs: at, cookie: s.cookie, ops: s.shared };
      });
      return { config, steps };
    });
  });
}

/**
 * The sessionkit app of a configuration, on a clock the caller sets.
 *
 * @example
 * const side = sessionkitSide(script.config); side.clock.ms = step.atMs;
 */
export function sessionkitSide(config: CookieConfig, extras: SessionkitExtras = {}): { sessions: SessionManager; clock: { ms: number } } {
  const clock = { ms: T0 };
  const sessions = createSessions({
    ...extras,
    format: "flask",
    // Flask tries the fallbacks from the last to the first.
    secrets: [config.secret, ...[...(config.fallbacks ?? [])].reverse()],
    lifetime: config.lifetime,
    refreshEachRequest: config.refresh,
    cookie: {
      name: config.name,
      ...(config.domain === undefined ? {} : { domain: config.domain }),
      path: config.path,
      secure: config.secure,
      httpOnly: config.httpOnly,
      sameSite: config.sameSite === undefined ? false : (config.sameSite.toLowerCase() as "lax" | "strict" | "none"),
      partitioned: config.partitioned,
      maxBytes: 0, // Werkzeug only warns about a large cookie (MAX_COOKIE_SIZE=0 in the peer too)
    },
    now: () => clock.ms,
  });
  return { sessions, clock };
}

/**
 * One request on sessionkit: load from the Cookie header, run the ops, commit.
 *
 * @example
 * const ours = await runOnSessionkit(side.sessions, step.ops, flaskStep.cookieHeader);
 */
export async function runOnSessionkit(sessions: SessionManager, ops: readonly Op[], cookieHeader: string | null | undefined): Promise<Outcome> {
  const session = (await sessions.load(cookieHeader ?? undefined)) as Session<Record<string, unknown>>;
  const results: Desc[] = [];
  try {
    for (const op of ops) results.push(runOp(session, op));
  } catch (error) {
    return { status: 500, results: [...results, { $markup: `threw ${(error as Error).name}: ${(error as Error).message}` }], setCookie: [], vary: null };
  }
  const { setCookie, vary } = await commitHeaders(sessions, session);
  return { status: 200, results, setCookie, vary };
}

/**
 * The first difference between Flask's outcome and sessionkit's, or undefined.
 *
 * @example
 * const diff = firstDifference(flask, ours);
 */
export function firstDifference(flask: Outcome, ours: Outcome, resultsOnly = false): string | undefined {
  if (flask.status !== ours.status) return `status: Flask ${flask.status}, sessionkit ${ours.status} ${canonical(ours.results.at(-1))}`;
  for (let i = 0; i < flask.results.length; i++) {
    const expected = canonical(jsView(flask.results[i]!));
    const got = canonical(ours.results[i]);
    if (expected !== got) return `op ${i} result: Flask ${expected}, sessionkit ${got}`;
  }
  if (resultsOnly) return undefined;
  if (canonical(flask.setCookie) !== canonical(ours.setCookie)) {
    return `Set-Cookie:\n    Flask      ${canonical(flask.setCookie)}\n    sessionkit ${canonical(ours.setCookie)}`;
  }
  if (flask.vary !== ours.vary) return `Vary: Flask ${flask.vary}, sessionkit ${ours.vary}`;
  return undefined;
}

/** A readable account of a script and where the two sides parted. */
function report(script: Script, index: number, diff: string, cookieHeader: string | null | undefined): string {
  const lines = [`sessionkit and Flask differ at step ${index}: ${diff}`, `  Cookie sent: ${cookieHeader ?? "(none)"}`, "  script:"];
  lines.push(`    config ${JSON.stringify(script.config)}`);
  script.steps.forEach((s, i) => lines.push(`    ${i === index ? "→" : " "} ${i} +${s.atMs - T0}ms ${typeof s.cookie === "string" ? s.cookie : "raw"}${s.flaskOnly ? " (Flask only)" : ""} ${JSON.stringify(s.ops)}`));
  return lines.join("\n");
}

/**
 * Run a script on both sides; throws a readable report at the first
 * difference, else answers what Flask did at each step. `resultsOnly`
 * compares the op results alone (what the app sees), not the headers; with
 * it, sessionkit keeps its own cookie (for options Flask lacks, such as
 * `idleTimeout`, which re-issue cookies Flask would not).
 *
 * @example
 * await checkScript(peer, script);
 */
export async function checkScript(peer: Peer, script: Script, options: { resultsOnly?: boolean } = {}): Promise<Outcome[]> {
  const answer = await peer.run<{ steps: Outcome[] }>(script);
  const side = sessionkitSide(script.config, script.sessionkit);
  let ownJar: string | undefined;
  for (const [i, step] of script.steps.entries()) {
    if (step.flaskOnly) continue;
    const flask = answer.steps[i]!;
    side.clock.ms = step.atMs;
    const header = options.resultsOnly ? (ownJar === undefined ? null : `${script.config.name}=${ownJar}`) : flask.cookieHeader;
    const ours = await runOnSessionkit(side.sessions, step.ops, header);
    ownJar = nextJar(ownJar, ours.setCookie, script.config.name);
    const diff = firstDifference(flask, ours, options.resultsOnly);
    if (diff !== undefined) throw new Error(report(script, i, diff, header));
  }
  return answer.steps;
}
