/**
 * The shape of the reference model. A world is one state the documented
 * guarantees allow; a step of the system (a load, a handler, a commit, a
 * "log out everywhere", a final check) maps a world to the outcomes the
 * guarantees allow for it, each with the world it leads to. Where the
 * documentation leaves a choice open (a timed-out write may or may not have
 * landed; concurrent steps may take effect in any order), the model keeps
 * every world that explains what was observed so far.
 */
import type { Outcome } from "./outcome.js";
import type { ModelConfig } from "./program.js";
import { applyOp, copyView, type View } from "./view.js";
import type { Op } from "./program.js";

/** One outcome the guarantees allow, why, and how it changes the world. */
export interface Alt<W> {
  outcome: Outcome;
  /** The guarantee behind this expectation, for failure messages ("3 destroy wins: …"). */
  why: string;
  /**
   * Apply the step's effect to (a copy of) the world. `value` is the cookie
   * value the step set (its real value when observed, a placeholder for a
   * write that may have landed unseen). Returning false drops the world
   * (the observation contradicts it).
   */
  apply?: (w: W, value: string | undefined) => boolean | void;
  /** What follows only when the call returned this outcome (not when it failed after landing unseen). */
  reply?: (w: W) => void;
}

/** What every step may read: the clock, the configuration, user names. */
export interface Env {
  nowMs: number;
  config: ModelConfig;
}

/** Worlds keep the open requests' views. */
export interface BaseWorld {
  views: Map<number, View>;
}

/** The documented rules of one mode (server-side store, or cookie mode with revocation). */
export interface Rules<W extends BaseWorld> {
  readonly mode: "server" | "cookie";
  init(): W;
  clone(w: W): W;
  /**
   * A canonical text of the world, to merge equal worlds; the text of each
   * part is kept in `rendered` (default: one cache per mode), since worlds
   * share parts and never change once keyed.
   */
  key(w: W, rendered?: WeakMap<object, string>): string;
  /** Request `n` loads with cookie value `sent`; with `check`, a final check (flashes shown, no view kept). */
  load(w: W, n: number | undefined, sent: string | undefined, env: Env): Alt<W>[];
  commit(w: W, n: number, env: Env): Alt<W>[];
  destroyAll(w: W, user: string, except: number | undefined, env: Env): Alt<W>[];
  /** listForUser (server-side only); `nameOf` names an id by its issue number. */
  list(w: W, user: string, env: Env, nameOf: (id: string) => string): Alt<W>[];
  /** Whether a value is an id or cookie the model knows of (for "new" values that must be fresh). */
  knows(w: W, value: string): boolean;
}

/**
 * The handler step, the same in both modes: its calls act on the request's
 * own view only, so their results follow from what the request loaded.
 *
 * @example
 * const alts = handlerAlts(world, 3, ops, values, userName);
 */
export function handlerAlts<W extends BaseWorld>(w: W, n: number, ops: Op[], values: number[], userName: (u: 0 | 1) => string): Alt<W>[] {
  const view = w.views.get(n);
  if (view === undefined) return [];
  const next = copyView(view);
  const results = ops.map((o, i) => applyOp(next, o, values[i]!, userName));
  return [
    {
      outcome: { ok: true, results },
      why: "the Session API: a handler sees what its request loaded plus its own changes",
      apply: (world) => {
        world.views.set(n, next);
      },
    },
  ];
}

/**
 * Whether the absolute timeout has passed for a session created at `createdAtMs`.
 *
 * @example
 * pastAbsolute(session.createdAtMs, env);
 */
export function pastAbsolute(createdAtMs: number, env: Env): boolean {
  const a = env.config.absoluteSeconds;
  return a !== undefined && env.nowMs >= createdAtMs + a * 1_000;
}
