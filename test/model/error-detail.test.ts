/**
 * A model failure's message says what each failed step's error was, down its
 * cause chain (a StoreError from a file store's listForUser, seen once in a
 * million runs, was reported only as "StoreError": nothing to diagnose), and
 * never the run's secret, a cookie value or an id (R6).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { StoreError, hashSessionId } from "../../src/index.js";
import { errorDetail } from "./error-detail.js";
import { SECRET, openKind } from "./fixture.js";
import { forgedId, runFixture } from "./kit.js";
import { checkStep, listStep, type StepContext } from "./steps.js";
import { serverRules, type ServerWorld } from "./server-rules.js";

const CONFIG = { idleSeconds: 600, absoluteSeconds: undefined, graceSeconds: 60, format: "signed" } as const;

describe("a failed step's detail in a model failure", () => {
  for (const [name, step] of [
    ["listForUser", (ctx: StepContext<ServerWorld>) => listStep(ctx, 0)],
    ["a final check", (ctx: StepContext<ServerWorld>) => checkStep(ctx, forgedId(1), "forgedId(1)")],
  ] as const) {
    it(`${name} on a failing store keeps the error's cause chain with its messages`, async () => {
      const kind = await openKind("memory");
      const f = runFixture(kind, CONFIG);
      try {
        const ctx: StepContext<ServerWorld> = { f, rules: serverRules, userName: (u) => ["alice", "bob"][u]!, errors: [] };
        f.store.mode = "fail";
        const s = step(ctx);
        const result = await s.run();
        assert.deepEqual(s.observe(result).outcome, { ok: false, error: "StoreError", mayHaveApplied: false });
        const detail = errorDetail(result, () => [SECRET]);
        assert.match(detail ?? "", /^StoreError STORE_UNAVAILABLE: sessionkit: the memory store failed .* ← Error ECONNREFUSED: connection refused \(injected\) \[.*fault-store\.ts/);
        assert.equal(ctx.errors.length, 1, "the error is kept for the end-of-run leak check too");
      } finally {
        await f.close();
        await kind.close();
      }
    });
  }

  it("takes out the secret, cookie values, their hashes and any other id-like token, and keeps the rest", () => {
    const cookie = "eyJhIjoxfQ.Zx9.sig"; // a signed cookie: its parts are shorter than any token
    const id = createHash("sha256").update("an id").digest("base64url");
    const file = createHash("sha256").update("a file").digest("hex");
    const deepest = Object.assign(new Error(`EIO: i/o error, open '/tmp/s/${hashSessionId(id)}.json' near ${file}`), { code: "EIO" });
    const middle = new Error(`could not read ${id} with ${SECRET} for cookie ${cookie} */ end`, { cause: deepest });
    const error = new StoreError("file", "listForUser", middle);
    const detail = errorDetail({ ok: false, error }, () => [SECRET, cookie, id])!;
    for (const leak of [SECRET, cookie, id, hashSessionId(id), file]) assert.ok(!detail.includes(leak), `${leak.slice(0, 8)}… is in the detail`);
    assert.match(detail, /^StoreError STORE_UNAVAILABLE: .* ← Error: could not read <redacted> with <redacted> for cookie <redacted> \* \/ end ← Error EIO: EIO: i\/o error, open '\/tmp\/s\/<redacted>\.json' near <redacted> \[/);
  });

  it("ends a cause chain that loops, and describes a thrown non-Error; a step that succeeded has none", () => {
    const loop = new Error("a");
    (loop as { cause?: unknown }).cause = new Error("b", { cause: loop });
    assert.equal(errorDetail({ ok: false, error: loop }, () => [])?.split(" ← ").length, 2);
    assert.equal(errorDetail({ ok: false, error: "text" }, () => []), "a thrown string");
    assert.equal(errorDetail({ ok: true, value: 1 }, () => []), undefined);
  });
});
