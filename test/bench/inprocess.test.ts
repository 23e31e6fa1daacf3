// The in-process benchmark's arithmetic (bench/inprocess/): which issue #20
// target a row is held to, and how a run's rounds become the table's
// numbers. Plain inputs, no timing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { pairedDiff, spread } from "../../bench/inprocess/measure.js";
import { renderInprocess, targetOf } from "../../bench/inprocess/report.js";
import type { RowResult } from "../../bench/inprocess/rows.js";

test("each row is held to issue #20's target, against bare or against its floor", () => {
  assert.deepEqual(targetOf({ framework: "node", mode: "signed", scenario: "read" }), { limit: 2, basis: "bare" });
  assert.deepEqual(targetOf({ framework: "fastify", mode: "signed", scenario: "write" }), { limit: 14, basis: "bare" });
  assert.deepEqual(targetOf({ framework: "express", mode: "encrypted", scenario: "write" }), { limit: 15, basis: "bare" });
  assert.deepEqual(targetOf({ framework: "koa", mode: "signed", scenario: "read" }), { limit: 15, basis: "bare" });
  assert.deepEqual(targetOf({ framework: "node", mode: "redis", scenario: "read" }), { limit: 10, basis: "floor" });
  assert.deepEqual(targetOf({ framework: "node", mode: "sqlite", scenario: "write" }), { limit: 15, basis: "floor" });
  assert.equal(targetOf({ framework: "hono", mode: "signed", scenario: "read" }), undefined);
  assert.equal(targetOf({ framework: "node", mode: "encrypted", scenario: "read" }), undefined);
});

test("paired differences are taken round by round, and the spread gives median and quartiles", () => {
  assert.deepEqual(pairedDiff({ sk: [30, 31, 40], bare: [25, 27, 20] }, "sk", "bare"), [5, 4, 20]);
  assert.deepEqual(spread([4, 1, 3, 2]), { median: 2.5, p25: 1, p75: 3 });
  assert.deepEqual(spread([7]), { median: 7, p25: 7, p75: 7 });
});

test("the table judges each variant by its least batch, per run, and shows every run", () => {
  const run = (skLeast: number, floorLeast: number): RowResult[] => [
    { id: "node-redis", framework: "node", mode: "redis", scenario: "read", samples: { bare: [20, 21, 30], floor: [floorLeast, 60, 80], sk: [skLeast, 90, 200] } },
  ];
  const info = { date: "2026-12-03", node: "20", cpu: "cpu", cores: 2, loads: [[1, 1, 1]], options: { rounds: 3, batchMs: 2, warmupRequests: 10 } };
  const table = renderInprocess([run(66, 50), run(68, 51), run(64, 52)], info);
  const row = table.split("\n").find((line) => line.startsWith("| node redis | read |"));
  // least sk − least bare: 46 / 48 / 44 (spread 4). Paired per round in run 3: 44, 69, 170 (median 69, middle half 44–170:
  // the widest, 126). Least floor − least bare: 30 / 31 / 32 (median 31); beyond: 16 / 17 / 12, median 16 > 10.
  assert.equal(row, "| node redis | read | 20.0 | 66.0 | +46.0 / +48.0 / +44.0 | 4.0 | +69.0 / +69.0 / +69.0 | 126.0 | +31.0 | +16.0 / +17.0 / +12.0 | ≤ 10 (beyond) | **no** |");
});
