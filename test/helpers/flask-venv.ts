/**
 * A Python virtualenv with Flask 3.1.3, Flask-Session 0.8.0, msgspec and
 * redis-py, installed offline from the machine's wheel folder.
 *
 * CI's `.ci/run` creates `.venv/` up front; when it is there (and has the
 * packages) it is used. Otherwise the venv is created once in the temp dir
 * and reused by later runs (cached by path); a lock directory keeps two test
 * processes from building it at the same time.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const WHEELS = "/opt/pypi/files";
const PACKAGES = ["flask==3.1.3", "flask-session==0.8.0", "msgspec", "redis"];
const REPO_VENV = resolve(import.meta.dirname, "../../.venv");

/** Either a python executable with the packages, or why there is none. */
export type FlaskVenv = { python: string; skip?: undefined } | { python?: undefined; skip: string };

let cached: Promise<FlaskVenv> | undefined;

function hasPackages(python: string): boolean {
  if (!existsSync(python)) return false;
  const probe = spawnSync(python, ["-c", "import flask, flask_session, msgspec, redis; assert flask_session.__version__ == '0.8.0'"], {
    timeout: 30_000,
    stdio: "ignore",
  });
  return probe.status === 0;
}

function run(command: string, args: string[]): string | undefined {
  const result = spawnSync(command, args, { timeout: 180_000, encoding: "utf8" });
  if (result.status === 0) return undefined;
  return `\`${command} ${args.slice(0, 3).join(" ")}…\` failed (status ${result.status}): ${(result.stderr ?? "").slice(-400)}`;
}

async function build(): Promise<FlaskVenv> {
  const repoPython = join(REPO_VENV, "bin", "python");
  if (hasPackages(repoPython)) return { python: repoPython };
  const dir = join(tmpdir(), `sessionkit-flask-venv-${process.getuid?.() ?? "user"}`);
  const python = join(dir, "bin", "python");
  if (hasPackages(python)) return { python };
  if (!existsSync(WHEELS)) return { skip: `the wheel folder ${WHEELS} is missing, so Flask-Session cannot be installed offline` };
  const lock = `${dir}.lock`;
  // Bounded wait for another process building the same venv (mkdir is atomic).
  for (let i = 0; ; i++) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      if (i >= 240) return { skip: `timed out waiting for ${lock}; remove it if no test is running` };
      await sleep(500);
      if (hasPackages(python)) return { python };
    }
  }
  try {
    if (!existsSync(python)) {
      const failed = run("python3", ["-m", "venv", dir]);
      if (failed) return { skip: failed };
    }
    const failed = run(join(dir, "bin", "pip"), ["install", "-q", "--no-index", "--find-links", WHEELS, ...PACKAGES]);
    if (failed) return { skip: failed };
    return hasPackages(python) ? { python } : { skip: `the venv at ${dir} still lacks the packages after pip install` };
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * The venv's python, created on first use.
 *
 * @example
 * const venv = await flaskVenv();
 * if (venv.skip) serviceUnavailable("flask-session live", venv.skip);
 */
export function flaskVenv(): Promise<FlaskVenv> {
  cached ??= build();
  return cached;
}
