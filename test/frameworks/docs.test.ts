/**
 * docs/frameworks.md shows code that needs a framework's own types, which
 * this repository does not install: such a block is a fragment whose marker
 * names the example app file it comes from. That file is built and driven
 * by the other tests of this folder; here each fragment must be that file's
 * own code, word for word, so the page cannot drift from what is proven.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { extractSnippets } from "../docs/snippets.js";

const repo = new URL("../../", import.meta.url).pathname;
const doc = "docs/frameworks.md";
const blocks = extractSnippets(readFileSync(join(repo, doc), "utf8"), doc);
const fragments = blocks.filter((b) => b.fragment !== undefined);

test("docs/frameworks.md: every fragment names the example file it comes from, and a test that builds or runs it", () => {
  assert.ok(fragments.length >= 6, `only ${fragments.length} fragments`);
  for (const block of fragments) {
    const [file, proof] = block.fragment!.split(/,\s*(?:built|run) by /);
    assert.match(file!, /^examples\/(next|react-router|sveltekit|h3)\//, `${doc}:${block.line}`);
    assert.ok(existsSync(join(repo, file!)), `${doc}:${block.line}: ${file} does not exist`);
    assert.ok(proof && existsSync(join(repo, proof)), `${doc}:${block.line}: name the test that builds or runs ${file}`);
  }
});

test("docs/frameworks.md: every fragment is its example file's own code", () => {
  const drifted: string[] = [];
  for (const block of fragments) {
    const file = block.fragment!.split(",")[0]!;
    if (!readFileSync(join(repo, file), "utf8").includes(block.code)) drifted.push(`${doc}:${block.line} is not in ${file}`);
  }
  assert.deepEqual(drifted, []);
});
