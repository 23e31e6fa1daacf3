/**
 * The same bytes from both primitive sets, through the whole codec: a child
 * process started with `--conditions=sessionkit-web` (package.json `imports`
 * then resolves `#runtime` to the Web set: Web Crypto, no Buffer) writes
 * every format for fixed data and time, and must write exactly what this
 * process (the Node set) writes; each reads the other's cookies, encrypted
 * ones included (random salts: compared by what they open to). Then the
 * suites that only use the async API (the Flask golden vectors, the Web and
 * Hono adapters) run again, whole, on the Web set.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { runtime } from "#runtime";
import { probe, type ProbeAnswer, type ProbeJob } from "./codec-probe.js";

const repo = new URL("../../", import.meta.url).pathname;
const WEB = ["--conditions=sessionkit-web", "--conditions=source", "--import", "tsx"];

const DATA: Record<string, unknown>[] = [
  {},
  { user: "tom", n: 42 },
  { _permanent: true, csrf_token: "3f1c2a9be0d44c7e8f6a5b4c3d2e1f00", cart: ["a", "b", "c"], "üñï": "çødé ☃" },
  { long: "x".repeat(600), list: Array.from({ length: 40 }, (_, i) => ({ id: i, name: `item-${i}` })) }, // compressed
];
const SECRETS = ["cross-runtime-secret-0123456789abcdef0123", "an-older-secret-0123456789abcdef012345678"];
const NOW = 1_800_000_000;

function runWeb(job: ProbeJob): ProbeAnswer {
  const child = spawnSync(process.execPath, [...WEB, "test/runtime/codec-probe.ts"], { cwd: repo, input: JSON.stringify(job), encoding: "utf8" });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout) as ProbeAnswer;
}

test("this process runs the Node set (the condition `node` wins without sessionkit-web)", () => {
  assert.equal(runtime.name, "node");
});

test("every format: the Web set writes the Node set's exact bytes, and each reads the other's cookies", async () => {
  const ours = await probe({ secrets: SECRETS, nowSeconds: NOW, data: DATA, open: {} });
  assert.ok(ours.written.signed[3]!.startsWith("."), "one signed cookie is compressed");
  assert.ok(ours.written.flask[3]!.startsWith("."), "one flask cookie is compressed");
  const theirs = runWeb({ secrets: SECRETS, nowSeconds: NOW, data: DATA, open: { ...ours.written, flask: [...ours.written.flask, `${ours.written.flask[1]!}x`] } });
  assert.equal(theirs.runtime, "web");
  assert.deepEqual(theirs.written.flask, ours.written.flask);
  assert.deepEqual(theirs.written.signed, ours.written.signed);
  // What the Node set reads from its own cookies (keys sorted, as Flask writes them) is what the Web set reads.
  const self = await probe({ secrets: SECRETS, nowSeconds: NOW, data: [], open: ours.written });
  const expected = self.opened.signed!;
  assert.equal(expected.length, DATA.length);
  assert.deepEqual(JSON.parse(expected[1]!), DATA[1]);
  for (const format of ["flask", "signed", "encrypted"] as const) assert.deepEqual(theirs.opened[format]!.slice(0, DATA.length), self.opened[format], format);
  assert.equal(theirs.opened.flask![DATA.length], "error: BadTimeSignature", "a tampered cookie is refused on the Web set too");
  // The other way: the Node set opens the Web set's encrypted cookies (random salts, so compared by content).
  const back = await probe({ secrets: SECRETS, nowSeconds: NOW, data: [], open: { encrypted: theirs.written.encrypted } });
  assert.deepEqual(back.opened.encrypted, expected);
  assert.notDeepEqual(theirs.written.encrypted, ours.written.encrypted, "fresh salts per cookie");
});

test("the golden Flask vectors and the Web and Hono adapter suites pass on the Web set", () => {
  const files = ["test/codec/flask-vectors.test.ts", "test/adapters/web.test.ts", "test/adapters/hono.test.ts"];
  // Without NODE_TEST_CONTEXT the child reports in TAP, not to this runner; the vectors file checks SESSIONKIT_EXPECT_RUNTIME.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const child = spawnSync(process.execPath, [...WEB, "--test", "--test-reporter=tap", ...files], { cwd: repo, encoding: "utf8", env: { ...env, SESSIONKIT_EXPECT_RUNTIME: "web" }, maxBuffer: 64 << 20 });
  const summary = /# pass (\d+)\n# fail (\d+)/.exec(child.stdout);
  assert.equal(child.status, 0, child.stdout.split("\n").filter((l) => /not ok|Error/.test(l)).slice(0, 20).join("\n") + child.stderr);
  assert.ok(summary && Number(summary[1]) >= 130 && summary[2] === "0", summary?.[0]);
});
