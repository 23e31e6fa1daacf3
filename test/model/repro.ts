/**
 * The regression test a failing run prints: the same calls, in the same
 * order, through the public API, ending with an assertion that what the
 * failing step did is one of the outcomes the guarantees allow. The harness
 * records each step as it runs it (the run and the printed test use the
 * same kit functions, so they do the same thing).
 */
import type { ModelViolation } from "./checker.js";
import { show } from "./outcome.js";
import type { KindName } from "./fixture.js";
import type { ModelConfig } from "./program.js";

/** How a step is written in the printed test. */
export interface StepCode {
  /** An expression of the step's promise (a Settled value, or an outcome for checks). */
  expr: string;
  /** Turns the awaited result (`x`) into the step's outcome. */
  outcome: (x: string) => string;
  /** Statements once the result (`x`) is known: the response arriving, the request's session kept. */
  after: (x: string) => string[];
  /** The step as plain statements, when it is neither in a burst nor the failing one. */
  statements: string[];
}

const SERVICES: readonly KindName[] = ["redis", "postgres", "cookie-redis"];
/** The kit's functions a printed test may call. */
const KIT = ["arrive", "assertNoLeaks", "assertOneOf", "assertWrites", "checkOutcome", "commitOutcome", "cookieHeader", "countOutcome", "forgedId", "handlerOutcome", "listOutcome", "loadOutcome", "openFixture", "settle", "tamper", "value"];

/**
 * The script of one run.
 *
 * @example
 * const script = new Script("memory", config);
 * script.line("clock.advance(1000);");
 */
export class Script {
  readonly #lines: string[] = [];
  #bursts = 0;

  constructor(
    readonly kind: KindName,
    readonly config: ModelConfig,
  ) {}

  line(text: string): void {
    this.#lines.push(text);
  }

  /** A step or burst that the model accepted. */
  steps(codes: StepCode[], tick: boolean): void {
    if (tick) this.line("clock.tick();");
    if (codes.length === 1) {
      for (const s of codes[0]!.statements) this.line(s);
      return;
    }
    const b = `b${++this.#bursts}`;
    this.line(`const ${b} = await Promise.all([${codes.map((c) => c.expr).join(", ")}]);`);
    codes.forEach((c, i) => c.after(`${b}[${i}]`).forEach((s) => this.line(s)));
  }

  /** The failing step or burst, asserted. */
  failing(codes: StepCode[], tick: boolean, violation: ModelViolation): void {
    if (tick) this.line("clock.tick();");
    const b = `b${++this.#bursts}`;
    this.line(`const ${b} = await Promise.all([${codes.map((c) => c.expr).join(", ")}]);`);
    const observed = codes.map((c, i) => c.outcome(`${b}[${i}]`));
    const allowed = violation.expected.map((e) => `    ${show(e.outcomes)},`);
    const why = [...new Set(violation.expected.flatMap((e) => e.why))].join("; ");
    this.line(`assertOneOf([${observed.join(", ")}], [`);
    for (const a of allowed) this.line(a);
    this.line(`], ${JSON.stringify(why)});`);
  }

  /** A step or burst that wrote to the store when it may not have, asserted on the store's record of writes. */
  writesFailing(codes: StepCode[], tick: boolean, allowed: string[]): void {
    this.line("store.writes.length = 0;");
    this.steps(codes, tick);
    this.line(`assertWrites(store, ${JSON.stringify(allowed)});`);
  }

  /**
   * The whole test file.
   *
   * @example
   * writeFileSync("test/model/regressions/x.test.ts", script.render("title", "why", "seed 1"));
   */
  render(title: string, explanation: string, replay: string): string {
    const c = this.config;
    const config = `{ idleSeconds: ${c.idleSeconds}, absoluteSeconds: ${c.absoluteSeconds}, graceSeconds: ${c.graceSeconds}, format: "${c.format}" }`;
    const service = SERVICES.includes(this.kind);
    const body = [
      `it(${JSON.stringify(`${title} [${this.kind}]`)}, async () => {`,
      `  const f = await openFixture("${this.kind}", ${config});`,
      "  const { sessions, clock, store, jar, issued } = f;",
      "  try {",
      ...this.#lines.map((l) => `    ${l}`),
      "  } finally {",
      "    await f.close();",
      "  }",
      "});",
    ];
    const indent = (lines: string[]) => lines.map((l) => (l ? `  ${l}` : l));
    const used = (names: string[]) => names.filter((n) => body.some((l) => new RegExp(`\\b${n}\\(`).test(l)));
    return [
      "/**",
      ` * Found by the model test (test/model) on the ${this.kind} store: ${replay}.`,
      ...explanation.split("\n").map((l) => ` * ${l}`.trimEnd()),
      " */",
      'import { it } from "node:test";',
      ...(service ? ['import { serviceUnavailable } from "../../../src/testing/index.js";', 'import { kindUnavailable } from "../fixture.js";'] : []),
      'import { commit } from "../fixture.js";',
      `import { ${used(KIT).join(", ")} } from "../kit.js";`,
      "",
      ...(service
        ? [`const skip = await kindUnavailable("${this.kind}");`, `if (skip) serviceUnavailable(${JSON.stringify(title)}, skip);`, "else {", ...indent(body), "}"]
        : body),
      "",
    ].join("\n");
  }
}
