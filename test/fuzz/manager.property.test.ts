/**
 * The fuzzing properties of test/fuzz/properties.ts, bounded for CI:
 * `FC_RUNS` cases each (default 200, so the file takes well under 30 s).
 * `npm run fuzz` runs the same properties for a million cases in total.
 */
import { describe, it } from "node:test";
import fc from "fast-check";
import { PROPERTIES } from "./properties.js";

const FC_RUNS = Number(process.env.FC_RUNS ?? 200);

describe(`fuzz properties (${FC_RUNS} runs each; FC_RUNS to change)`, () => {
  for (const p of PROPERTIES) {
    it(p.name, async () => {
      await fc.assert(p.property() as fc.IAsyncPropertyWithHooks<unknown>, { numRuns: FC_RUNS });
    });
  }
});
