// The package as npm delivers it: build, `npm pack`, install the tarball into
// a fresh app with its own package.json, and, against what was installed
// (dist's JavaScript and declarations, never src), compile the type fixtures
// of test/types/app and every documented TypeScript block under a fresh
// `tsc --init`'s settings, then run the documented programs and drive them.
// One build and one install serve every check. The frameworks and type
// packages the blocks import are linked from the repo's node_modules, as a
// user's app would have them installed.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import type ts from "typescript";
import { compilerOptions, typecheck } from "../helpers/typecheck.js";
import { SCENARIOS, startSnippet } from "../docs/scenarios.js";
import { DOCUMENTS, TS_LANGS, extractSnippets, toDocPosition, writeSnippets } from "../docs/snippets.js";

const tsc = createRequire(import.meta.url)("typescript") as typeof ts;
const repo = new URL("../../", import.meta.url).pathname;
const out = join(repo, "test-output", "tarball");
const stage = join(out, "stage");
const app = join(out, "app");
const installed = join(app, "node_modules", "sessionkit");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

const snippets = DOCUMENTS.flatMap((doc) => extractSnippets(readFileSync(join(repo, doc), "utf8"), doc)).filter(
  (s) => TS_LANGS.has(s.lang) && s.fragment === undefined,
);
const fixtures = readdirSync(join(repo, "test/types/app")).filter((f) => f.endsWith(".ts"));
let written: ReturnType<typeof writeSnippets> = [];
let options: ts.CompilerOptions;

/** Copy what `npm pack` would ship, except dist/, which is built fresh into the copy. */
function stagePackage(): void {
  const listing = execFileSync(npm, ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: repo, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const [report] = JSON.parse(listing) as { files: { path: string }[] }[];
  for (const { path } of report!.files) {
    if (path.startsWith("dist/")) continue;
    mkdirSync(dirname(join(stage, path)), { recursive: true });
    cpSync(join(repo, path), join(stage, path));
  }
  execFileSync(process.execPath, [join(repo, "node_modules/tsup/dist/cli-default.js"), "--out-dir", join(stage, "dist")], { cwd: repo, stdio: "pipe" });
}

/** The packages a set of sources imports by a bare name (not sessionkit, not node's own). */
function importedPackages(sources: string[]): Set<string> {
  const names = new Set<string>();
  for (const source of sources) {
    for (const [, specifier] of source.matchAll(/(?:from|import)\s+"([^".][^"]*)"/g)) {
      if (specifier!.startsWith("node:") || specifier!.startsWith("sessionkit")) continue;
      const parts = specifier!.split("/");
      names.add(specifier!.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!);
    }
  }
  return names;
}

/** Link a package (and its @types package, when there is one) from the repo's node_modules into the app. */
function link(name: string): void {
  for (const candidate of [name, `@types/${name.replace(/^@/, "").replace("/", "__")}`]) {
    const source = join(repo, "node_modules", candidate);
    const target = join(app, "node_modules", candidate);
    if (!existsSync(source) || existsSync(target)) continue;
    mkdirSync(dirname(target), { recursive: true });
    symlinkSync(source, target, "dir");
  }
}

before(() => {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  stagePackage();
  const [packed] = JSON.parse(execFileSync(npm, ["pack", "--json", "--ignore-scripts", "--pack-destination", out], { cwd: stage, encoding: "utf8" })) as { filename: string }[];
  mkdirSync(app, { recursive: true });
  // Its own package scope and its own install, as a user's app.
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "docs-app", private: true, type: "module" }, null, 2));
  execFileSync(npm, ["install", join(out, packed!.filename), "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts"], { cwd: app, stdio: "pipe" });
  const sources = [...snippets.map((s) => s.code), ...fixtures.map((f) => readFileSync(join(repo, "test/types/app", f), "utf8"))];
  // Every peer (each entry point's declarations name its framework or driver), what the blocks import, and node's types.
  const { peerDependencies } = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { peerDependencies: Record<string, string> };
  for (const name of ["node", "@hono/node-server", ...Object.keys(peerDependencies), ...importedPackages(sources)]) link(name);
  // What a fresh `tsc --init` writes (test/types/tsconfig.strict.json), without the repo's "source" condition.
  const strict = JSON.parse(readFileSync(join(repo, "test/types/tsconfig.strict.json"), "utf8")) as { compilerOptions: Record<string, unknown> };
  delete strict.compilerOptions.customConditions;
  writeFileSync(join(app, "tsconfig.json"), JSON.stringify({ compilerOptions: strict.compilerOptions, files: [] }, null, 2));
  options = compilerOptions(join(app, "tsconfig.json"));
  written = DOCUMENTS.flatMap((doc) => writeSnippets(snippets.filter((s) => s.doc === doc), join(app, "docs", doc.replace(/[/.]/g, "_"))));
  cpSync(join(repo, "test/types/app"), join(app, "types"), { recursive: true });
});
after(() => rmSync(out, { recursive: true, force: true }));

test("the app uses the installed package, not the repository's sources", () => {
  // In a child: this test process runs with the repo's "source" condition, which the app's node does not have.
  const script = `console.log(JSON.stringify([import.meta.resolve("sessionkit/express"), import.meta.resolve("sessionkit")]))`;
  const resolved = JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: app, encoding: "utf8" })) as string[];
  assert.deepEqual(resolved, [`file://${join(installed, "dist", "express.js")}`, `file://${join(installed, "dist", "index.js")}`]);
  assert.ok(!existsSync(join(installed, "test")), "the tarball ships no tests");
  assert.ok(existsSync(join(installed, "dist", "express.d.ts")));
});

test("the published declarations compile in a strict app, library check included", () => {
  const declarations = readdirSync(join(installed, "dist"), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".d.ts") && !f.startsWith("cli/"))
    .map((f) => join(installed, "dist", f));
  assert.ok(declarations.length >= 16, "every entry point has its declarations");
  assert.deepEqual(typecheck(declarations, { ...options, skipLibCheck: false }), []);
});

test("an app's SessionData reaches every adapter through the published declarations", () => {
  const files = fixtures.map((f) => join(app, "types", f));
  assert.deepEqual(typecheck(files, options), []);
});

test("every documented TypeScript block compiles against the installed package", () => {
  assert.ok(written.some((w) => w.snippet.doc === "docs/adapters.md" && w.snippet.code.includes("sessionkit/koa")), "the adapters' programs are checked");
  const errors = written.flatMap((w) => typecheck([w.file], options).map((e) => toDocPosition(e, w)));
  assert.deepEqual(errors, []);
});

test("the documented programs run from the installed package: the Quick start logs in, each framework counts visits", async () => {
  const runnable = written.filter((w) => w.snippet.run);
  assert.ok(runnable.some((w) => w.snippet.run === "quick-start"));
  // A user runs JavaScript: each block is emitted beside its source (named modules too, for their importers).
  for (const w of written) {
    // The app is "type": "module": emit ES modules (transpileModule cannot read package.json to learn it).
    const emit = { ...options, module: tsc.ModuleKind.ESNext, moduleResolution: tsc.ModuleResolutionKind.Bundler, noEmit: false };
    const js = tsc.transpileModule(readFileSync(w.file, "utf8"), { compilerOptions: emit }).outputText;
    writeFileSync(w.file.replace(/\.ts$/, ".js"), js);
  }
  for (const w of runnable) {
    const running = await startSnippet(w.file.replace(/\.ts$/, ".js"), { cwd: dirname(w.file), nodeArgs: [] });
    try {
      await SCENARIOS[w.snippet.run!]!(running.url);
    } catch (error) {
      throw new Error(`${w.snippet.doc}:${w.snippet.line} (${w.snippet.run}) from the tarball: ${(error as Error).message}`, { cause: error });
    } finally {
      await running.stop();
    }
  }
});
