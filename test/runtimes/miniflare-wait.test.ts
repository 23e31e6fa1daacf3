/**
 * The futex loop test/helpers/miniflare-wait.ts puts around Miniflare's
 * `Atomics.wait(cell, 0, 0)`: a stale `notify` that leaves the cell at 0 is
 * waited out; the wait ends when the cell changes. Other shapes of the call
 * are passed through.
 */
import "../helpers/miniflare-wait.js";
import assert from "node:assert/strict";
import { test } from "node:test";
import { Worker } from "node:worker_threads";

/** A thread that notifies `cell` once without changing it (the stale wakeup), then stores 1 and notifies. */
const NOTIFIER = `
const { workerData, parentPort } = require("node:worker_threads");
const cell = new Int32Array(workerData);
const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
// Notify, cell unchanged, until the notify wakes the main thread (it is then surely waiting).
let stale = 0;
while (Atomics.notify(cell, 0) === 0) { stale += 1; pause(5); }
pause(50);
Atomics.store(cell, 0, 1);
Atomics.notify(cell, 0);
parentPort.postMessage(stale + 1);
`;

test("a notify that leaves the cell unchanged does not end Miniflare's wait; the change does", async () => {
  const shared = new SharedArrayBuffer(4);
  const cell = new Int32Array(shared);
  const worker = new Worker(NOTIFIER, { eval: true, workerData: shared });
  const notified = new Promise<number>((resolve) => worker.once("message", resolve));
  // "not-equal" too: the change may land between the stale wakeup and the loop's next wait.
  assert.ok(["ok", "not-equal"].includes(Atomics.wait(cell, 0, 0)));
  assert.equal(Atomics.load(cell, 0), 1, "the wait ended on the change, not on the stale notify");
  assert.ok((await notified) >= 1);
  await worker.terminate();
});

test("other shapes of Atomics.wait are passed through: with a timeout it times out", () => {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  assert.equal(Atomics.wait(cell, 0, 0, 10), "timed-out");
  assert.equal(Atomics.wait(cell, 0, 1), "not-equal");
});
