/**
 * Where the runtimes installed from npm (devDependencies `bun` and `deno`)
 * keep their executables, or why they cannot run here.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The executable of `bun` or `deno` from node_modules/.bin, once it answers `--version`; else why not. */
export function runtimeBinary(name: "bun" | "deno"): { path: string; version: string } | { skip: string } {
  const path = fileURLToPath(new URL(`../../node_modules/.bin/${name}`, import.meta.url));
  if (!existsSync(path)) return { skip: `${name} is not installed (npm install adds it: it is a devDependency)` };
  const probe = spawnSync(path, ["--version"], { encoding: "utf8", timeout: 30_000 });
  if (probe.status !== 0) return { skip: `${name} --version failed (status ${probe.status})` };
  return { path, version: probe.stdout.trim().split("\n")[0]! };
}
