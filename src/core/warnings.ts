/**
 * Process warnings, each at most once per process: a misconfiguration is
 * worth one line in the log, not one per request. The runtime says how
 * (`runtime.warn`): Node's `process.emitWarning` (so `--no-warnings` and
 * warning listeners work), `console.warn` elsewhere.
 */
import { runtime } from "#runtime";

const warned = new Set<string>();

/**
 * Emit the warning `code` once per process.
 *
 * @example
 * warnOnce("SESSIONKIT_WEAK_SECRET", "sessionkit: a secret is shorter than 32 bytes…");
 */
export function warnOnce(code: string, message: string): void {
  if (warned.has(code)) return;
  warned.add(code);
  runtime.warn(code, message);
}
