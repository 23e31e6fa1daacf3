// The package as users get it: build with tsup, then import every public
// entry point from ESM and require it from CommonJS (without the "source"
// condition), run the built CLI, and check that `sessionkit` itself loads no
// driver or framework.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";

const repo = new URL("../../", import.meta.url).pathname;
const out = join(repo, "test-output", "package");
const pkgDir = join(out, "sessionkit");
const consumer = join(out, "consumer");
const manifest = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { exports: Record<string, unknown> };
const subpaths = Object.keys(manifest.exports).filter((k) => k !== "./package.json");
const specifier = (subpath: string): string => (subpath === "." ? "sessionkit" : `sessionkit/${subpath.slice(2)}`);

before(() => {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(pkgDir, { recursive: true });
  // Build into the copy, next to the repo's node_modules so peer dependencies resolve as they would for a user.
  execFileSync(process.execPath, [join(repo, "node_modules/tsup/dist/cli-default.js"), "--out-dir", join(pkgDir, "dist")], {
    cwd: repo,
    stdio: "pipe",
  });
  cpSync(join(repo, "package.json"), join(pkgDir, "package.json"));
  cpSync(join(repo, "bin"), join(pkgDir, "bin"), { recursive: true });
  mkdirSync(join(consumer, "node_modules"), { recursive: true });
  // Its own package scope, or `sessionkit` would resolve to the repo itself (a package can import its own name).
  writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true }));
  symlinkSync(pkgDir, join(consumer, "node_modules", "sessionkit"), "dir");
});

test("every entry point imports from ESM with its named exports", () => {
  const script = `
    const names = ${JSON.stringify(subpaths.map(specifier))};
    const out = {};
    for (const n of names) out[n] = Object.keys(await import(n)).length;
    console.log(JSON.stringify(out));`;
  writeFileSync(join(consumer, "esm.mjs"), script);
  const result = JSON.parse(execFileSync(process.execPath, ["esm.mjs"], { cwd: consumer, encoding: "utf8" })) as Record<string, number>;
  for (const subpath of subpaths) assert.ok(result[specifier(subpath)]! > 0, `${specifier(subpath)} exports nothing`);
});

test("every entry point requires from CommonJS, and `sessionkit` loads no driver or framework", () => {
  const script = `
    const names = ${JSON.stringify(subpaths.map(specifier))};
    const { createSessions } = require("sessionkit");
    const loaded = Object.keys(require.cache).filter((f) => f.includes("/node_modules/") && !f.includes("/test-output/"));
    const sessions = createSessions({ secret: "x".repeat(40) });
    const out = { loaded, serverSide: sessions.serverSide, sizes: {} };
    for (const n of names) out.sizes[n] = Object.keys(require(n)).length;
    console.log(JSON.stringify(out));`;
  writeFileSync(join(consumer, "cjs.cjs"), script);
  const result = JSON.parse(execFileSync(process.execPath, ["cjs.cjs"], { cwd: consumer, encoding: "utf8" })) as {
    loaded: string[];
    serverSide: boolean;
    sizes: Record<string, number>;
  };
  assert.deepEqual(result.loaded, [], "require('sessionkit') pulled in packages from node_modules");
  assert.equal(result.serverSide, false);
  for (const subpath of subpaths) assert.ok(result.sizes[specifier(subpath)]! > 0, `${specifier(subpath)} exports nothing`);
});

test("type declarations exist for both module systems", () => {
  for (const subpath of subpaths) {
    const entry = manifest.exports[subpath] as { import: { types: string }; require: { types: string } };
    for (const file of [entry.import.types, entry.require.types]) {
      const text = readFileSync(join(pkgDir, file), "utf8");
      assert.ok(text.includes("export"), `${file} declares nothing`);
    }
  }
});

test("the built CLI runs from dist and lists its commands", () => {
  const result = spawnSync(process.execPath, [join(pkgDir, "bin", "sessionkit.mjs"), "--help"], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  for (const command of ["decode", "verify", "sign", "sessions"]) assert.match(result.stdout, new RegExp(`\\b${command}\\b`));
});
