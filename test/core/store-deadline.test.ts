/**
 * Core's deadline on store calls (src/core/timeout.ts). On Node the calls
 * of one `storeTimeoutMs` share one timer, so what a timer per call gave for
 * free is checked here: each call ends at its own deadline, never before,
 * whatever the calls around it do; a call that answers in time is never
 * abandoned; and a finished call leaves nothing that keeps the process alive.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { MemoryStore } from "../../src/stores/memory.js";
import { StoreError } from "../../src/core/errors.js";
import type { SessionEvent } from "../../src/core/events.js";
import type { StoreContext, StoreRecord } from "../../src/core/store.js";
import { cookieFrom, sessionsOn } from "../../src/testing/index.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const TIMEOUT_MS = 150;

/** A memory store whose loads wait `delays[i]` ms (Infinity: forever) in turn, keeping each call's context. */
class SlowStore extends MemoryStore {
  readonly contexts: StoreContext[] = [];
  constructor(readonly delays: number[]) {
    super();
  }
  override async load(idHash: string, ctx: StoreContext): Promise<StoreRecord | undefined> {
    const delay = this.delays[this.contexts.length] ?? 0;
    this.contexts.push(ctx);
    if (delay === Infinity) return new Promise<never>(() => {});
    if (delay > 0) await sleep(delay);
    return super.load(idHash, ctx);
  }
}

describe("store calls under their deadline", () => {
  it("each hung call ends at its own deadline, never before, while calls beside it answer and are not abandoned", async () => {
    // Loads in order: the login's check below makes none; then hung, quick, hung, slow-but-in-time, hung.
    const store = new SlowStore([Infinity, 0, Infinity, 60, Infinity]);
    const events: SessionEvent[] = [];
    const sessions = sessionsOn(store, { storeTimeoutMs: TIMEOUT_MS, onEvent: (e) => events.push(e) });
    const login = await sessions.load(undefined);
    login.set("user", "ada");
    const cookie = cookieFrom((await sessions.commit(login, { status: 200 })).setCookie);

    const load = async (): Promise<{ outcome: "ok" | StoreError; ms: number }> => {
      const started = performance.now();
      const outcome = await sessions.load(cookie).then(
        (s) => (assert.equal(s.get("user"), "ada"), "ok" as const),
        (e: unknown) => e as StoreError,
      );
      return { outcome, ms: performance.now() - started };
    };
    const first = load();
    const quick = load();
    await sleep(40);
    const second = load();
    const inTime = load();
    await sleep(40);
    const third = load();
    const results = await Promise.all([first, quick, second, inTime, third]);

    for (const i of [0, 2, 4]) {
      const { outcome, ms } = results[i]!;
      assert.ok(outcome instanceof StoreError && outcome.timedOut, `call ${i} timed out, got ${String(outcome)}`);
      assert.ok(ms >= TIMEOUT_MS - 5 && ms < 5_000, `call ${i} ended ${ms.toFixed(0)} ms after it started`);
      assert.equal(store.contexts[i]!.abandoned, true, `call ${i} is abandoned`);
    }
    for (const i of [1, 3]) {
      assert.equal(results[i]!.outcome, "ok", `call ${i} answered`);
      assert.equal(store.contexts[i]!.abandoned, false, `call ${i} was not given up on`);
    }
    assert.deepEqual(
      events.filter((e) => e.type === "store_error"),
      [0, 2, 4].map(() => ({ type: "store_error", store: "memory", operation: "load", timedOut: true })),
    );
  });

  it("a call that answers after its deadline stays failed, and its context stays abandoned", async () => {
    const store = new SlowStore([TIMEOUT_MS + 100]);
    const sessions = sessionsOn(store, { storeTimeoutMs: TIMEOUT_MS });
    const login = await sessions.load(undefined);
    login.set("user", "ada");
    const cookie = cookieFrom((await sessions.commit(login, { status: 200 })).setCookie);
    const outcome = await sessions.load(cookie).catch((e: unknown) => e);
    assert.ok(outcome instanceof StoreError && outcome.timedOut);
    await sleep(200);
    assert.equal(store.contexts[0]!.abandoned, true);
  });

  it("a process whose store calls have finished exits at once, however long storeTimeoutMs is", () => {
    // A timer left running for the deadline would hold the process for storeTimeoutMs (60 s here).
    const script = [
      `const { createSessions } = await import(${JSON.stringify(new URL("../../src/index.ts", import.meta.url).href)});`,
      `const { MemoryStore } = await import(${JSON.stringify(new URL("../../src/stores/memory.ts", import.meta.url).href)});`,
      'const sessions = createSessions({ secret: "a-test-secret-of-enough-length-0123456789", store: new MemoryStore(), storeTimeoutMs: 60000 });',
      "const s = await sessions.load(undefined);",
      's.set("n", 1);',
      "const { setCookie } = await sessions.commit(s, { status: 200 });",
      'const again = await sessions.load(setCookie[0].split(";")[0]);',
      'console.log(again.get("n"));',
    ].join("\n");
    const started = performance.now();
    const run = spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 40_000 });
    const ms = performance.now() - started;
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), "1");
    assert.ok(ms < 30_000, `exited after ${ms.toFixed(0)} ms`);
  });
});
