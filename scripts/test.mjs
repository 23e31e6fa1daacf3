#!/usr/bin/env node
// Runs every *.test.ts under test/ (or the files/folders given) with node's own
// test runner and tsx, resolving `sessionkit/*` to the TypeScript sources
// through the "source" export condition. Node 20's --test takes no globs,
// so the files are listed here.
//
// The TAP report passes through line by line. Each failing test's block is
// also kept and printed again at the end, so a failure in a 2,800-test run is
// the last thing on the screen (and in CI's tail), not somewhere in the middle.
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { createInterface } from "node:readline";

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
  // Node 20 applies this to each file as a whole too, not only to each test: the D1 file (every call
  // through Miniflare's proxy) took 145 s at load ~6 and passed 300 s at load ~15 on a 2-core machine.
  // 10 minutes stops a hung file all the same, without failing a slow one.
  "--test-timeout=600000",
  ...passThrough,
  ...files.map((f) => relative(process.cwd(), f)),
];

const child = spawn(process.execPath, args, { stdio: ["inherit", "pipe", "inherit"] });
const failures = [];
let open = null; // the failing test whose YAML block is being read
const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
lines.on("line", (line) => {
  process.stdout.write(`${line}\n`);
  if (open) {
    open.push(line);
    if (/^\s*\.\.\.$/.test(line)) open = null;
    return;
  }
  // A failing suite repeats its failing test's name; the innermost block carries the error.
  if (/^\s*not ok \d+ - /.test(line)) {
    open = [line];
    failures.push(open);
  }
});
child.on("close", (code, signal) => {
  if (failures.length > 0) {
    process.stdout.write(`\n# ${failures.length} failing block(s), innermost first where nested:\n`);
    for (const block of failures) {
      const indent = /^\s*/.exec(block[0])[0].length;
      for (const l of block) process.stdout.write(`# ${l.slice(Math.min(indent, /^\s*/.exec(l)[0].length))}\n`);
    }
  }
  process.exit(code ?? (signal ? 1 : 0));
});
