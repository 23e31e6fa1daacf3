// The in-process benchmark's arithmetic (bench/inprocess/): which issue #20
// target a row is held to, and how a run's rounds become the table's
// numbers, and that the loop turns the event loop. Plain inputs, no timing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { measureRow, pairedDiff, spread, TURN_EVERY, type Variant } from "../../bench/inprocess/measure.js";
import { renderInprocess, targetOf } from "../../bench/inprocess/report.js";
import { variant, type RowResult } from "../../bench/inprocess/rows.js";

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

test("cold reads and the manager-only rows are held to no #20 target", () => {
  assert.equal(targetOf({ framework: "node", mode: "signed", scenario: "read-cold" }), undefined);
  assert.equal(targetOf({ framework: "core", mode: "signed", scenario: "write" }), undefined);
});

test("with a baseline, a second table gives current over baseline per run and calls a row slower only when every run and the rounds agree", () => {
  const info = { date: "2026-12-03", node: "20", cpu: "cpu", cores: 2, loads: [[1, 1, 1]], options: { rounds: 3, batchMs: 2, warmupRequests: 10 }, baseline: "4a05fee (4a05fee)" };
  const run = (skLeast: number): RowResult[] => [
    { id: "core-signed", framework: "core", mode: "signed", scenario: "read", samples: { bare: [1, 1, 1], sk: [skLeast, skLeast + 1, skLeast + 2], base: [4, 4, 4] } },
    { id: "core-signed", framework: "core", mode: "signed", scenario: "write", samples: { bare: [1, 1, 1], sk: [10, 10, 10], base: [8, 12, 20] } },
    { id: "node-sqlite", framework: "node", mode: "sqlite", scenario: "read", samples: { bare: [1], sk: [2] }, noBaseline: "the baseline cannot run this row (x)" },
  ];
  const table = renderInprocess([run(5), run(6)], info).split("\n");
  assert.ok(table.includes("### Against the baseline 4a05fee (4a05fee), in the same rounds"));
  // read: least 5 / 6 over least 4: 1.25 / 1.50; per round sk − base = 1, 2, 3 and 2, 3, 4 (medians 2 and 3, middle halves 2 wide): slower.
  assert.ok(table.includes("| core signed | read | 5.5 | 4.0 | 1.25 / 1.50 | 0.25 | +2.0 / +3.0 | 2.0 | **yes** |"), table.join("\n"));
  // write: least 10 over least 8 is 1.25, but the rounds say −2 (2, −2, −10): not slower.
  assert.ok(table.includes("| core signed | write | 10.0 | 8.0 | 1.25 / 1.25 | 0.00 | -2.0 / -2.0 | 12.0 | no |"), table.join("\n"));
  assert.ok(table.includes("| node sqlite | read | 2.0 | — | the baseline cannot run this row (x) | | | | |"));
});

test("the pieces table gives each piece's least and median batch per run, in the order measured", () => {
  const info = { date: "2026-12-03", node: "20", cpu: "cpu", cores: 2, loads: [[1, 1, 1]], options: { rounds: 3, batchMs: 2, warmupRequests: 10 } };
  const rows: RowResult[] = [{ id: "core-signed", framework: "core", mode: "signed", scenario: "read", samples: { bare: [1], sk: [2] } }];
  const floors = [
    [{ name: "one HMAC", least: 2829.4, median: 3163.2 }, { name: "one Set-Cookie", least: 64, median: 68 }],
    [{ name: "one HMAC", least: 2901, median: 3000 }, { name: "one Set-Cookie", least: 70.6, median: 71 }],
  ];
  const table = renderInprocess([rows, rows], info, floors).split("\n");
  assert.ok(table.includes("| one HMAC | 2829 (3163) / 2901 (3000) |"), table.join("\n"));
  assert.ok(table.includes("| one Set-Cookie | 64 (68) / 71 (71) |"));
  assert.equal(renderInprocess([rows], info).includes("pieces a request cannot skip"), false, "no pieces measured, no table");
});

test("the measurement turns the event loop every TURN_EVERY requests, so work a request leaves to setImmediate never piles up", async () => {
  // A request that, like light-my-request's null socket, leaves a callback to the next turn of the event loop.
  let waiting = 0;
  let most = 0;
  const leavesWork: Variant = {
    name: "bare",
    run: async () => {
      waiting += 1;
      most = Math.max(most, waiting);
      setImmediate(() => (waiting -= 1));
    },
  };
  const { samples, health } = await measureRow([leavesWork, { ...leavesWork, name: "sk" }], { rounds: 3, batchMs: 0.001, warmupRequests: 3 * TURN_EVERY + 7 });
  assert.ok(most <= TURN_EVERY, `${most} requests waited for a turn at once`);
  assert.equal(waiting, 0, "the last batch ended on a turn");
  assert.equal(samples.sk!.length, 3);
  assert.equal(health.requests % TURN_EVERY, 0, "every batch ends on a turn");
  assert.deepEqual(Object.keys(health.gcShare).sort(), ["bare", "sk"]);
});

test("the header says how much heap the rows kept and how much of the batches was GC, when the rows recorded it", () => {
  const info = { date: "2026-12-04", node: "20", cpu: "cpu", cores: 2, loads: [[1, 1, 1]], options: { rounds: 3, batchMs: 2, warmupRequests: 10 } };
  const row = (start: number, end: number, sk: number): RowResult => ({
    id: "node-signed", framework: "node", mode: "signed", scenario: "read", samples: { bare: [1], sk: [2] },
    health: { requests: 50, heapStartMB: start, heapEndMB: end, gcShare: { bare: 0, sk } },
  });
  const table = renderInprocess([[row(12, 14, 0.02)], [row(13, 11, 0.1)]], info).split("\n");
  assert.ok(table.includes("Heap in use after a full GC (no event-loop turn first) at each row's start and end: 11–14 MB, at most +2.0 MB within a row. GC pauses inside the timed batches, per row and variant, share of the batches' wall time: median 1.0%, at most 10.0%."), table.join("\n"));
  const without = renderInprocess([[{ ...row(1, 1, 0), health: undefined }]], info);
  assert.equal(without.includes("Heap in use"), false);
});

test("a /read that answers no user is a lost session: it throws, or is counted for the baseline, never measured as a read", async () => {
  // 4a05fee's Redis store set a TTL of 1 s on every key, so its /read answered 200 with no user after a second: a cheaper path.
  const answers = (body: string) => async () => ({ status: 200, body, setCookie: [] as string[] });
  await variant("sk", answers("alice"), "/read", ["c"]).run();
  await assert.rejects(variant("sk", answers(""), "/read", ["c"]).run(), /answered no user/);
  const lost = { reads: 0 };
  const base = variant("base", answers(""), "/read", ["c"], lost);
  await base.run();
  await base.run();
  assert.equal(lost.reads, 2);
  await variant("sk", answers("7"), "/write", ["c"]).run();
});
