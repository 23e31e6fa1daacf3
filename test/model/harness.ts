/**
 * Runs one program against the real system and the model side by side.
 * Each action runs its real calls through the public API, then the checker
 * compares what they were told with the worlds the model still allows. At
 * the end, every open request finishes, and every cookie ever issued (or
 * forged) is loaded again, and the user index is listed, and checked too.
 */
import { ModelViolation, advance, type Sub } from "./checker.js";
import { errorDetail } from "./error-detail.js";
import { SECRET, type OpenedKind } from "./fixture.js";
import { forgedId, runFixture, tamper, type Fixture } from "./kit.js";
import { show } from "./outcome.js";
import { stepMs, type Action, type ModelConfig, type Op, type Sender, type SetupRequest, type UserIx } from "./program.js";
import { Script } from "./repro.js";
import type { BaseWorld, Env, Rules } from "./rules.js";
import { checkStep, commitStep, destroyAllStep, handlerStep, listStep, loadStep, type OpenRequest, type Step, type StepContext } from "./steps.js";

const USERS = ["alice", "bob"] as const;
/** Most requests open at once. */
const MAX_OPEN = 8;
let runs = 0;

/** A broken promise of the documentation: a cookie value, an id or the secret in an event or an error message. */
export class LeakViolation extends Error {
  override name = "LeakViolation";
}

/** A store write a step must not make: a load that writes, a commit of an unchanged session that writes data (8, R68). */
export class WriteViolation extends Error {
  override name = "WriteViolation";
}

/**
 * One run.
 *
 * @example
 * const h = new Harness(kind, serverRules, config);
 * try { await h.run(program); } finally { await h.dispose(); }
 */
export class Harness<W extends BaseWorld> {
  readonly f: Fixture;
  readonly script: Script;
  worlds: W[];
  readonly #ctx: StepContext<W>;
  readonly #open: OpenRequest[] = [];
  readonly #forged: { value: string; code: string }[] = [];
  readonly #suffix = `-${process.pid}-${++runs}`;
  /** A pause ends by itself once this many store calls are held. */
  #pauseCalls = 0;
  #n = 0;
  #v = 0;
  #placeholders = 0;

  constructor(
    kind: OpenedKind,
    readonly rules: Rules<W>,
    readonly config: ModelConfig,
  ) {
    this.f = runFixture(kind, config);
    this.script = new Script(kind.name, config);
    this.worlds = [rules.init()];
    this.#ctx = { f: this.f, rules, userName: (u) => `${USERS[u]}${this.#suffix}`, errors: [] };
  }

  /** Run the setup requests one after the other, then the program; finish every open request, and check everything issued. Throws ModelViolation or LeakViolation. */
  async run(setup: SetupRequest[], program: Action[]): Promise<void> {
    for (const { client, ops } of setup) {
      this.#request({ by: "client", client }, ops);
      const r = this.#open[this.#open.length - 1]!;
      while (r.stage !== "done") await this.#steps([this.#next(r)]);
    }
    for (const action of program) await this.#act(action);
    if (this.f.store.mode !== "ok" || this.f.store.heldCount > 0) await this.#recover();
    while (this.#open.length > 0) await this.#steps([this.#next(this.#open[0]!)]);
    for (const [i, value] of this.f.issued.entries()) await this.#steps([checkStep(this.#ctx, value, `issued[${i}]`)]);
    for (const { value, code } of this.#forged) await this.#steps([checkStep(this.#ctx, value, code)]);
    if (this.rules.mode === "server") for (const u of [0, 1] as const) await this.#steps([listStep(this.#ctx, u)]);
    this.#checkLeaks();
  }

  /** Release what a run holds (held store calls). */
  async dispose(): Promise<void> {
    await this.f.close();
  }

  async #act(a: Action): Promise<void> {
    switch (a.act) {
      case "request":
        return this.#request(a.from, a.ops);
      case "step": {
        if (this.#open.length > 0) await this.#steps([this.#next(this.#open[a.pick % this.#open.length]!)]);
        return;
      }
      case "burst": {
        const chosen = [...new Set(a.picks.map((p) => this.#open[p % Math.max(1, this.#open.length)]).filter((r) => r !== undefined))];
        const steps: Step<W>[] = chosen.map((r) => this.#next(r!));
        if (a.destroyAll !== null) steps.push(destroyAllStep(this.#ctx, a.destroyAll, undefined));
        if (steps.length > 0) await this.#steps(steps);
        return;
      }
      case "destroyAll": {
        const loaded = this.#open.filter((r) => r.session !== undefined);
        const except = a.except === null || loaded.length === 0 ? undefined : loaded[a.except % loaded.length];
        return this.#steps([destroyAllStep(this.#ctx, a.user, except)]);
      }
      case "advance": {
        const ms = stepMs(a.by, this.config);
        this.f.clock.advance(ms);
        this.script.line(() => `clock.advance(${ms}); // ${a.by}`);
        return;
      }
      case "fault":
        this.f.store.mode = a.mode;
        this.#pauseCalls = a.calls;
        this.script.line(() => `store.mode = "${a.mode}";${a.mode === "pause" ? ` // until ${a.calls} store call(s) are held` : ""}`);
        return;
      case "recover":
        return this.#recover();
    }
  }

  async #recover(): Promise<void> {
    await this.f.store.recover();
    this.script.line("await store.recover();");
  }

  #request(from: Sender, ops: Op[]): void {
    if (this.#open.length >= MAX_OPEN) return;
    const issued = this.f.issued;
    let client: 0 | 1 | 2 | undefined;
    let fixed: string | undefined;
    let senderCode: string;
    if (from.by === "client") {
      client = from.client;
      senderCode = `jar[${client}]`;
    } else if (from.by === "replay") {
      if (issued.length === 0) return;
      const i = from.pick % issued.length;
      fixed = issued[i];
      senderCode = `issued[${i}]`;
    } else if (from.how === "tamper" && issued.length > 0) {
      const i = from.pick % issued.length;
      fixed = tamper(issued[i]!);
      senderCode = `tamper(issued[${i}])`;
      this.#forged.push({ value: fixed, code: senderCode });
    } else {
      fixed = forgedId(from.pick);
      senderCode = `forgedId(${from.pick})`;
      this.#forged.push({ value: fixed, code: senderCode });
    }
    this.#open.push({ n: ++this.#n, client, fixed, senderCode, ops, values: ops.map(() => ++this.#v), stage: "load" });
  }

  #next(r: OpenRequest): Step<W> {
    if (r.stage === "load") return loadStep(this.#ctx, r);
    if (r.stage === "handler") return handlerStep(this.#ctx, r);
    return commitStep(this.#ctx, r);
  }

  /** Run steps at once (one, or a burst), check them against the model, and record them in the script. */
  async #steps(steps: Step<W>[]): Promise<void> {
    const store = this.f.store;
    const broken = store.mode !== "ok";
    const tick = steps.some((s) => s.tick);
    if (tick) this.f.clock.tick();
    const env: Env = { nowMs: this.f.clock.nowMs, config: this.config };
    store.writes.length = 0;
    const results = await Promise.all(steps.map((s) => s.run()));
    // A real call slower than the deadline (a busy machine) is a timeout the model must accept; let it land first.
    const slow = store.slow || store.slowInFlight;
    await store.settled();
    store.slow = false;
    const observed = steps.map((s, i) => s.observe(results[i]));
    const wrongWrites = this.#wrongWrites(steps, store.writes);
    if (wrongWrites !== undefined) {
      this.script.writesFailing(() => steps.map((s) => s.code()), tick, wrongWrites.allowed);
      throw new WriteViolation(wrongWrites.message);
    }
    for (let i = this.#open.length - 1; i >= 0; i--) if (this.#open[i]!.stage === "done") this.#open.splice(i, 1);
    const subs: Sub<W>[] = steps.map((s, i) => ({
      label: s.label,
      predict: (w) => s.predict(w, env),
      observed: observed[i]!.outcome,
      value: observed[i]!.value,
      detail: errorDetail(results[i], () => this.#secrets()),
      faulty: broken || slow,
    }));
    try {
      this.worlds = advance(this.rules, this.worlds, subs, () => `?${++this.#placeholders}`);
    } catch (error) {
      if (error instanceof ModelViolation) this.script.failing(() => steps.map((s) => s.code()), tick, error);
      throw error;
    }
    this.script.steps(() => steps.map((s) => s.code()), tick);
    if (store.mode === "pause" && store.heldCount >= this.#pauseCalls) await this.#recover();
  }

  /** 8 and R68: loads write nothing (but the removal of an expired record), a commit of an unchanged session nothing but a touch. */
  #wrongWrites(steps: Step<W>[], writes: readonly string[]): { allowed: string[]; message: string } | undefined {
    const allowed = new Set<string>();
    for (const s of steps) {
      const mine = s.writes?.();
      if (mine === undefined) return undefined;
      for (const w of mine) allowed.add(w);
    }
    const wrong = writes.filter((w) => !allowed.has(w));
    if (wrong.length === 0) return undefined;
    const message = `${steps.map((s) => s.label).join(" ‖ ")} called the store's ${[...new Set(wrong)].join(", ")}; a load writes nothing and an unchanged session is at most touched (8, R68)`;
    return { allowed: [...allowed], message };
  }

  /** What no event, error message or failure message may hold: the secret and every cookie value issued or forged. */
  #secrets(): string[] {
    return [SECRET, ...this.f.issued, ...this.#forged.map((f) => f.value)];
  }

  /** R6: no event and no error message holds the secret, a cookie value or an id. */
  #checkLeaks(): void {
    const secrets = this.#secrets();
    const texts = [...this.f.events.map((e) => show(e)), ...this.#ctx.errors.map((e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)))];
    for (const text of texts) {
      const i = secrets.findIndex((s) => text.includes(s));
      if (i >= 0) this.script.line("assertNoLeaks(f);");
      if (i >= 0) throw new LeakViolation(`R6: ${i === 0 ? "the secret" : "a cookie value"} appears in an event or error message: ${text.replace(secrets[i]!, "<redacted>")}`);
    }
  }

  /** How a user is named in this run. */
  userName(u: UserIx): string {
    return this.#ctx.userName(u);
  }
}
