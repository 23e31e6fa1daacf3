/**
 * Bundles each benchmark server (and the load generator) into one plain
 * JavaScript file with esbuild, so that they run on plain `node` with no
 * TypeScript loader in the measured process.
 *
 * sessionkit itself is bundled from its TypeScript sources (the `source`
 * export condition); every other package stays external and is loaded from
 * node_modules as an app would load it. The output sits in
 * `node_modules/.cache/sessionkit-bench/` so that external imports resolve.
 */
import { build, type Plugin } from "esbuild";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file is in `bench/`). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** Where bundles go. */
export const OUT_DIR = join(ROOT, "node_modules", ".cache", "sessionkit-bench");

/** Keep npm packages external, except sessionkit itself (resolved through its `source` condition). */
const externalPackages: Plugin = {
  name: "external-packages",
  setup(b) {
    // `#runtime` (package.json imports) is sessionkit's own: bundled from source, never left to resolve to dist/ at run time.
    b.onResolve({ filter: /^[^./#]/ }, (args) => {
      if (args.path === "sessionkit" || args.path.startsWith("sessionkit/")) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/**
 * Bundle the given entry files (paths relative to the root); resolves a map
 * from entry name (file name without `.ts`) to the bundle's path.
 *
 * @example
 * const bundles = await bundle(["bench/servers/bare-node.ts"]); // { "bare-node": ".../bare-node.mjs" }
 */
export async function bundle(entries: string[], outDir = OUT_DIR): Promise<Map<string, string>> {
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: entries.map((e) => join(ROOT, e)),
    outdir: outDir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    splitting: false,
    platform: "node",
    format: "esm",
    target: "node20",
    conditions: ["source"],
    plugins: [externalPackages],
    logLevel: "warning",
    absWorkingDir: ROOT,
  });
  const out = new Map<string, string>();
  for (const e of entries) {
    const name = e.split("/").pop()?.replace(/\.ts$/, "") ?? e;
    out.set(name, join(outDir, `${name}.mjs`));
  }
  return out;
}
