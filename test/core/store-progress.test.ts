/**
 * A store call that works batch by batch (log out everywhere of a user with
 * thousands of sessions) may take longer in all than `storeTimeoutMs`: each
 * batch it reports through `ctx.progress()` starts the deadline again, so it
 * is never cut off while it makes headway, and a batch that hangs still is.
 * The store here is the memory store with its log-out-everywhere spread over
 * timed batches, as a networked store's is.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MemoryStore } from "../../src/stores/memory.js";
import { StoreError } from "../../src/core/errors.js";
import type { StoreContext } from "../../src/core/store.js";
import { cookieFrom, sessionsOn } from "../../src/testing/index.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const TIMEOUT_MS = 150;

/** MemoryStore whose destroyForUser takes `batches` steps of `stepMs` each, reporting progress after each when `reports`. */
class BatchedStore extends MemoryStore {
  constructor(readonly steps: number[], readonly reports: boolean) {
    super();
  }
  override async destroyForUser(userId: string, exceptIdHash: string | undefined, ctx: StoreContext): Promise<number> {
    for (const ms of this.steps) {
      await sleep(ms);
      if (this.reports) ctx.progress?.();
    }
    return super.destroyForUser(userId, exceptIdHash, ctx);
  }
}

async function logOutEverywhere(store: BatchedStore): Promise<{ result: number | StoreError; ms: number; endedForIt: boolean }> {
  const sessions = sessionsOn(store, { storeTimeoutMs: TIMEOUT_MS });
  const s = await sessions.load(undefined);
  await s.login("ada");
  const cookie = cookieFrom((await sessions.commit(s, { status: 200 })).setCookie);
  const started = performance.now();
  const result = await sessions.destroyAllForUser("ada").catch((e: unknown) => e as StoreError);
  const ms = performance.now() - started;
  const again = await sessions.load(cookie);
  return { result, ms, endedForIt: again.isNew };
}

describe("a store call that reports progress", () => {
  it("is not cut off while each batch finishes within storeTimeoutMs, however long the whole takes", async () => {
    const { result, ms, endedForIt } = await logOutEverywhere(new BatchedStore([60, 60, 60, 60, 60], true));
    assert.equal(result, 1, "the session was ended and counted");
    assert.equal(endedForIt, true, "its cookie now loads a fresh session");
    assert.ok(ms > TIMEOUT_MS * 1.5, `the whole call outlasted one deadline (${ms.toFixed(0)} ms), so it was the progress that kept it alive`);
  });

  it("the same batches without progress reports time out at storeTimeoutMs", async () => {
    const { result } = await logOutEverywhere(new BatchedStore([60, 60, 60, 60, 60], false));
    assert.ok(result instanceof StoreError && result.timedOut, `a timeout, got ${String(result)}`);
  });

  it("a batch that hangs after progress was reported still times out", async () => {
    const { result, ms } = await logOutEverywhere(new BatchedStore([60, 60, 5_000], true));
    assert.ok(result instanceof StoreError && result.timedOut, `a timeout, got ${String(result)}`);
    assert.ok(ms < 2_000, `cut off one deadline after the last progress, not at the end of the hang (${ms.toFixed(0)} ms)`);
  });
});
