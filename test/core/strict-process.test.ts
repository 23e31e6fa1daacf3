/**
 * The suite fails on any unhandled rejection or uncaught exception, wherever
 * it happens: in a test, after a test ended, or in a server callback. That is
 * what lets the security tests say "never crashes": a crash they did not
 * think of still fails CI. Proven by running the README's runner
 * (scripts/test.mjs) on fixture files that each leak one.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const root = new URL("../../", import.meta.url).pathname;
const fixtures = join(root, "test/fixtures/strict-process");

function run(file: string): { status: number | null; output: string } {
  // Without NODE_TEST_CONTEXT: inside a test, node's runner would report to this one instead of exiting with its own status.
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const result = spawnSync(process.execPath, [join(root, "scripts/test.mjs"), join(fixtures, file)], { cwd: root, env, encoding: "utf8", timeout: 120_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("the test runner fails on anything unhandled", () => {
  for (const [file, marker] of [
    ["leaked-rejection.fixture.ts", "leaked on purpose"],
    ["late-exception.fixture.ts", "thrown on purpose after the test ended"],
    ["server-crash.fixture.ts", "handler bug on purpose"],
  ] as const) {
    it(`fails the run: ${file}`, () => {
      const { status, output } = run(file);
      assert.notEqual(status, 0, `scripts/test.mjs passed although ${file} leaked`);
      assert.ok(output.includes(marker), "the leaked error is reported");
    });
  }

  it("passes a clean file (the runner itself is not what fails)", () => {
    const { status, output } = run("clean.fixture.ts");
    assert.equal(status, 0, output.slice(-2000));
  });
});
