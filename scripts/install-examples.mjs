#!/usr/bin/env node
// Installs and builds the framework example apps (examples/<name>/, each with
// its own package.json and lock file), the way a user's app gets sessionkit:
// from the packed tarball. Used by the tests of test/frameworks/ before they
// start an app, and runnable by hand:
//
//   node scripts/install-examples.mjs            # every app
//   node scripts/install-examples.mjs next h3    # some
//
// Each step is skipped when what it depends on has not changed since it last
// ran (a stamp file records a hash): the package is packed once per state of
// the sources, `npm ci` runs once per lock file, and an app is built once per
// tarball and state of its own sources. Concurrent runs (test files in
// parallel) wait for each other on a lock directory.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const repo = new URL("../", import.meta.url).pathname;
const out = join(repo, "test-output", "examples");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

/** The example apps, each a folder of examples/ with a package.json and the command that builds it (none: run as is). */
export const EXAMPLES = {
  next: { build: ["run", "build"] },
  "react-router": { build: ["run", "build"] },
  sveltekit: { build: ["run", "build"] },
  // h3 runs its TypeScript through tsx: its build is the type check.
  h3: { build: ["run", "typecheck"] },
};

/** Build outputs and installs: never part of an app's source hash. */
const GENERATED = new Set(["node_modules", ".next", "build", ".svelte-kit", ".react-router", "next-env.d.ts"]);

function hashFiles(paths) {
  const hash = createHash("sha256");
  for (const path of paths.sort()) hash.update(relative(repo, path)).update("\0").update(readFileSync(path)).update("\0");
  return hash.digest("hex").slice(0, 16);
}

function walk(dir, skip = new Set()) {
  const files = [];
  for (const name of readdirSync(dir)) {
    if (skip.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...walk(path, skip));
    else files.push(path);
  }
  return files;
}

/** Run a command quietly; on failure, throw with the tail of what it printed (the part that says why). */
function run(command, args, cwd, extraEnv = {}) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, ...extraEnv }, maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim().split("\n").slice(-40).join("\n");
    throw new Error(`install-examples: \`${[command, ...args].join(" ")}\` in ${relative(repo, cwd) || "."} failed (${result.error?.message ?? `exit ${result.status}`}):\n${output}`);
  }
  return Date.now() - started;
}

function stamp(path) {
  return existsSync(path) ? readFileSync(path, "utf8") : "";
}

/** Hold a lock directory while `work` runs (mkdir is atomic); a lock older than 15 minutes is a crashed run's. */
async function withLock(name, work) {
  const lock = join(out, `${name}.lock`);
  mkdirSync(out, { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
      if (Date.now() - statSync(lock).mtimeMs > 15 * 60_000) rmSync(lock, { recursive: true, force: true });
      else await sleep(500);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Pack sessionkit as npm would ship it, dist built fresh: the tarball's path. */
async function pack() {
  const sources = [join(repo, "package.json"), join(repo, "tsup.config.ts"), ...walk(join(repo, "src"))];
  const tarball = join(out, `sessionkit-${hashFiles(sources)}.tgz`);
  return withLock("pack", async () => {
    if (existsSync(tarball)) return tarball;
    const stage = join(out, "stage");
    rmSync(stage, { recursive: true, force: true });
    const listing = execFileSync(npm, ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: repo, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    for (const { path } of JSON.parse(listing)[0].files) {
      if (path.startsWith("dist/")) continue;
      mkdirSync(dirname(join(stage, path)), { recursive: true });
      cpSync(join(repo, path), join(stage, path));
    }
    const ms = run(process.execPath, [join(repo, "node_modules/tsup/dist/cli-default.js"), "--out-dir", join(stage, "dist")], repo);
    for (const old of readdirSync(out)) if (/^sessionkit-.*\.tgz$/.test(old)) rmSync(join(out, old));
    const [packed] = JSON.parse(execFileSync(npm, ["pack", "--json", "--ignore-scripts", "--pack-destination", out], { cwd: stage, encoding: "utf8" }));
    cpSync(join(out, packed.filename), tarball);
    rmSync(join(out, packed.filename), { force: true });
    log(`packed sessionkit (${ms} ms build)`);
    return tarball;
  });
}

function log(message) {
  process.stderr.write(`install-examples: ${message}\n`);
}

/** Install one app's dependencies, put the tarball's sessionkit in, and build it. */
async function prepare(name, tarball) {
  const app = join(repo, "examples", name);
  const modules = join(app, "node_modules");
  await withLock(`app-${name}`, async () => {
    const lockHash = hashFiles([join(app, "package-lock.json")]);
    if (stamp(join(modules, ".lock-stamp")) !== lockHash) {
      const ms = run(npm, ["ci", "--no-audit", "--no-fund"], app);
      writeFileSync(join(modules, ".lock-stamp"), lockHash);
      log(`${name}: npm ci in ${ms} ms`);
    }
    // sessionkit has no dependencies of its own: unpacking the tarball is all npm would do with it.
    const installed = join(modules, "sessionkit");
    if (stamp(join(installed, ".tarball")) !== tarball) {
      rmSync(installed, { recursive: true, force: true });
      mkdirSync(installed, { recursive: true });
      execFileSync("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"]);
      writeFileSync(join(installed, ".tarball"), tarball);
    }
    const { build } = EXAMPLES[name];
    if (!build) return;
    const buildHash = hashFiles([tarball, ...walk(app, GENERATED)]);
    if (stamp(join(modules, ".build-stamp")) === buildHash) return;
    const ms = run(npm, build, app, { NEXT_TELEMETRY_DISABLED: "1" });
    writeFileSync(join(modules, ".build-stamp"), buildHash);
    log(`${name}: built in ${ms} ms`);
  });
}

const asked = process.argv.slice(2);
for (const name of asked) if (!(name in EXAMPLES)) throw new Error(`install-examples: no example app named ${name} (${Object.keys(EXAMPLES).join(", ")})`);
const tarball = await pack();
for (const name of asked.length ? asked : Object.keys(EXAMPLES)) await prepare(name, tarball);
