import { readFileSync } from "node:fs";
import { defineConfig } from "tsup";

// One bundle per public entry point, ESM and CommonJS, with declarations.
// The entry points are package.json's `exports`: each names its TypeScript
// `source` and where its bundle goes (`import.default`, `./dist/<name>.js`).
// The one bundle that is not an export is the CLI's, loaded by bin/sessionkit.mjs.
interface ExportEntry {
  source: string;
  import: { default: string };
}

const manifest = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")) as {
  exports: Record<string, ExportEntry | string>;
  imports: Record<string, Record<string, { source?: string; import?: string }>>;
  peerDependencies: Record<string, string>;
};

/**
 * tsup's `entry` map, `dist` name → source file, from package.json's exports.
 *
 * @example
 * entriesFrom({ "./express": { source: "./src/adapters/express.ts", import: { default: "./dist/express.js" } } });
 * // { express: "src/adapters/express.ts" }
 */
export function entriesFrom(exports: Record<string, ExportEntry | string>): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const [subpath, entry] of Object.entries(exports)) {
    if (typeof entry === "string") continue; // "./package.json"
    const name = /^\.\/dist\/(.+)\.js$/.exec(entry.import.default)?.[1];
    if (!name || !entry.source) throw new Error(`package.json exports["${subpath}"] needs a source and an import.default of ./dist/<name>.js`);
    entries[name] = entry.source.replace(/^\.\//, "");
  }
  return entries;
}

export const CLI_ENTRY = { "cli/index": "src/cli/index.ts" };

/**
 * The runtime seam's sets, built on their own and left as `#runtime` imports
 * in every other bundle: package.json `imports` picks one where the package
 * runs (node.js on Node, web.js elsewhere), so a Worker bundle of dist/ never
 * meets node:crypto. Read from that same `imports` map, so it is the one list.
 *
 * @example
 * importsEntriesFrom({ "#runtime": { node: { source: "./src/runtime/node.ts", import: "./dist/runtime/node.js" } } });
 * // { "runtime/node": "src/runtime/node.ts" }
 */
export function importsEntriesFrom(imports: Record<string, Record<string, { source?: string; import?: string }>>): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const [specifier, conditions] of Object.entries(imports)) {
    for (const [condition, target] of Object.entries(conditions)) {
      const name = /^\.\/dist\/(.+)\.js$/.exec(target.import ?? "")?.[1];
      if (!name || !target.source) throw new Error(`package.json imports["${specifier}"]["${condition}"] needs a source and an import of ./dist/<name>.js`);
      entries[name] = target.source.replace(/^\.\//, "");
    }
  }
  return entries;
}

export const RUNTIME_ENTRIES = importsEntriesFrom(manifest.imports);

export default defineConfig({
  entry: { ...entriesFrom(manifest.exports), ...CLI_ENTRY, ...RUNTIME_ENTRIES },
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  target: "node20",
  splitting: true,
  sourcemap: false,
  shims: true,
  // Keep "node:" prefixes: node:test has no unprefixed name.
  removeNodeProtocol: false,
  // Peer dependencies (drivers, frameworks) are the app's own; tsx is only for a source checkout.
  external: ["#runtime", "tsx", "tsx/esm/api", "node:test", ...Object.keys(manifest.peerDependencies)],
});
