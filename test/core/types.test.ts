// Type tests: test/types/session-types.ts must compile, and each of its
// expect-error lines must really be errors (tsc reports an unused
// expectation otherwise), so `session.get("nope")` on a typed session fails to compile.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";

test("a typed session rejects unknown keys and wrong value types at compile time", () => {
  const tsc = new URL("../../node_modules/typescript/bin/tsc", import.meta.url).pathname;
  const project = new URL("../types/tsconfig.json", import.meta.url).pathname;
  const result = spawnSync(process.execPath, [tsc, "-p", project], { encoding: "utf8" });
  const ownErrors = (result.stdout + result.stderr).split("\n").filter((l) => l.includes("session-types.ts"));
  assert.deepEqual(ownErrors, [], ownErrors.join("\n"));
});
