/**
 * Process warnings, each at most once per process: a misconfiguration is
 * worth one line in the log, not one per request. Uses Node's
 * `process.emitWarning` where it exists (so `--no-warnings` and warning
 * listeners work), `console.warn` elsewhere.
 */

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
  const emit = typeof process !== "undefined" ? process.emitWarning : undefined;
  if (typeof emit === "function") emit.call(process, message, { code });
  else console.warn(`${code}: ${message}`);
}
