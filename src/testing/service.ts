/**
 * Reachability gates for tests that need a real service (Redis, PostgreSQL).
 *
 * The house rule: a test whose service is unreachable FAILS when `CI=true`
 * (a CI run that silently tests nothing is worse than a red one), and
 * otherwise skips with a loud message saying why, so a laptop without Redis
 * can still run the rest of the suite.
 */
import { it } from "node:test";
import assert from "node:assert/strict";

/**
 * Probe a service; resolve `undefined` when it answers, or a reason to skip.
 * The probe's own error is summarised by class and code only (its message may
 * hold a connection string with a password).
 *
 * @example
 * const skip = await probeService("Redis at 127.0.0.1:6379", async () => { await client.connect(); await client.ping(); });
 * testStore("redis", makeStore, { skip });
 */
export async function probeService(what: string, probe: () => Promise<void>, timeoutMs = 3_000): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return undefined;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    const kind = error instanceof Error ? error.name : typeof error;
    return `${what} is not reachable (${kind}${typeof code === "string" ? ` ${code}` : ""})`;
  } finally {
    clearTimeout(timer);
  }
}

/** True when the run is a CI run, where a missing service is a failure, not a skip. */
export function isCI(): boolean {
  return process.env.CI === "true";
}

/**
 * Register the placeholder test for an unreachable service: a failing test
 * under `CI=true`, otherwise a skipped one, with a warning on stderr.
 *
 * @example
 * if (skip) { serviceUnavailable("redis store", skip); } else { testStore("redis", makeStore); }
 */
export function serviceUnavailable(name: string, reason: string): void {
  if (isCI()) {
    it(`${name}: required service`, () => {
      assert.fail(`${reason}; CI=true, so this is a failure, not a skip`);
    });
    return;
  }
  process.stderr.write(`\n!!! SKIPPING ${name}: ${reason}. Set CI=true to make this a failure.\n\n`);
  it(`${name}: required service`, { skip: reason }, () => {});
}
