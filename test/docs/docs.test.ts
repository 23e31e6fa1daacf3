// Every code block in the documentation compiles and the runnable ones run.
// The TypeScript blocks of README.md, SECURITY.md, ARCHITECTURE.md, docs/*.md
// and examples/tutorial/README.md are type-checked one by one, as a reader
// would paste each, under the repo's tsconfig.json and under a fresh
// `tsc --init`'s strictness (test/types/tsconfig.strict.json: strict,
// exactOptionalPropertyTypes). Blocks marked `<!-- run: NAME -->` are
// started and driven by a scenario. The conventions are in ./snippets.ts.
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { compilerOptions, typecheck } from "../helpers/typecheck.js";
import { SCENARIOS, startSnippet } from "./scenarios.js";
import { DOCUMENTS, TS_LANGS, extractSnippets, syntaxErrors, toDocPosition, writeSnippets, type Snippet } from "./snippets.js";

const repo = new URL("../../", import.meta.url).pathname;
// Inside the repository, so that `sessionkit` resolves to it as it does for the tests.
const out = join(repo, "test-output", "docs");
rmSync(out, { recursive: true, force: true });
after(() => rmSync(out, { recursive: true, force: true }));

const all = DOCUMENTS.flatMap((doc) => extractSnippets(readFileSync(join(repo, doc), "utf8"), doc));
const typescript = all.filter((s) => TS_LANGS.has(s.lang));
const written = DOCUMENTS.flatMap((doc) => writeSnippets(typescript.filter((s) => s.doc === doc), join(out, doc.replace(/[/.]/g, "_"))));
const where = (s: Snippet): string => `${s.doc}:${s.line}`;

test("the documentation has TypeScript to check, and every block names its language", () => {
  assert.ok(typescript.length >= 15, `only ${typescript.length} TypeScript blocks found`);
  assert.deepEqual(all.filter((s) => s.lang === "").map(where), [], "name the language of each block (text for a diagram)");
});

test("every marker is understood: scenarios exist, fragments say why and parse, named modules are unique", () => {
  const problems: string[] = [];
  for (const s of all) {
    if ((s.run || s.fragment !== undefined) && !TS_LANGS.has(s.lang)) problems.push(`${where(s)}: a marker on a ${s.lang} block`);
    if (s.run && !(s.run in SCENARIOS)) problems.push(`${where(s)}: no scenario "${s.run}" in test/docs/scenarios.ts`);
    if (s.fragment !== undefined && s.fragment.length < 10) problems.push(`${where(s)}: a fragment must say why it is one`);
    if (s.run && s.fragment !== undefined) problems.push(`${where(s)}: a fragment cannot run`);
    if (s.strayMarker) problems.push(`${where(s)}: "${s.strayMarker}" is neither <!-- run: NAME --> nor <!-- fragment: WHY -->`);
    if (s.fragment !== undefined) problems.push(...syntaxErrors(s.code, s.lang).map((e) => `${where(s)}: ${e}`));
  }
  for (const doc of DOCUMENTS) {
    const names = typescript.filter((s) => s.doc === doc && s.module).map((s) => s.module!);
    if (new Set(names).size !== names.length) problems.push(`${doc}: two blocks are the same module`);
  }
  const used = new Set(typescript.map((s) => s.run).filter(Boolean));
  for (const name of Object.keys(SCENARIOS)) if (!used.has(name)) problems.push(`scenario "${name}" runs no block`);
  assert.deepEqual(problems, []);
});

for (const [name, config] of [
  ["tsconfig.json", join(repo, "tsconfig.json")],
  ["a fresh tsc --init: strict, exactOptionalPropertyTypes", join(repo, "test/types/tsconfig.strict.json")],
] as const) {
  test(`every TypeScript block compiles as shown (${name})`, () => {
    const options = compilerOptions(config);
    const errors = written.filter((w) => w.snippet.fragment === undefined).flatMap((w) => typecheck([w.file], options).map((e) => toDocPosition(e, w)));
    assert.deepEqual(errors, []);
  });
}

for (const w of written.filter((x) => x.snippet.run)) {
  test(`${where(w.snippet)} runs: ${w.snippet.run}`, async () => {
    const app = await startSnippet(w.file, { cwd: join(w.file, ".."), nodeArgs: ["--conditions=source", "--import", "tsx"] });
    try {
      await SCENARIOS[w.snippet.run!]!(app.url);
    } finally {
      await app.stop();
    }
  });
}
