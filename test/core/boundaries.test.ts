// The layering of docs/architecture.md, enforced on the real tree: every
// import under src/ and examples/ (static, type, side-effect, re-export,
// dynamic, require) against the rules in test/helpers/boundaries.ts, and no
// import cycle anywhere in src/. The checker's own tests, which feed it each
// kind of forbidden import, are in boundaries-checker.test.ts.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { test } from "node:test";
import { checkBoundaries, type Layer, unitOf } from "../helpers/boundaries.js";
import { collectImports } from "../helpers/imports.js";

const repo = new URL("../../", import.meta.url).pathname;

/** What an example app's install and build make: not its source. */
const GENERATED = new Set(["node_modules", "build", ".next", ".svelte-kit", ".react-router", "next-env.d.ts"]);

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (GENERATED.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sources(path));
    else if (/\.[cm]?[jt]sx?$/.test(entry.name)) out.push(path);
  }
  return out;
}

const files = new Map<string, string>();
for (const path of [...sources(join(repo, "src")), ...sources(join(repo, "examples"))]) {
  files.set(relative(repo, path).split(sep).join("/"), readFileSync(path, "utf8"));
}
const manifest = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { name: string; exports: Record<string, unknown> };
const publicEntries = Object.keys(manifest.exports)
  .filter((key) => key !== "./package.json")
  .map((key) => (key === "." ? manifest.name : `${manifest.name}/${key.slice(2)}`));
const problems = checkBoundaries({ files, publicEntries });

/** The problems reported for files of one layer. */
function problemsOf(layer: Layer): string[] {
  return problems.filter((p) => !p.startsWith("import cycle") && unitOf(p.slice(0, p.indexOf(":")))?.layer === layer);
}

test("the checker sees the real tree: every layer has files, and their imports are parsed", () => {
  const layers = new Set([...files.keys()].map((path) => unitOf(path)?.layer));
  for (const layer of ["root", "runtime", "codec", "core", "stores", "adapters", "testing", "cli", "examples"] as const) {
    assert.ok(layers.has(layer), `no file of ${layer} was read`);
  }
  const manager = collectImports("src/core/manager.ts", files.get("src/core/manager.ts")!);
  assert.ok(manager.some((ref) => ref.specifier === "./store-mode.js" && ref.kind === "static"));
});

test("every file under src/ and examples/ belongs to a layer", () => {
  assert.deepEqual(problems.filter((p) => p.includes("belongs to no layer")), []);
});

test("codec imports only itself, the runtime seam and the runtime's types: no built-in", () => {
  assert.deepEqual(problemsOf("codec"), []);
});

test("the runtime's Web set imports no built-in; only its Node set uses node:crypto and node:zlib", () => {
  assert.deepEqual(problemsOf("runtime"), []);
  const node = collectImports("src/runtime/node.ts", files.get("src/runtime/node.ts")!);
  assert.ok(node.some((ref) => ref.specifier === "node:crypto"), "node.ts is read");
});

test("core and the root entry import only core, the codec and the runtime seam: no built-in", () => {
  assert.deepEqual([...problemsOf("core"), ...problemsOf("root")], []);
});

test("a store imports core, the codec, its own folder and stores/shared; its driver only as a type or lazily", () => {
  assert.deepEqual(problemsOf("stores"), []);
});

test("an adapter imports core, the adapters' shared modules, and its own framework's types", () => {
  assert.deepEqual(problemsOf("adapters"), []);
});

test("testing and the CLI import what they need, and nothing imports them back", () => {
  assert.deepEqual([...problemsOf("testing"), ...problemsOf("cli")], []);
});

test("examples import sessionkit only through its public entry points", () => {
  assert.deepEqual(problemsOf("examples"), []);
});

test("src/ has no import cycle", () => {
  assert.deepEqual(
    problems.filter((p) => p.startsWith("import cycle")),
    [],
  );
});
