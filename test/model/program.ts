/**
 * What the model test generates: a run's configuration and a program, a
 * list of actions that open requests, advance them one step at a time (or
 * several at once, truly concurrently), end a user's sessions, move the test
 * clock, and break and mend the store. The harness (harness.ts) interprets
 * the program; indices such as `pick` are taken modulo what exists when the
 * action runs, so any sub-list of a program is still a program and
 * fast-check can shrink it freely.
 */
import fc from "fast-check";

/** The data keys requests touch ("sudo" as in the bug it once hid). */
export const DATA_KEYS = ["a", "b", "sudo"] as const;
export type DataKey = (typeof DATA_KEYS)[number];

/** The users sessions log in as: an index, named per run (see Harness.userName). */
export type UserIx = 0 | 1;

/** One synchronous (or immediately awaited) session call inside a handler. */
export type Op =
  | { op: "get"; key: DataKey }
  | { op: "set"; key: DataKey }
  | { op: "delete"; key: DataKey }
  | { op: "pop"; key: DataKey }
  | { op: "clear" }
  | { op: "flash" }
  | { op: "consumeFlashes" }
  | { op: "setUser"; user: UserIx | null }
  | { op: "regenerate"; keepData: boolean }
  | { op: "login"; user: UserIx; keep: DataKey[] }
  | { op: "destroy" };

/** Who sends a request, and with which cookie. */
export type Sender =
  /** A browser: sends whatever its cookie jar holds when the request loads. */
  | { by: "client"; client: 0 | 1 | 2 }
  /** The attacker: replays any cookie the server ever issued. */
  | { by: "replay"; pick: number }
  /** The attacker: a cookie the server never issued (a random id, or an issued value with one character changed). */
  | { by: "forge"; how: "random" | "tamper"; pick: number };

/** How far an `advance` moves the clock, relative to the run's configuration. */
export type TimeStep = "second" | "touch" | "grace" | "idle-" | "idle" | "absolute";

export type Action =
  | { act: "request"; from: Sender; ops: Op[] }
  /** The next step (load, handler, commit) of one open request. */
  | { act: "step"; pick: number }
  /** The next step of two or three open requests at once (and optionally a destroyAllForUser), not awaited in between. */
  | { act: "burst"; picks: number[]; destroyAll: UserIx | null }
  /** "Log out everywhere", optionally sparing an open request's session. */
  | { act: "destroyAll"; user: UserIx; except: number | null }
  | { act: "advance"; by: TimeStep }
  /**
   * From now on store calls reject ("fail", until `recover`) or hang past the
   * deadline ("pause", until `recover` or until `calls` calls are held: each
   * costs the deadline in real time).
   */
  | { act: "fault"; mode: "fail" | "pause"; calls: number }
  | { act: "recover" };

/** The options a run gives createSessions (durations in seconds). */
export interface ModelConfig {
  idleSeconds: number;
  absoluteSeconds: number | undefined;
  graceSeconds: number;
  /** Cookie mode only (the flask format refuses `revocation`). */
  format: "signed" | "encrypted";
}

/** A request run from start to end before the program, so that the browsers start with live sessions to race on. */
export interface SetupRequest {
  client: 0 | 1;
  ops: Op[];
}

/** A run: its configuration, its setup and its program. */
export interface ModelCase {
  config: ModelConfig;
  setup: SetupRequest[];
  program: Action[];
}

/**
 * Milliseconds an `advance` moves the clock. The steps sit on the
 * documented boundaries: the lazy-touch threshold, the grace window, just
 * before and at the idle timeout, the absolute timeout.
 *
 * @example
 * stepMs("idle", { idleSeconds: 600, absoluteSeconds: undefined, graceSeconds: 60, format: "signed" }); // 600000
 */
export function stepMs(step: TimeStep, c: ModelConfig): number {
  switch (step) {
    case "second":
      return 1_000;
    case "touch":
      return Math.ceil(c.idleSeconds * 0.25) * 1_000 + 1_000;
    case "grace":
      return (c.graceSeconds + 1) * 1_000;
    case "idle-":
      return (c.idleSeconds - 1) * 1_000;
    case "idle":
      return c.idleSeconds * 1_000;
    case "absolute":
      return (c.absoluteSeconds ?? c.idleSeconds * 2) * 1_000;
  }
}

const key = fc.constantFrom(...DATA_KEYS);
const user = fc.constantFrom<UserIx>(0, 1);

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 30, arbitrary: key.map((k) => ({ op: "set", key: k }) as const) },
  { weight: 8, arbitrary: key.map((k) => ({ op: "get", key: k }) as const) },
  { weight: 8, arbitrary: key.map((k) => ({ op: "delete", key: k }) as const) },
  { weight: 8, arbitrary: key.map((k) => ({ op: "pop", key: k }) as const) },
  { weight: 3, arbitrary: fc.constant({ op: "clear" } as const) },
  { weight: 5, arbitrary: fc.constant({ op: "flash" } as const) },
  { weight: 4, arbitrary: fc.constant({ op: "consumeFlashes" } as const) },
  { weight: 4, arbitrary: fc.option(user, { nil: null }).map((u) => ({ op: "setUser", user: u }) as const) },
  { weight: 8, arbitrary: fc.boolean().map((keepData) => ({ op: "regenerate", keepData }) as const) },
  { weight: 10, arbitrary: fc.record({ user, keep: fc.subarray([...DATA_KEYS]) }).map(({ user: u, keep }) => ({ op: "login", user: u, keep }) as const) },
  { weight: 6, arbitrary: fc.constant({ op: "destroy" } as const) },
);

/**
 * A handler's calls, kept to what the documentation defines: nothing after
 * destroy(), and at most one regenerate or login per request.
 */
function handlerOps(ops: Op[]): Op[] {
  const out: Op[] = [];
  let rotated = false;
  for (const o of ops) {
    if (o.op === "regenerate" || o.op === "login") {
      if (rotated) continue;
      rotated = true;
    }
    out.push(o);
    if (o.op === "destroy") break;
  }
  return out;
}

const sender: fc.Arbitrary<Sender> = fc.oneof(
  // Mostly the first browser, so that requests race on one session.
  { weight: 12, arbitrary: fc.constantFrom<0 | 1 | 2>(0, 0, 0, 0, 0, 1, 1, 2).map((client) => ({ by: "client", client }) as const) },
  { weight: 2, arbitrary: fc.nat(63).map((pick) => ({ by: "replay", pick }) as const) },
  { weight: 1, arbitrary: fc.record({ how: fc.constantFrom<"random" | "tamper">("random", "tamper"), pick: fc.nat(63) }).map((f) => ({ by: "forge", ...f }) as const) },
);

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 48, arbitrary: fc.record({ from: sender, ops: fc.array(op, { maxLength: 4 }).map(handlerOps) }).map((r) => ({ act: "request", ...r }) as const) },
  { weight: 80, arbitrary: fc.nat(7).map((pick) => ({ act: "step", pick }) as const) },
  {
    weight: 12,
    arbitrary: fc
      .record({ picks: fc.uniqueArray(fc.nat(7), { minLength: 2, maxLength: 3 }), destroyAll: fc.option(user, { nil: null, freq: 4 }) })
      .map((b) => ({ act: "burst", ...b }) as const),
  },
  { weight: 8, arbitrary: fc.record({ user, except: fc.option(fc.nat(7), { nil: null }) }).map((d) => ({ act: "destroyAll", ...d }) as const) },
  {
    weight: 20,
    arbitrary: fc.constantFrom<TimeStep>("second", "touch", "grace", "idle-", "idle", "absolute").map((by) => ({ act: "advance", by }) as const),
  },
  { weight: 3, arbitrary: fc.constant({ act: "fault", mode: "fail", calls: 0 } as const) },
  // A pause costs the store deadline in real time per held call: rarer, and it ends by itself.
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }).map((calls) => ({ act: "fault", mode: "pause", calls }) as const) },
  { weight: 5, arbitrary: fc.constant({ act: "recover" } as const) },
);

const setupOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: key.map((k) => ({ op: "set", key: k }) as const) },
  { weight: 3, arbitrary: fc.record({ user, keep: fc.subarray([...DATA_KEYS]) }).map(({ user: u, keep }) => ({ op: "login", user: u, keep }) as const) },
  { weight: 1, arbitrary: fc.constant({ op: "flash" } as const) },
);

const setup: fc.Arbitrary<SetupRequest[]> = fc.array(
  fc.record({ client: fc.constantFrom<0 | 1>(0, 0, 1), ops: fc.array(setupOp, { minLength: 1, maxLength: 3 }).map(handlerOps) }),
  { maxLength: 3 },
);

/**
 * A run's configuration: idle 10 or 30 minutes, no absolute timeout or one
 * hour, no grace window or one minute (real Redis TTLs follow these, so
 * they stay far above a run's real duration).
 */
export const configArb: fc.Arbitrary<ModelConfig> = fc.record({
  idleSeconds: fc.constantFrom(600, 1_800),
  absoluteSeconds: fc.constantFrom<number | undefined>(undefined, 3_600),
  graceSeconds: fc.constantFrom(0, 60),
  format: fc.constantFrom<ModelConfig["format"]>("signed", "encrypted"),
});

/**
 * A run: a configuration and up to `maxActions` actions.
 *
 * @example
 * fc.sample(caseArb(30), 1);
 */
export function caseArb(maxActions: number): fc.Arbitrary<ModelCase> {
  return fc.record({ config: configArb, setup, program: fc.array(action, { maxLength: maxActions, size: "max" }) });
}
