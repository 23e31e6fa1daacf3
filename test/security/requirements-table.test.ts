/**
 * SECURITY.md's requirement table is a claim; this test keeps it honest:
 * every requirement 1–84 has exactly one row, every covered or partial row
 * cites a test file that exists and a test name that appears in it and
 * carries the row's `R<number>`, and every other row gives a reason.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = new URL("../../", import.meta.url).pathname;
const text = readFileSync(join(root, "SECURITY.md"), "utf8");

interface Row {
  req: number;
  status: string;
  file: string;
  name: string;
}

function rows(): Row[] {
  const out: Row[] = [];
  for (const line of text.split("\n")) {
    const m = /^\|\s*R(\d+)\s*\|\s*([^|]*?)\s*\|\s*([^|]*?)\s*\|\s*(.*?)\s*\|\s*$/.exec(line);
    if (m) out.push({ req: Number(m[1]), status: m[2]!, file: m[3]!, name: m[4]! });
  }
  return out;
}

function testFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) testFiles(path, out);
    else if (name.endsWith(".ts")) out.push(path);
  }
  return out;
}

describe("SECURITY.md requirement table", () => {
  const table = rows();

  it("has exactly one row per requirement 1–84, in order", () => {
    assert.deepEqual(
      table.map((r) => r.req),
      Array.from({ length: 84 }, (_, i) => i + 1),
    );
  });

  it("uses only the four statuses, and every row not covered gives a reason", () => {
    for (const r of table) {
      assert.ok(["covered", "partial", "not yet", "n/a"].includes(r.status), `R${r.req}: status "${r.status}"`);
      if (r.status === "not yet" || r.status === "n/a") {
        assert.equal(r.file, "", `R${r.req}: no test file for a row that is not covered`);
        assert.ok(r.name.length > 40, `R${r.req}: a reason, not a word`);
      }
    }
  });

  it("cites, for every covered or partial row, a test that exists under that name and carries the row's number", () => {
    const sources = new Map(testFiles(join(root, "test")).map((f) => [f.slice(root.length), readFileSync(f, "utf8")]));
    for (const r of table.filter((row) => row.status === "covered" || row.status === "partial")) {
      assert.ok(r.file.startsWith("test/") && existsSync(join(root, r.file)), `R${r.req}: file ${r.file} exists`);
      const source = sources.get(r.file);
      assert.ok(source !== undefined, `R${r.req}: ${r.file} is a TypeScript file under test/`);
      assert.match(r.name, new RegExp(`(^|\\s)R${r.req}(\\s|$)`), `R${r.req}: the cited name carries R${r.req}`);
      // The name appears as the start of an it("…") title (template titles add a "(mode)" suffix), or as
      // the name of a shared fuzz property (test/fuzz/properties.ts, run by manager.property.test.ts).
      const quoted = [`it("${r.name}`, `it(\`${r.name}`, `it('${r.name}`, `name: "${r.name}"`];
      assert.ok(quoted.some((q) => source!.includes(q)), `R${r.req}: no test named "${r.name}" in ${r.file}`);
    }
  });

  it("says what each format protects, how to rotate secrets, and the production settings", () => {
    for (const heading of ["## Threat model", "## What each format protects", "## Rotating secrets without logging anyone out", "## Recommended production settings"]) {
      assert.ok(text.includes(heading), heading);
    }
    assert.match(text, /secrets: \[NEW, OLD\]/);
    assert.match(text, /integrity only/);
  });
});
