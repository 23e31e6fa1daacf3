// The layering rule of STYLE.md, enforced: codec imports nothing from the
// package, core imports only codec, and neither imports an adapter, a store,
// a framework or a driver (so `import "sessionkit"` loads no driver).
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";

const root = new URL("../../src/", import.meta.url).pathname;

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (path.endsWith(".ts")) out.push(path);
  }
  return out;
}

function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const found: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^"'`]*?from\s*["']([^"']+)["']/g)) found.push(m[1]!);
  for (const m of text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)) found.push(m[1]!);
  for (const m of text.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)) found.push(m[1]!);
  return found;
}

test("codec imports only node builtins and its own modules", () => {
  const files = sources(join(root, "codec"));
  assert.ok(files.length > 0, "the codec has source files");
  for (const file of files) {
    for (const spec of imports(file)) {
      const ok = spec.startsWith("node:") || (spec.startsWith("./") && !spec.includes(".."));
      assert.ok(ok, `${relative(root, file)} imports ${spec}`);
    }
  }
});

test("core imports only node builtins, itself and the codec", () => {
  const files = [...sources(join(root, "core")), join(root, "index.ts")];
  for (const file of files) {
    for (const spec of imports(file)) {
      const ok =
        spec.startsWith("node:") ||
        (spec.startsWith("./") && !spec.includes("/adapters") && !spec.includes("/stores")) ||
        spec.startsWith("../codec/") ||
        (file.endsWith("index.ts") && !file.includes("/core/") && (spec.startsWith("./core/") || spec.startsWith("./codec/")));
      assert.ok(ok, `${relative(root, file)} imports ${spec}`);
    }
  }
});

test("the boundary check itself notices a forbidden import", () => {
  // Guards against a regex that silently matches nothing.
  const probe = join(root, "core", "manager.ts");
  assert.ok(imports(probe).includes("./store-mode.js"));
});
