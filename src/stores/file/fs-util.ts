/**
 * Small file-system helpers the file store's modules share (the lock, the
 * record files, prune), kept apart so those modules never import each other
 * in a cycle.
 */
import { unlink } from "node:fs/promises";

/** Prefix of temporary files (records being written, lock contents, backups); `prune` removes old ones left by crashed writers. */
export const TEMP_PREFIX = ".tmp-";

/**
 * The `code` of a Node system error (`ENOENT`, `EEXIST`, …).
 *
 * @example
 * if (codeOf(err) === "ENOENT") return undefined;
 */
export function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * Unlink a file; one that is already gone is not an error.
 *
 * @example
 * await unlinkIfPresent(join(dir, name));
 */
export async function unlinkIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if (codeOf(err) !== "ENOENT") throw err;
  }
}

/**
 * Wait `ms` milliseconds.
 *
 * @example
 * await sleep(5);
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
