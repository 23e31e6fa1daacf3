/**
 * The steps of a run, each three things at once: the real call through the
 * public API, what the model predicts for it, and how the printed
 * regression test writes it. A request is three steps (load, handler,
 * commit); "log out everywhere" and the final checks are one each.
 */
import type { Session, StoredSessionInfo } from "../../src/index.js";
import { commit } from "./fixture.js";
import { arrive, checkedOutcome, cookieHeader, countOutcome, handlerOutcome, listedOutcome, loadOutcome, settle, type Fixture, type Settled } from "./kit.js";
import type { Outcome } from "./outcome.js";
import type { Op, UserIx } from "./program.js";
import type { StepCode } from "./repro.js";
import { handlerAlts, type Alt, type BaseWorld, type Env, type Rules } from "./rules.js";

/** A request between its first and its last step. */
export interface OpenRequest {
  n: number;
  /** The browser sending it (its cookie is read from the jar at load time), or undefined for the attacker. */
  client: 0 | 1 | 2 | undefined;
  /** The attacker's cookie, fixed when the request was made. */
  fixed: string | undefined;
  /** How the printed test names the cookie sent: `jar[0]`, `issued[3]`, `forgedId(5)`, `tamper(issued[2])`. */
  senderCode: string;
  ops: Op[];
  /** The number each `set` writes and each `flash` queues (`m<n>`), one per op. */
  values: number[];
  stage: "load" | "handler" | "commit" | "done";
  session?: Session;
}

/** What a step needs from its run. */
export interface StepContext<W extends BaseWorld> {
  f: Fixture;
  rules: Rules<W>;
  /** A user's name in this run (unique per run, so runs can share a store). */
  userName(u: UserIx): string;
  /** Errors the steps saw (checked for leaked secrets and ids at the end). */
  errors: unknown[];
}

export interface Step<W extends BaseWorld> {
  label: string;
  /** Moves the clock by 1 ms first (commits and "log out everywhere": real time passes between writes). */
  tick: boolean;
  run(): Promise<unknown>;
  observe(result: unknown): { outcome: Outcome; value?: string; detail?: string };
  predict(w: W, env: Env): Alt<W>[];
  code(): StepCode;
  /**
   * The store writes this step may make, known once it has run (8 and R68:
   * a load writes nothing but the removal of an expired record, a commit of
   * an unchanged session nothing but a touch); undefined: any.
   */
  writes?(): readonly string[] | undefined;
}

const USER_CODE = ['"alice"', '"bob"'] as const;

const noted = <W extends BaseWorld>(ctx: StepContext<W>, settled: Settled<unknown>): void => {
  if (!settled.ok) ctx.errors.push(settled.error);
};

/**
 * The load step: the browser's current cookie (or the attacker's).
 *
 * @example
 * const step = loadStep(ctx, request); step.observe(await step.run());
 */
export function loadStep<W extends BaseWorld>(ctx: StepContext<W>, r: OpenRequest): Step<W> {
  let sent: string | undefined;
  let ok = false;
  const expr = (): string => `settle(sessions.load(cookieHeader(${r.senderCode})))`;
  return {
    label: `r${r.n} load`,
    tick: false,
    run: () => {
      sent = r.client !== undefined ? ctx.f.jar[r.client] : r.fixed;
      return settle(ctx.f.sessions.load(cookieHeader(sent)));
    },
    observe: (result) => {
      const settled = result as Settled<Session>;
      noted(ctx, settled);
      ok = settled.ok;
      if (settled.ok) {
        r.session = settled.value;
        r.stage = "handler";
      } else r.stage = "done";
      return { outcome: loadOutcome(settled) };
    },
    predict: (w, env) => ctx.rules.load(w, r.n, sent, env),
    writes: () => ["destroy"],
    code: () => ({
      expr: expr(),
      outcome: (x) => `loadOutcome(${x})`,
      after: (x) => (ok ? [`const r${r.n} = value(${x});`] : []),
      statements: ok ? [`const r${r.n} = await sessions.load(cookieHeader(${r.senderCode}));`] : [`await ${expr()}; // failed in the run`],
    }),
  };
}

/** One handler call on the real session, its result as the model sees it, and its code. */
async function callOp<W extends BaseWorld>(ctx: StepContext<W>, s: Session, o: Op, v: number): Promise<unknown> {
  switch (o.op) {
    case "get":
      return s.get(o.key);
    case "set":
      return void s.set(o.key, v);
    case "delete":
      return s.delete(o.key);
    case "pop":
      return s.pop(o.key);
    case "clear":
      return void s.clear();
    case "flash":
      return void s.flash(`m${v}`);
    case "consumeFlashes":
      return s.consumeFlashes();
    case "setUser":
      return void s.setUser(o.user === null ? null : ctx.userName(o.user));
    case "regenerate":
      return s.regenerate({ keepData: o.keepData });
    case "login":
      return s.login(ctx.userName(o.user), { keep: o.keep });
    case "destroy":
      return s.destroy();
  }
}

function opCode(r: string, o: Op, v: number): string {
  switch (o.op) {
    case "get":
    case "delete":
    case "pop":
      return `${r}.${o.op}("${o.key}")`;
    case "set":
      return `void ${r}.set("${o.key}", ${v})`;
    case "clear":
      return `void ${r}.clear()`;
    case "flash":
      return `void ${r}.flash("m${v}")`;
    case "consumeFlashes":
      return `${r}.consumeFlashes()`;
    case "setUser":
      return `void ${r}.setUser(${o.user === null ? "null" : USER_CODE[o.user]})`;
    case "regenerate":
      return `await ${r}.regenerate({ keepData: ${o.keepData} })`;
    case "login":
      return `await ${r}.login(${USER_CODE[o.user]}, { keep: ${JSON.stringify(o.keep)} })`;
    case "destroy":
      return `await ${r}.destroy()`;
  }
}

/**
 * The handler step: the request's session calls, in order.
 *
 * @example
 * const step = handlerStep(ctx, request); step.observe(await step.run());
 */
export function handlerStep<W extends BaseWorld>(ctx: StepContext<W>, r: OpenRequest): Step<W> {
  const calls = (): string[] => r.ops.map((o, i) => opCode(`r${r.n}`, o, r.values[i]!));
  return {
    label: `r${r.n} handler`,
    tick: false,
    run: () =>
      settle(
        (async () => {
          const results: unknown[] = [];
          for (const [i, o] of r.ops.entries()) results.push(await callOp(ctx, r.session!, o, r.values[i]!));
          return results;
        })(),
      ),
    observe: (result) => {
      noted(ctx, result as Settled<unknown>);
      r.stage = "commit";
      return { outcome: handlerOutcome(result as Settled<unknown[]>) };
    },
    predict: (w) => handlerAlts(w, r.n, r.ops, r.values, ctx.userName),
    writes: () => [],
    code: () => ({
      expr: `settle((async () => [${calls().join(", ")}])())`,
      outcome: (x) => `handlerOutcome(${x})`,
      after: () => [],
      statements: calls().map((c) => `${c.replace(/^void /, "")};`),
    }),
  };
}

/**
 * The commit step; the response arrives at the browser that sent the request.
 *
 * @example
 * const step = commitStep(ctx, a); step.observe(await step.run());
 */
export function commitStep<W extends BaseWorld>(ctx: StepContext<W>, r: OpenRequest): Step<W> {
  const client = (): string => (r.client === undefined ? "undefined" : String(r.client));
  const expr = (): string => `settle(commit(sessions, r${r.n}))`;
  let unchanged = false;
  return {
    label: `r${r.n} commit`,
    tick: true,
    run: () => {
      unchanged = !r.session!.modified;
      return settle(commit(ctx.f.sessions, r.session!));
    },
    writes: () => (unchanged ? ["touch"] : undefined),
    observe: (result) => {
      noted(ctx, result as Settled<unknown>);
      r.stage = "done";
      return arrive(ctx.f, r.client, result as Settled<string[]>);
    },
    predict: (w, env) => ctx.rules.commit(w, r.n, env),
    code: () => ({
      expr: expr(),
      outcome: (x) => `arrive(f, ${client()}, ${x}).outcome`,
      after: (x) => [`arrive(f, ${client()}, ${x});`],
      statements: [`arrive(f, ${client()}, await ${expr()});`],
    }),
  };
}

/**
 * "Log out everywhere" for a user, optionally sparing an open request's session.
 *
 * @example
 * const step = destroyAllStep(ctx, 0, request); step.observe(await step.run());
 */
export function destroyAllStep<W extends BaseWorld>(ctx: StepContext<W>, u: UserIx, except: OpenRequest | undefined): Step<W> {
  const expr = (): string => `settle(sessions.destroyAllForUser(${USER_CODE[u]}${except ? `, { except: r${except.n} }` : ""}))`;
  return {
    label: `destroyAllForUser(${USER_CODE[u]}${except ? `, except r${except.n}` : ""})`,
    tick: true,
    run: () => settle(ctx.f.sessions.destroyAllForUser(ctx.userName(u), except ? { except: except.session! } : {})),
    observe: (result) => {
      noted(ctx, result as Settled<unknown>);
      return { outcome: countOutcome(result as Settled<number>) };
    },
    predict: (w, env) => ctx.rules.destroyAll(w, ctx.userName(u), except?.n, env),
    code: () => ({ expr: expr(), outcome: (x) => `countOutcome(${x})`, after: () => [], statements: [`await ${expr()};`] }),
  };
}

/**
 * A final check: load a cookie ever issued (or forged), read its data and flashes, commit nothing.
 *
 * @example
 * const step = checkStep(ctx, issued[0], "issued[0]"); step.observe(await step.run());
 */
export function checkStep<W extends BaseWorld>(ctx: StepContext<W>, cookie: string, cookieCode: string): Step<W> {
  const expr = (): string => `checkOutcome(sessions, ${cookieCode})`;
  return {
    label: `check ${cookieCode}`,
    tick: false,
    // Settled here and turned into an outcome in observe, so that a failure keeps its error (for the harness's detail and leak check).
    run: () => settle(ctx.f.sessions.load(cookieHeader(cookie))),
    observe: (result) => {
      noted(ctx, result as Settled<unknown>);
      return { outcome: checkedOutcome(result as Settled<Session>) };
    },
    predict: (w, env) => ctx.rules.load(w, undefined, cookie, env),
    writes: () => ["destroy"],
    code: () => ({ expr: expr(), outcome: (x) => x, after: () => [], statements: [`await ${expr()};`] }),
  };
}

/**
 * A final check of the user index (server-side).
 *
 * @example
 * const step = listStep(ctx, 0); step.observe(await step.run());
 */
export function listStep<W extends BaseWorld>(ctx: StepContext<W>, u: UserIx): Step<W> {
  const nameOf = (id: string): string => {
    const i = ctx.f.issued.indexOf(id);
    return i >= 0 ? `#${i}` : "?";
  };
  return {
    label: `listForUser(${USER_CODE[u]})`,
    tick: false,
    run: () => settle(ctx.f.sessions.listForUser(ctx.userName(u))),
    observe: (result) => {
      noted(ctx, result as Settled<unknown>);
      return { outcome: listedOutcome(ctx.f, result as Settled<StoredSessionInfo[]>) };
    },
    predict: (w, env) => ctx.rules.list(w, ctx.userName(u), env, nameOf),
    code: () => ({ expr: `listOutcome(f, ${USER_CODE[u]})`, outcome: (x) => x, after: () => [], statements: [] }),
  };
}
