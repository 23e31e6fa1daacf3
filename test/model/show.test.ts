/**
 * `show` keys every world the model checker keeps, so two worlds merge
 * exactly when their renderings are equal: it must render what the
 * definition it replaced rendered (JSON.stringify with a replacer that turns
 * Maps into objects, Sets into sorted arrays and sorts every object's keys),
 * or the checker would merge worlds that differ, or keep equal ones twice.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { show } from "./outcome.js";
import { openKind, type KindName } from "./fixture.js";
import type { BaseWorld, Rules } from "./rules.js";
import { runModel } from "./run.js";
import { serverRules } from "./server-rules.js";
import { cookieRules } from "./cookie-rules.js";

/** The definition: what `show` was before it was written out by hand. */
function reference(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof Map) return Object.fromEntries([...v].sort(([a], [b]) => (String(a) < String(b) ? -1 : 1)));
    if (v instanceof Set) return [...v].sort();
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)));
    }
    return v;
  });
}

// Keys like the worlds' (field names, data keys, user names) and the awkward ones: integer-like, "__proto__", quotes, non-ASCII.
const key = fc.oneof(fc.constantFrom("a", "b", "sudo", "_flashes", "0", "1", "10", "9", "01", "4294967295", "__proto__", 'q"uote', "é"), fc.string());
const leaf = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(-0, Number.NaN, Number.POSITIVE_INFINITY, 1e21, 5e-7),
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.date({ noInvalidDate: true }),
);
const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(key, tie("value"), { maxKeys: 4 }),
    fc.array(fc.tuple(key, tie("value")), { maxLength: 4 }).map((entries) => new Map(entries)),
    fc.array(fc.oneof(fc.integer({ min: -20, max: 20 }), fc.string({ maxLength: 3 }), fc.constant(undefined)), { maxLength: 5 }).map((xs) => new Set(xs)),
  ),
}));

describe("show renders what JSON.stringify with the sorting replacer renders", () => {
  it("for generated values: nested Maps, Sets, arrays, objects, integer-like keys, NaN, -0, dates, undefined", () => {
    fc.assert(
      fc.property(value, (v) => {
        assert.equal(show(v), reference(v));
      }),
      { numRuns: 5_000 },
    );
  });

  it("for every world the model builds in real runs of both modes", async () => {
    assert.ok((await worldsBuilt("memory", serverRules)) > 1_000);
    assert.ok((await worldsBuilt("cookie-memory", cookieRules)) > 1_000);
  });
});

/** Run the model on a kind and compare the rendering of every world a step leads to (each is a clone first) with the definition's; how many. */
async function worldsBuilt<W extends BaseWorld>(name: KindName, rules: Rules<W>): Promise<number> {
  const kind = await openKind(name);
  const clone = rules.clone;
  let worlds = 0;
  (rules as { clone: (w: W) => W }).clone = (w) => {
    worlds += 1;
    assert.equal(show(w), reference(w));
    return clone(w);
  };
  try {
    const report = await runModel(kind, { numRuns: 100, maxActions: 24, seed: 7 });
    assert.equal(report.failure, undefined);
  } finally {
    (rules as { clone: (w: W) => W }).clone = clone;
    await kind.close();
  }
  return worlds;
}
