/**
 * The framework example apps (examples/next, react-router, sveltekit, h3),
 * installed and built by scripts/install-examples.mjs, then served by their
 * framework's own production server on a spare loopback port.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { freePort, serveProcess, type ServedProcess } from "./flask-app.js";

const repo = new URL("../../", import.meta.url).pathname;

/** The example apps scripts/install-examples.mjs knows. */
export type ExampleName = "next" | "react-router" | "sveltekit" | "h3";

/**
 * Install and build an example app (a no-op when nothing changed since the
 * last run): npm ci from its lock file, sessionkit from the packed tarball.
 *
 * @example
 * before(() => prepareExample("next"));
 */
export function prepareExample(name: ExampleName): void {
  execFileSync(process.execPath, [join(repo, "scripts/install-examples.mjs"), name], { cwd: repo, stdio: ["ignore", "inherit", "inherit"], timeout: 540_000 });
}

/** The folder of an example app. */
export function exampleDir(name: ExampleName): string {
  return join(repo, "examples", name);
}

/**
 * Start an example app's production server with `env` (SECRET_KEY, the
 * session format and store) on a spare port of 127.0.0.1.
 *
 * @example
 * const app = await startExample("next", { SECRET_KEY: secret }); await app.stop();
 */
export async function startExample(name: ExampleName, env: Record<string, string>): Promise<ServedProcess> {
  const port = await freePort();
  const cwd = exampleDir(name);
  const base: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", ...env, PORT: String(port), HOST: "127.0.0.1" };
  const bin = (pkg: string, file: string): string => join(cwd, "node_modules", pkg, file);
  switch (name) {
    case "next":
      return serveProcess(process.execPath, [bin("next", "dist/bin/next"), "start", "-p", String(port), "-H", "127.0.0.1"], port, { cwd, env: base, timeoutMs: 60_000 });
    case "react-router":
      return serveProcess(process.execPath, [bin("@react-router/serve", "bin.js"), "./build/server/index.js"], port, { cwd, env: base, timeoutMs: 60_000 });
    case "sveltekit":
      // adapter-node takes the site's origin from ORIGIN (else it assumes https).
      return serveProcess(process.execPath, ["build/index.js"], port, { cwd, env: { ORIGIN: `http://127.0.0.1:${port}`, ...base }, timeoutMs: 60_000 });
    case "h3":
      return serveProcess(process.execPath, ["--import", "tsx", join(cwd, "server.ts")], port, { cwd: repo, env: base, timeoutMs: 60_000 });
  }
}
