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
 * The script of one run. A run records every step, and nearly every run
 * passes, so a record is kept as a closure and written out only when
 * {@link Script.render} is called (on a failure): building the text of
 * every step of every run was a tenth of the model test's time.
 *
 * @example
 * const script = new Script("memory", config);
 * script.line(() => "clock.advance(1000);");
 */
export class Script {
  /** The records, in order; each writes its lines when the script is rendered. */
  readonly #records: ((out: Out) => void)[] = [];

  constructor(
    readonly kind: KindName,
    readonly config: ModelConfig,
  ) {}

  /** A line, given as its text or as a function that makes it. */
  line(text: string | (() => string)): void {
    this.#records.push((out) => out.lines.push(typeof text === "string" ? text : text()));
  }

  /** A step or burst that the model accepted (its code is asked for only on render). */
  steps(codes: () => StepCode[], tick: boolean): void {
    this.#records.push((out) => writeSteps(out, codes(), tick));
  }

  /** The failing step or burst, asserted. */
  failing(codes: () => StepCode[], tick: boolean, violation: ModelViolation): void {
    this.#records.push((out) => {
      const c = codes();
      if (tick) out.lines.push("clock.tick();");
      const b = `b${++out.bursts}`;
      out.lines.push(`const ${b} = await Promise.all([${c.map((x) => x.expr).join(", ")}]);`);
      const observed = c.map((x, i) => x.outcome(`${b}[${i}]`));
      const why = [...new Set(violation.expected.flatMap((e) => e.why))].join("; ");
      out.lines.push(`assertOneOf([${observed.join(", ")}], [`);
      for (const e of violation.expected) out.lines.push(`    ${show(e.outcomes)},`);
      out.lines.push(`], ${JSON.stringify(why)});`);
    });
  }

  /** A step or burst that wrote to the store when it may not have, asserted on the store's record of writes. */
  writesFailing(codes: () => StepCode[], tick: boolean, allowed: string[]): void {
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
      ...this.#body().map((l) => `    ${l}`),
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

  /** The recorded statements, written out in order. */
  #body(): string[] {
    const out: Out = { lines: [], bursts: 0 };
    for (const record of this.#records) record(out);
    return out.lines;
  }
}

/** The statements being written, and how many bursts are named so far (`b1`, `b2`, …). */
interface Out {
  lines: string[];
  bursts: number;
}

/** One step as plain statements, several at once as a Promise.all named `b<n>`. */
function writeSteps(out: Out, codes: StepCode[], tick: boolean): void {
  if (tick) out.lines.push("clock.tick();");
  if (codes.length === 1) {
    out.lines.push(...codes[0]!.statements);
    return;
  }
  const b = `b${++out.bursts}`;
  out.lines.push(`const ${b} = await Promise.all([${codes.map((c) => c.expr).join(", ")}]);`);
  codes.forEach((c, i) => out.lines.push(...c.after(`${b}[${i}]`)));
}
