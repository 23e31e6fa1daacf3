/**
 * The model test as a fast-check property: generate a configuration and a
 * program, run it on one kind of storage, and on failure shrink it and
 * print the seed, the replay path and the shrunk run as a ready-to-paste
 * regression test. Used by test/model/lifecycle.test.ts (CI size) and
 * `npm run fuzz` (scripts/fuzz.ts, long runs).
 */
import fc from "fast-check";
import { cookieRules } from "./cookie-rules.js";
import { ModelViolation } from "./checker.js";
import type { OpenedKind } from "./fixture.js";
import { Harness } from "./harness.js";
import type { Script } from "./repro.js";
import { caseArb, type ModelCase } from "./program.js";
import type { BaseWorld, Rules } from "./rules.js";
import { serverRules } from "./server-rules.js";

/** Options of one model run. */
export interface ModelRunOptions {
  numRuns: number;
  /** Most actions per program. */
  maxActions: number;
  seed?: number | undefined;
  /** A replay path printed by an earlier failure. */
  path?: string | undefined;
  /** The cases to run (default: {@link caseArb} with `maxActions`). */
  cases?: fc.Arbitrary<ModelCase> | undefined;
  /** Called after each run with how many have run (progress of long runs). */
  onRun?: ((runs: number) => void) | undefined;
  /** Failures to pass over (by {@link signatureOf}), to look for others behind a known one. */
  ignore?: ((signature: string) => boolean) | undefined;
}

/** What a model run found. */
export interface ModelRunReport {
  runs: number;
  seed: number;
  failure?: { message: string; signature: string; path: string; repro: string };
}

function rulesFor(kind: OpenedKind): Rules<BaseWorld> {
  return (kind.mode === "server" ? serverRules : cookieRules) as unknown as Rules<BaseWorld>;
}

/**
 * Run the model test on one opened kind of storage.
 *
 * @example
 * const report = await runModel(await openKind("memory"), { numRuns: 1000, maxActions: 30 });
 */
export async function runModel(kind: OpenedKind, options: ModelRunOptions): Promise<ModelRunReport> {
  const seed = options.seed ?? (Date.now() ^ (Math.random() * 0x7fffffff));
  let last: { message: string; signature: string; title: string; script: Script } | undefined;
  let runs = 0;
  const property = fc.asyncProperty(options.cases ?? caseArb(options.maxActions), async (c: ModelCase) => {
    runs += 1;
    const h = new Harness(kind, rulesFor(kind), c.config);
    try {
      await h.run(c.setup, c.program);
    } catch (error) {
      const signature = signatureOf(error);
      if (options.ignore?.(signature) === true) return;
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      const title = error instanceof ModelViolation ? titleOf(error) : message.split("\n")[0]!;
      last = { message, signature, title, script: h.script };
      throw error;
    } finally {
      await h.dispose();
      options.onRun?.(runs);
    }
  });
  const details = await fc.check(property, {
    numRuns: options.numRuns,
    seed,
    ...(options.path !== undefined ? { path: options.path } : {}),
    endOnFailure: false,
  });
  if (!details.failed || last === undefined) return { runs, seed };
  const path = details.counterexamplePath ?? "";
  const replay = `seed ${seed}, path "${path}" (MODEL_SEED=${seed} MODEL_PATH="${path}" MODEL_STORE=${kind.name} MODEL_ACTIONS=${options.maxActions})`;
  return { runs, seed, failure: { message: last.message, signature: last.signature, path, repro: last.script.render(last.title, last.message, replay) } };
}

/**
 * What kind of failure an error is: the steps, what they were told, and the
 * guarantees behind what the model expected (ids and values left out).
 *
 * @example
 * signatureOf(violation); // "commit | delete | 5 login"
 */
export function signatureOf(error: unknown): string {
  if (!(error instanceof ModelViolation)) return error instanceof Error ? `${error.name}: ${error.message.split("\n")[0]}` : String(error);
  const steps = error.labels.map((l) => l.replace(/^r\d+ /, "").replace(/[([].*$/, "").trim()).join(" ‖ ");
  const observed = error.observed.map((o) => (o.ok ? ("cookie" in o ? o.cookie : "isNew" in o ? (o.isNew ? "fresh" : "live") : "ok") : o.error)).join(" ‖ ");
  const whys = [...new Set(error.expected.flatMap((e) => e.why.map((w) => w.split(":")[0]!)))].sort().join("; ");
  return `${steps} | ${observed} | ${whys}`;
}

/** A test title from a violation: the guarantee behind the first expectation, and the step. */
function titleOf(v: ModelViolation): string {
  const why = v.expected[0]?.why.find((w) => /^\d/.test(w)) ?? v.expected[0]?.why[0] ?? "the model";
  return `${why.split(":")[0]} (${v.labels.join(" ‖ ")})`;
}
