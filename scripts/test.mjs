#!/usr/bin/env node
// Runs every *.test.ts under test/ (or the files/folders given) with node's own
// test runner and tsx, resolving `sessionkit/*` to the TypeScript sources
// through the "source" export condition. Node 20's --test takes no globs,
// so the files are listed here.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const roots = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith("-"));

function collect(path, out, explicit = false) {
  const st = statSync(path);
  if (st.isFile()) {
    // A file named on the command line runs whatever its name; a folder contributes its *.test.ts.
    if (explicit || path.endsWith(".test.ts")) out.push(path);
    return;
  }
  for (const name of readdirSync(path).sort()) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    collect(join(path, name), out);
  }
}

const files = [];
for (const root of roots.length ? roots : ["test"]) collect(root, files, true);
if (files.length === 0) {
  console.error("no test files found");
  process.exit(1);
}
const args = [
  "--conditions=source",
  "--import",
  "tsx",
  "--test",
  "--test-timeout=300000",
  ...passThrough,
  ...files.map((f) => relative(process.cwd(), f)),
];
const result = spawnSync(process.execPath, args, { stdio: "inherit" });
process.exit(result.status ?? 1);
