/**
 * `--baseline=<git-ref>`: the same benchmark code bundled against an older
 * sessionkit, so that one run measures both side by side (issues #15, #18:
 * "no row slower than before, side by side in one run").
 *
 * The ref's `src/` and `package.json` are extracted with `git archive` into
 * a temporary directory (no worktree, nothing written to the repository),
 * `node_modules` is a symlink to this checkout's, and esbuild bundles the
 * current benchmark files with every `sessionkit` import, and every import
 * of `../src/…`, resolved in that tree instead. Only sessionkit differs
 * between the two bundles: the servers, the apps, the drivers and the
 * frameworks are the same files and the same packages.
 */
import { build, type Plugin } from "esbuild";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve, sep } from "node:path";
import { ROOT } from "./build.js";

/** An older tree of sessionkit, ready to bundle against. */
export interface Baseline {
  /** The ref as given (`4a05fee`, `main~3`). */
  ref: string;
  /** Its commit, abbreviated. */
  commit: string;
  /** The extracted tree (`src/`, `package.json`, a `node_modules` symlink). */
  dir: string;
  /** Remove the extracted tree. */
  remove: () => void;
}

/**
 * The `--baseline=<ref>` argument, if given.
 *
 * @example
 * baselineArg(["--quick", "--baseline=4a05fee"]); // "4a05fee"
 */
export function baselineArg(argv: readonly string[]): string | undefined {
  const value = argv.find((a) => a.startsWith("--baseline="))?.slice("--baseline=".length);
  return value ? value : undefined;
}

/**
 * Extract `ref`'s sessionkit into a temporary directory.
 *
 * @example
 * const base = materialise("4a05fee"); try { … } finally { base.remove(); }
 */
export function materialise(ref: string): Baseline {
  const git = (...args: string[]): string => execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
  const commit = git("rev-parse", "--verify", "--short", `${ref}^{commit}`);
  const dir = mkdtempSync(join(tmpdir(), `sessionkit-baseline-${commit}-`));
  try {
    const tar = join(dir, "tree.tar");
    execFileSync("git", ["archive", "--format=tar", "-o", tar, commit, "src", "package.json"], { cwd: ROOT });
    execFileSync("tar", ["-xf", tar, "-C", dir]);
    rmSync(tar);
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return { ref, commit, dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Resolve sessionkit (its package name, and the benchmark's `../src/…` imports) in the baseline's tree. */
function againstBaseline(base: Baseline): Plugin {
  const src = join(ROOT, "src") + sep;
  return {
    name: "sessionkit-baseline",
    setup(b) {
      b.onResolve({ filter: /^sessionkit(\/|$)/ }, async (args) => {
        if (args.pluginData === "baseline") return undefined;
        return b.resolve(args.path, { kind: args.kind, resolveDir: base.dir, pluginData: "baseline" });
      });
      b.onResolve({ filter: /^\.\.?\// }, async (args) => {
        const target = resolve(args.resolveDir, args.path);
        if (args.pluginData === "baseline" || !target.startsWith(src)) return undefined;
        return b.resolve(`./${relative(ROOT, target)}`, { kind: args.kind, resolveDir: base.dir, pluginData: "baseline" });
      });
      // Every other package stays external and is loaded from node_modules, as in the current bundle.
      b.onResolve({ filter: /^[^./#]/ }, (args) => (args.path.startsWith("sessionkit") ? undefined : { path: args.path, external: true }));
    },
  };
}

/**
 * Bundle `entries` (paths relative to the root) against the baseline into
 * `outDir`; resolves entry name → bundle path, as `bundle()` does.
 *
 * @example
 * const files = await bundleAgainst(base, ["bench/servers/sk-node.ts"], dir); // { "sk-node": ".../sk-node.mjs" }
 */
export async function bundleAgainst(base: Baseline, entries: string[], outDir: string): Promise<Map<string, string>> {
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
    plugins: [againstBaseline(base)],
    logLevel: "silent",
    absWorkingDir: ROOT,
  });
  return new Map(entries.map((e) => {
    const name = e.split("/").pop()?.replace(/\.ts$/, "") ?? e;
    return [name, join(outDir, `${name}.mjs`)];
  }));
}
