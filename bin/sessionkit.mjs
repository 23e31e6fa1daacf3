#!/usr/bin/env node
// The `sessionkit` command. Runs the built CLI (dist/) when present; in a
// source checkout, loads the TypeScript through tsx so no build is needed.
import { existsSync } from "node:fs";

const built = new URL("../dist/cli/index.js", import.meta.url);
let cli;
if (existsSync(built)) {
  cli = await import(built.href);
} else {
  // The sources import the runtime seam (#runtime in package.json "imports"), whose TypeScript
  // files sit under the "source" condition: resolve as `node --conditions=source` would.
  const { register: registerHooks } = await import("node:module");
  const hook = `export function resolve(specifier, context, next) { return next(specifier, { ...context, conditions: [...context.conditions, "source"] }); }`;
  registerHooks(`data:text/javascript,${encodeURIComponent(hook)}`);
  const { register } = await import("tsx/esm/api");
  register();
  cli = await import(new URL("../src/cli/index.ts", import.meta.url).href);
}
process.exitCode = await cli.main(process.argv.slice(2));
