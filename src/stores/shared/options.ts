/**
 * Option checks every store shares: options that stores no longer take are
 * refused with a message that says what to do instead, rather than silently
 * ignored (an ignored clock would make expiry disagree with the test's).
 */
import { ConfigError } from "../../core/errors.js";

/** Options removed from every store, with what replaced them. */
const REMOVED: Readonly<Record<string, string>> = {
  now: "stores have no clock any more: core passes its time to every call. Give the clock to createSessions({ now }) instead.",
};

/**
 * Throw a ConfigError for an option a store no longer takes.
 *
 * @example
 * refuseRemovedOptions(options, { maxSessionsPerUser: "every session is now listed and ended; remove it." });
 */
export function refuseRemovedOptions(options: object | null | undefined, extra: Readonly<Record<string, string>> = {}): void {
  if (options === null || typeof options !== "object") return;
  for (const [name, advice] of Object.entries({ ...REMOVED, ...extra })) {
    if (name in options && (options as Record<string, unknown>)[name] !== undefined) throw new ConfigError(name, advice);
  }
}

/**
 * A whole number ≥ 1 for a batch-size option (`userBatchSize`, `pruneBatchSize`).
 *
 * @example
 * const batch = batchSize(options.userBatchSize, 1000, "userBatchSize");
 */
export function batchSize(value: number | undefined, fallback: number, option: string): number {
  const n = value ?? fallback;
  if (!Number.isSafeInteger(n) || n < 1) throw new ConfigError(option, "use a whole number ≥ 1.");
  return n;
}
