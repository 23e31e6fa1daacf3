/**
 * The model test checks something: each test here plants one bug a store
 * could have (a wrapper around the real MemoryStore that breaks one rule of
 * the Store contract) and runs a short program through the harness. The
 * model must reject the run on the broken store and accept the same run on
 * the real one, so a store with that bug cannot pass the model test.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { applyChangeSet, type Store } from "../../src/index.js";
import type { StoreContext } from "../../src/core/store.js";
import { MemoryStore } from "../../src/stores/memory.js";
import { ModelViolation } from "./checker.js";
import { IN_PROCESS_STORE_TIMEOUT_MS, type OpenedKind } from "./fixture.js";
import { Harness } from "./harness.js";
import type { Action, ModelConfig, Op, SetupRequest } from "./program.js";
import { serverRules } from "./server-rules.js";

/** The real store, method by method, so that a mutant can replace one. */
function forward(real: Store): Store {
  return {
    name: real.name,
    load: (id, ctx) => real.load(id, ctx),
    create: (id, record, ctx) => real.create(id, record, ctx),
    apply: (id, change, ctx) => real.apply(id, change, ctx),
    touch: (id, expiresAtMs, ctx) => real.touch(id, expiresAtMs, ctx),
    rotate: (oldId, newId, change, graceUntilMs, ctx) => real.rotate(oldId, newId, change, graceUntilMs, ctx),
    destroy: (id, ctx) => real.destroy(id, ctx),
    listForUser: (user, ctx) => real.listForUser!(user, ctx),
    destroyForUser: (user, except, ctx) => real.destroyForUser!(user, except, ctx),
  };
}

const request = (ops: Op[]): Action => ({ act: "request", from: { by: "client", client: 0 }, ops });
const step = (pick: number): Action => ({ act: "step", pick });
/** Load, handler and commit of the only open request. */
const whole: Action[] = [step(0), step(0), step(0)];
const setA: SetupRequest[] = [{ client: 0, ops: [{ op: "set", key: "a" }] }];
const loggedIn: SetupRequest[] = [{ client: 0, ops: [{ op: "login", user: 0, keep: [] }] }];
const config: ModelConfig = { idleSeconds: 600, absoluteSeconds: 3_600, graceSeconds: 60, format: "signed" };

interface Mutant {
  bug: string;
  guarantee: string;
  mutate(real: MemoryStore): Partial<Store>;
  setup: SetupRequest[];
  program: Action[];
}

const MUTANTS: Mutant[] = [
  {
    bug: "apply writes a destroyed session back",
    guarantee: "3 destroy wins",
    mutate: (real) => ({
      apply: async (id, change, ctx) => {
        const result = await real.apply(id, change, ctx);
        if (result !== "missing") return result;
        await real.create(id, applyChangeSet({ data: Object.create(null), createdAtMs: ctx.nowMs, expiresAtMs: ctx.nowMs }, change), ctx);
        return "ok";
      },
    }),
    setup: setA,
    program: [request([{ op: "set", key: "b" }]), step(0), request([{ op: "destroy" }]), step(1), step(1), step(1), step(0), step(0)],
  },
  {
    bug: "apply replaces the whole record with the request's changes",
    guarantee: "2 no lost updates",
    mutate: (real) => ({ apply: (id, change, ctx) => real.apply(id, { ...change, clear: true }, ctx) }),
    setup: setA,
    program: [request([{ op: "set", key: "b" }]), request([{ op: "set", key: "sudo" }]), step(0), step(1), step(0), step(0), step(0), step(0)],
  },
  {
    bug: "rotate copies the record and leaves the old id live and writable",
    guarantee: "4 one successor per regenerate race",
    mutate: (real) => ({
      rotate: async (oldId, newId, change, _graceUntilMs, ctx) => {
        const record = await real.load(oldId, ctx);
        if (record === undefined) return "missing";
        await real.create(newId, applyChangeSet(record, change), ctx);
        return "ok";
      },
    }),
    setup: setA,
    program: [request([{ op: "regenerate", keepData: true }]), request([{ op: "regenerate", keepData: true }]), step(0), step(1), step(0), step(0), step(0), step(0)],
  },
  {
    bug: "destroy does not follow the successor link",
    guarantee: "3 destroy wins (under every id)",
    mutate: (real) => ({
      destroy: async (id, ctx) => {
        const record = await real.load(id, ctx);
        const successor = record?.successor === undefined ? undefined : await real.load(record.successor, ctx);
        await real.destroy(id, ctx);
        if (record?.successor !== undefined && successor !== undefined) await real.create(record.successor, { ...successor, predecessor: undefined }, ctx);
      },
    }),
    setup: setA,
    program: [request([{ op: "destroy" }]), step(0), request([{ op: "regenerate", keepData: true }]), ...[1, 1, 1].map(step), step(0), step(0)],
  },
  {
    bug: "touch does not move the idle expiry",
    guarantee: "7 lazy touch keeps an active session alive",
    mutate: () => ({ touch: async () => true }),
    setup: setA,
    program: [{ act: "advance", by: "touch" }, request([]), ...whole, { act: "advance", by: "idle-" }, request([]), step(0)],
  },
  {
    bug: "destroyForUser ignores except",
    guarantee: "6 except survives",
    mutate: (real) => ({ destroyForUser: (user, _except, ctx) => real.destroyForUser(user, undefined, ctx) }),
    setup: loggedIn,
    program: [request([]), step(0), { act: "destroyAll", user: 0, except: 0 }, step(0), step(0)],
  },
  {
    bug: "rotate starts a new absolute timeout on a plain regenerate",
    guarantee: "4 regenerate keeps the absolute timeout's origin",
    mutate: (real) => ({ rotate: (oldId, newId, change, graceUntilMs, ctx: StoreContext) => real.rotate(oldId, newId, { ...change, createdAtMs: ctx.nowMs }, graceUntilMs, ctx) }),
    setup: loggedIn,
    program: [{ act: "advance", by: "second" }, request([{ op: "regenerate", keepData: true }]), ...whole],
  },
];

function kindOf(mutate: ((real: MemoryStore) => Partial<Store>) | undefined): OpenedKind {
  return {
    name: "memory",
    mode: "server",
    storeTimeoutMs: IN_PROCESS_STORE_TIMEOUT_MS,
    storeForRun: () => {
      const real = new MemoryStore({ maxEntries: 1_000 });
      return mutate === undefined ? real : { ...forward(real), ...mutate(real) };
    },
    close: async () => {},
  };
}

async function run(kind: OpenedKind, m: Mutant): Promise<unknown> {
  const h = new Harness(kind, serverRules, config);
  try {
    await h.run(m.setup, m.program);
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await h.dispose();
  }
}

describe("the model test catches a store that breaks the contract", () => {
  for (const m of MUTANTS) {
    it(`${m.guarantee}: a store where ${m.bug} fails the model; the real memory store passes the same run`, async () => {
      const caught = await run(kindOf(m.mutate), m);
      assert.ok(caught instanceof ModelViolation, `the model accepted a store where ${m.bug}${caught ? ` (it threw ${String(caught)})` : ""}`);
      const baseline = await run(kindOf(undefined), m);
      assert.equal(baseline, undefined, `the same run fails on the real memory store: ${String(baseline)}`);
    });
  }
});
