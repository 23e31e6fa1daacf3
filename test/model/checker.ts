/**
 * Checks what the system did against the model. A step (or a burst of steps
 * run concurrently) is compared with every world still possible: each world
 * gives the outcomes the guarantees allow, in every order the concurrent
 * steps could have taken effect; the worlds whose outcomes equal what was
 * observed survive. None surviving is a violation.
 *
 * While the store is broken (or was too slow), a step may also fail with a
 * StoreError: with `mayHaveApplied` false nothing of it landed (guarantee 1);
 * with it true, both worlds stay possible (it landed, or it did not).
 */
import { matches, show, type Outcome } from "./outcome.js";
import type { Alt, BaseWorld, Rules } from "./rules.js";

/** One step of a burst: how the model predicts it, what was observed, and whether the store was broken meanwhile. */
export interface Sub<W> {
  label: string;
  predict: (w: W) => Alt<W>[];
  observed: Outcome;
  /** The cookie value a commit set, when it set one. */
  value?: string | undefined;
  /** For a failed step: its error and cause chain, with messages, secrets and ids taken out (printed, never compared). */
  detail?: string | undefined;
  faulty: boolean;
}

/** A step whose observation no world explains. */
export class ModelViolation extends Error {
  constructor(
    readonly labels: string[],
    readonly observed: Outcome[],
    /** Every outcome tuple the model allowed, with the reasons behind it. */
    readonly expected: { outcomes: Outcome[]; why: string[] }[],
    details: (string | undefined)[] = [],
  ) {
    super(describe(labels, observed, expected, details));
    this.name = "ModelViolation";
  }
}

function describe(labels: string[], observed: Outcome[], expected: { outcomes: Outcome[]; why: string[] }[], details: (string | undefined)[]): string {
  const lines = [`the model rejects what ${labels.join(" ‖ ")} did`, `  observed: ${show(observed)}`];
  if (details.some((d) => d !== undefined)) lines.push(`  errors: ${details.map((d) => d ?? "-").join(" ‖ ")}`);
  lines.push("  the guarantees allow:");
  for (const e of expected.slice(0, 8)) lines.push(`    ${show(e.outcomes)}    (${[...new Set(e.why)].join("; ")})`);
  if (expected.length > 8) lines.push(`    … and ${expected.length - 8} more`);
  return lines.join("\n");
}

/** Under a fault, a step may also fail with a StoreError; with mayHaveApplied, its effect may have landed unseen. */
function withFaults<W>(alts: Alt<W>[], placeholder: () => string): Alt<W>[] {
  const why = "9 a broken store is a StoreError (1: mayHaveApplied false means nothing landed)";
  const out: Alt<W>[] = [...alts, { outcome: { ok: false, error: "StoreError", mayHaveApplied: false }, why }];
  out.push({ outcome: { ok: false, error: "StoreError", mayHaveApplied: true }, why: `${why}; it did not land` });
  for (const a of alts) {
    if (a.outcome.ok !== true || a.apply === undefined) continue;
    const apply = a.apply;
    out.push({ outcome: { ok: false, error: "StoreError", mayHaveApplied: true }, why: `${a.why} (landed unseen)`, apply: (w) => apply(w, placeholder()) });
  }
  return out;
}

function permutations(n: number): number[][] {
  if (n <= 1) return [[...Array(n).keys()]];
  const out: number[][] = [];
  for (const rest of permutations(n - 1)) for (let i = 0; i <= rest.length; i++) out.push([...rest.slice(0, i), n - 1, ...rest.slice(i)]);
  return out;
}

/** Most worlds kept at once; more means the model is not narrowing down, which is itself worth a look. */
const MAX_WORLDS = 256;

/**
 * Advance the worlds by one step or burst; throws a ModelViolation when no world explains it.
 *
 * @example
 * worlds = advance(rules, worlds, [{ label: "r1 load", predict: (w) => rules.load(w, 1, cookie, env), observed, faulty: false }], placeholder);
 */
export function advance<W extends BaseWorld>(rules: Rules<W>, worlds: W[], subs: Sub<W>[], placeholder: () => string): W[] {
  const paths = explore(rules, worlds, subs, placeholder, true);
  // Most steps leave one world: nothing to merge, so no key to build (a key renders the whole world).
  if (paths.length === 1) return [paths[0]!.w];
  const next = new Map<string, W>();
  for (const path of paths) if (next.size < MAX_WORLDS) next.set(rules.key(path.w), path.w);
  if (next.size > 0) return [...next.values()];
  // Nothing fits: explore again without pruning, to say what the guarantees allowed.
  const expected = new Map<string, { outcomes: Outcome[]; why: string[] }>();
  for (const path of explore(rules, worlds, subs, placeholder, false)) {
    const k = show(path.outcomes);
    if (!expected.has(k)) expected.set(k, { outcomes: path.outcomes, why: path.why });
  }
  throw new ModelViolation(subs.map((s) => s.label), subs.map((s) => s.observed), [...expected.values()], subs.map((s) => s.detail));
}

interface Path<W> {
  w: W;
  outcomes: Outcome[];
  why: string[];
}

/** Every path through the burst, from every world, in every order; with `prune`, only those matching what was observed. */
function explore<W extends BaseWorld>(rules: Rules<W>, worlds: W[], subs: Sub<W>[], placeholder: () => string, prune: boolean): Path<W>[] {
  const out: Path<W>[] = [];
  for (const world of worlds) {
    for (const order of permutations(subs.length)) {
      let paths: Path<W>[] = [{ w: world, outcomes: [], why: [] }];
      for (const i of order) {
        const sub = subs[i]!;
        const grown: Path<W>[] = [];
        for (const path of paths) {
          const base = sub.predict(path.w);
          for (const alt of sub.faulty ? withFaults(base, placeholder) : base) {
            const fits = matches(alt.outcome, sub.observed);
            if (prune && !fits) continue;
            const outcomes = [...path.outcomes];
            outcomes[i] = alt.outcome;
            let w = path.w;
            if (alt.apply !== undefined || alt.reply !== undefined) {
              w = rules.clone(path.w);
              const setsCookie = alt.outcome.ok === true && "cookie" in alt.outcome && alt.outcome.cookie === "new";
              if (alt.apply?.(w, fits && setsCookie ? sub.value : placeholder()) === false) continue;
              alt.reply?.(w);
            }
            grown.push({ w, outcomes, why: [...path.why, alt.why] });
          }
        }
        paths = grown;
      }
      out.push(...paths);
    }
  }
  return out;
}
