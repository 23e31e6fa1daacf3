// The API reference (`npm run docs` → docs/api/): one module per public
// entry point, read from package.json's `exports` so no entry point is
// documented in one place and forgotten in another.
import { readFileSync } from "node:fs";

const manifest = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));

/** The `source` file of every export, in the order package.json lists them. */
export const entryPoints = Object.values(manifest.exports)
  .filter((entry) => typeof entry === "object")
  .map((entry) => entry.source);

/** @type {Partial<import("typedoc").TypeDocOptions>} */
const config = {
  name: "sessionkit",
  entryPoints,
  entryPointStrategy: "resolve",
  out: "docs/api",
  tsconfig: "tsconfig.json",
  readme: "none",
  excludePrivate: true,
  excludeInternal: true,
  excludeExternals: true,
  githubPages: false,
  validation: {
    notExported: true,
    invalidLink: true,
    notDocumented: false,
  },
  disableSources: true,
};

export default config;
