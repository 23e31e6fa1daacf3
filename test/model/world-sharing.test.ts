/**
 * The model's worlds share what a step does not change (see cloneWorld in
 * server-rules.ts and cookie-rules.ts): a world, once a step has cloned it,
 * is never changed again, so neither is anything it shares with its clones.
 * Here every world is frozen as it is cloned (objects and arrays frozen,
 * Maps and Sets made to throw on change), so a rule that edits a shared
 * object in place, and would so change a world the model still keeps,
 * throws and fails the run. And since they never change, the text of a
 * world's parts is kept between keys: every key is checked against a
 * rendering from scratch.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { openKind, type KindName } from "./fixture.js";
import { runModel } from "./run.js";
import { serverRules } from "./server-rules.js";
import { cookieRules } from "./cookie-rules.js";
import type { BaseWorld, Rules } from "./rules.js";

const refuse = (): never => {
  throw new TypeError("a world the model keeps was changed after a step cloned it");
};

/** Freeze a value and everything it holds (what a frozen world shares is frozen already). */
function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return;
  if (value instanceof Map) {
    Object.assign(value, { set: refuse, delete: refuse, clear: refuse });
    Object.freeze(value);
    for (const [k, v] of value) {
      deepFreeze(k);
      deepFreeze(v);
    }
  } else if (value instanceof Set) {
    Object.assign(value, { add: refuse, delete: refuse, clear: refuse });
    Object.freeze(value);
    for (const v of value) deepFreeze(v);
  } else {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
}

/** Run the model on a kind with every cloned world frozen and every key checked; how many worlds were cloned and keyed. */
async function frozenRun<W extends BaseWorld>(name: KindName, rules: Rules<W>, seed: number): Promise<{ clones: number; keys: number }> {
  const kind = await openKind(name);
  const { clone, key } = rules;
  let clones = 0;
  let keys = 0;
  (rules as { clone: (w: W) => W }).clone = (w) => {
    clones += 1;
    const copy = clone(w);
    deepFreeze(w);
    return copy;
  };
  (rules as { key: (w: W) => string }).key = (w) => {
    keys += 1;
    const k = key(w);
    assert.equal(k, key(w, new WeakMap()), "a world's key differs from its rendering from scratch: a part changed after it was keyed");
    return k;
  };
  try {
    const report = await runModel(kind, { numRuns: 150, maxActions: 24, seed });
    assert.equal(report.failure?.message, undefined);
  } finally {
    Object.assign(rules, { clone, key });
    await kind.close();
  }
  return { clones, keys };
}

describe("a world is never changed once a step has cloned it", () => {
  it("server-side rules (memory store)", async () => {
    const { clones, keys } = await frozenRun("memory", serverRules, 11);
    assert.ok(clones > 1_000 && keys > 200, `${clones} clones, ${keys} keys`);
  });
  it("cookie-mode rules (memory revocation store)", async () => {
    const { clones, keys } = await frozenRun("cookie-memory", cookieRules, 12);
    assert.ok(clones > 1_000 && keys > 200, `${clones} clones, ${keys} keys`);
  });
});
