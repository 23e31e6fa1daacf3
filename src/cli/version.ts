/**
 * `sessionkit --version`: the version of the installed package, read from
 * its package.json, found by walking up from this file (the source tree and
 * the bundle in dist/ sit at different depths).
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** How many folders up to look for the package's own package.json. */
const MAX_LEVELS = 5;

/**
 * The package's version, or `undefined` when its package.json cannot be found.
 *
 * @example
 * packageVersion(); // "0.1.0"
 */
export function packageVersion(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let level = 0; level < MAX_LEVELS; level++) {
    const manifest = readManifest(join(dir, "package.json"));
    if (manifest?.name === "sessionkit" && typeof manifest.version === "string") return manifest.version;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

function readManifest(path: string): { name?: unknown; version?: unknown } | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return undefined;
    throw error;
  }
  return JSON.parse(text) as { name?: unknown; version?: unknown };
}
