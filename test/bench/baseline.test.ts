// --baseline=<ref> (bench/baseline.ts): an older commit's sessionkit is
// extracted without touching the repository, and the same benchmark file
// bundles against it, so only sessionkit differs between the two bundles.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { baselineArg, bundleAgainst, materialise } from "../../bench/baseline.js";
import { ROOT } from "../../bench/build.js";

test("the argument is read from the command line, and absent or empty means no baseline", () => {
  assert.equal(baselineArg(["--quick", "--baseline=4a05fee"]), "4a05fee");
  assert.equal(baselineArg(["--quick"]), undefined);
  assert.equal(baselineArg(["--baseline="]), undefined);
});

test("a ref's tree is extracted without a new worktree, and an entry that imports sessionkit and ../src bundles against it", async () => {
  const worktreesBefore = execFileSync("git", ["worktree", "list"], { cwd: ROOT, encoding: "utf8" });
  // HEAD, so that a clone of any depth has the ref; the extracted tree then gets an export the
  // current src lacks, and the bundle must find it.
  const base = materialise("HEAD");
  const out = mkdtempSync(join(tmpdir(), "sk-baseline-test-"));
  mkdirSync(join(ROOT, "bench", ".out"), { recursive: true });
  const entry = join(ROOT, "bench", ".out", `baseline-test-${process.pid}.ts`);
  try {
    assert.equal(base.commit, execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim());
    appendFileSync(join(base.dir, "src", "index.ts"), `\nexport const baselineMarker = "from the extracted tree";\n`);
    assert.ok(existsSync(join(base.dir, "src", "core", "manager.ts")));
    assert.equal(realpathSync(join(base.dir, "node_modules")), realpathSync(join(ROOT, "node_modules")));
    assert.equal(execFileSync("git", ["worktree", "list"], { cwd: ROOT, encoding: "utf8" }), worktreesBefore);
    writeFileSync(entry, `import * as kit from "sessionkit";\nimport { findCookie } from "../../src/core/cookie-header.js";\nexport const probe = [(kit as Record<string, unknown>).baselineMarker, typeof findCookie];\n`);
    const file = (await bundleAgainst(base, [relative(ROOT, entry)], out)).get(`baseline-test-${process.pid}`)!;
    const code = readFileSync(file, "utf8");
    assert.match(code, new RegExp(`sessionkit-baseline-${base.commit}`), "the bundle's sources come from the extracted tree");
    assert.doesNotMatch(code, new RegExp(`${ROOT}/src`), "nothing from the current src");
    const { probe } = (await import(file)) as { probe: string[] };
    assert.deepEqual(probe, ["from the extracted tree", "function"]);
  } finally {
    base.remove();
    rmSync(out, { recursive: true, force: true });
    rmSync(entry, { force: true });
  }
  assert.equal(existsSync(base.dir), false);
});

test("the side-by-side run's baseline table pairs each sessionkit row with its twin round by round, slower only when every round says so", async () => {
  const { renderBaseline } = await import("../../bench/baseline-report.js");
  const { SERVERS, baselineTwin } = await import("../../bench/registry.js");
  const { sample } = { sample: (cpu: number, rps: number) => ({ rps, cpuMicrosPerRequest: cpu, requests: 1, non2xx: 0, errors: 0, rate: 1000, fixedCpuMicrosPerRequest: cpu }) };
  const spec = SERVERS.find((s) => s.id === "sk-node-redis")!;
  const twin = baselineTwin(spec, "4a05fee");
  assert.equal(twin.id, "sk-node-redis@base");
  assert.equal(twin.library, "baseline");
  assert.equal(twin.script, spec.script);
  const samples = new Map([
    ["sk-node-redis/read", [sample(30, 1000), sample(33, 1000), sample(24, 1000)]],
    ["sk-node-redis@base/read", [sample(20, 1250), sample(30, 1000 / 1.2), sample(20, 1000)]],
    ["sk-node-redis/write", [sample(40, 1000), sample(30, 1000), sample(30, 1000)]],
    ["sk-node-redis@base/write", [sample(20, 1000), sample(40, 1000), sample(20, 1000)]],
  ]);
  const lines = renderBaseline([spec, twin], samples, "4a05fee (4a05fee)", [{ label: "sessionkit signed cookie @ 4a05fee on hono", reason: "does not build" }]).split("\n");
  // read: CPU 30/20 = 1.5, 33/30 = 1.1, 24/20 = 1.2, all above 1: slower. req/s 0.8, 1.2 and 1.
  assert.ok(lines.includes("| sessionkit redis store | node | read | 1.20 (1.10–1.50) | 1.00 (0.80–1.20) | **yes** |"), lines.join("\n"));
  // write: 2.0, 0.75, 1.5: not every round, not slower.
  assert.ok(lines.includes("| sessionkit redis store | node | write | 1.50 (0.75–2.00) | 1.00 (1.00–1.00) | no |"), lines.join("\n"));
  // A twin with no samples (refused by the sanity check, or it did not start) is said, not dropped.
  const refused = new Map([["sk-node-redis/read", [sample(30, 1000)]]]);
  assert.ok(renderBaseline([spec, twin], refused, "4a05fee (4a05fee)", []).split("\n").includes("| sessionkit redis store | node | read | not measured at the baseline: refused or did not start (see above) | | |"));
  // A twin that did not build is listed once, with its reason, not also as refused.
  const notBuilt = renderBaseline([spec, twin], refused, "main~3 (4a05fee)", [{ label: "sessionkit redis store @ 4a05fee on node", reason: "does not build" }]).split("\n");
  assert.equal(notBuilt.filter((l) => l.startsWith("| sessionkit redis store")).length, 1);
  // One round is no verdict, however large the ratio (a --quick run).
  const quick = new Map([["sk-node-redis/read", [sample(30, 1000)]], ["sk-node-redis@base/read", [sample(20, 1000)]]]);
  assert.ok(renderBaseline([spec, twin], quick, "x", []).split("\n").includes("| sessionkit redis store | node | read | 1.50 (1.50–1.50) | 1.00 (1.00–1.00) | — (under 3 rounds) |"));
  assert.ok(lines.includes("| sessionkit signed cookie @ 4a05fee on hono | | | not measured: does not build | | |"));
});
