/**
 * The model-based test of the session lifecycle (SECURITY.md, "What the
 * model test proves"): on every kind of storage, MODEL_RUNS random
 * interleavings (default 1,000; three times as many on the in-process
 * kinds, which cost little) of concurrent requests, "log out everywhere",
 * clock moves and store faults, each checked against the reference model of
 * the documented guarantees. A failure prints the seed, the replay path and
 * the shrunk run as a ready-to-paste regression test.
 *
 * MODEL_STORE=memory,redis to run some kinds only; MODEL_SEED and
 * MODEL_PATH to replay; MODEL_ACTIONS for longer programs.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { serviceUnavailable } from "../../src/testing/index.js";
import { KINDS, kindUnavailable, openKind, type KindName } from "./fixture.js";
import { runModel } from "./run.js";

const RUNS = Number(process.env.MODEL_RUNS ?? 1_000);
const ACTIONS = Number(process.env.MODEL_ACTIONS ?? 24);
const SEED = process.env.MODEL_SEED !== undefined ? Number(process.env.MODEL_SEED) : undefined;
const chosen = (process.env.MODEL_STORE ?? "").split(",").filter(Boolean);
const kinds: KindName[] = chosen.length > 0 ? KINDS.filter((k) => chosen.includes(k)) : [...KINDS];
/** Kinds with no server to wait for: more runs in the same wall time as the slowest kind. */
const IN_PROCESS = new Set<KindName>(["memory", "sqlite", "cookie-memory"]);
const runsOf = (name: KindName): number => (IN_PROCESS.has(name) && process.env.MODEL_PATH === undefined ? RUNS * 3 : RUNS);

// The kinds run concurrently: most of a run on Redis or PostgreSQL is waiting for the server.
describe(`session lifecycle model (${RUNS} runs or more of up to ${ACTIONS} actions per kind of storage)`, { concurrency: true }, async () => {
  for (const name of kinds) {
    const skip = await kindUnavailable(name);
    if (skip !== undefined) {
      serviceUnavailable(`model: ${name}`, skip);
      continue;
    }
    it(`every interleaving agrees with the model of the documented guarantees [${name}]`, async () => {
      const kind = await openKind(name);
      const started = performance.now();
      try {
        const report = await runModel(kind, { numRuns: runsOf(name), maxActions: ACTIONS, seed: SEED, path: process.env.MODEL_PATH });
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        if (report.failure) {
          process.stderr.write(`\nmodel [${name}]: FAILED after ${report.runs} runs (${seconds} s)\n${report.failure.message}\n\n--- regression test ---\n${report.failure.repro}\n`);
          assert.fail(`the ${name} run broke a documented guarantee (seed ${report.seed}, path ${report.failure.path}); the shrunk run is printed above as a regression test`);
        }
        process.stderr.write(`model [${name}]: ${report.runs} runs in ${seconds} s, seed ${report.seed}\n`);
      } finally {
        await kind.close();
      }
    });
  }
});
