/**
 * One session file: its JSON encoding, and the crash-safe way to replace it
 * (write a temporary file, fsync it, rename it over the old one, fsync the
 * directory). A reader therefore sees the old file or the new one, never a
 * torn or empty one, whatever happens to the writer.
 */
import { randomBytes } from "node:crypto";
import { open, readFile, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { StoreRecord } from "../../core/store.js";
import { FileStoreError } from "./errors.js";
import { codeOf } from "./lock.js";

/** Version tag of the file format, so a later format can read this one. */
const FORMAT = 1;

/** Prefix of temporary files; `prune` removes old ones left by crashed writers. */
export const TEMP_PREFIX = ".tmp-";

/**
 * Serialize a record. JSON escapes lone surrogates and NUL, so every string
 * round-trips exactly.
 *
 * @example
 * encodeRecord({ data: { a: '"x"' }, createdAtMs: 1, expiresAtMs: 2 });
 */
export function encodeRecord(record: StoreRecord): string {
  return JSON.stringify({
    v: FORMAT,
    createdAtMs: record.createdAtMs,
    expiresAtMs: record.expiresAtMs,
    userId: record.userId ?? null,
    frozen: record.frozen === true,
    data: record.data,
  });
}

/**
 * Parse and shape-check a session file; the content is untrusted (the
 * directory may have been edited). Data comes back in a null-prototype object.
 *
 * @example
 * const record = decodeRecord(await readFile(path, "utf8"));
 */
export function decodeRecord(text: string): StoreRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new FileStoreError("SESSIONKIT_CORRUPT_RECORD", "a session file is not valid JSON", { cause: err });
  }
  const p = parsed as Record<string, unknown> | null;
  if (
    p === null ||
    typeof p !== "object" ||
    p.v !== FORMAT ||
    !Number.isSafeInteger(p.createdAtMs) ||
    !Number.isSafeInteger(p.expiresAtMs) ||
    (p.userId !== null && typeof p.userId !== "string") ||
    typeof p.frozen !== "boolean" ||
    p.data === null ||
    typeof p.data !== "object" ||
    Array.isArray(p.data)
  ) {
    throw new FileStoreError("SESSIONKIT_CORRUPT_RECORD", "a session file does not have the store's format");
  }
  const data: Record<string, string> = Object.create(null);
  for (const [key, value] of Object.entries(p.data as object)) {
    if (typeof value !== "string") throw new FileStoreError("SESSIONKIT_CORRUPT_RECORD", "a session file holds a non-string value");
    data[key] = value;
  }
  const record: StoreRecord = { data, createdAtMs: p.createdAtMs as number, expiresAtMs: p.expiresAtMs as number };
  if (typeof p.userId === "string") record.userId = p.userId;
  if (p.frozen === true) record.frozen = true;
  return record;
}

/**
 * Read a session file; `undefined` when there is none.
 *
 * @example
 * const record = await readRecord(join(dir, idHash));
 */
export async function readRecord(path: string): Promise<StoreRecord | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if (codeOf(err) === "ENOENT") return undefined;
    throw err;
  }
  return decodeRecord(text);
}

/**
 * Replace `dir/name` with `content` atomically and durably.
 *
 * @example
 * await writeAtomic(dir, idHash, encodeRecord(record), true);
 */
export async function writeAtomic(dir: string, name: string, content: string, fsync: boolean): Promise<void> {
  const tempPath = join(dir, `${TEMP_PREFIX}${name}-${randomBytes(6).toString("base64url")}`);
  const handle = await open(tempPath, "wx", 0o600);
  let renamed = false;
  try {
    try {
      await handle.writeFile(content);
      // Data first, then the rename: otherwise a crash can leave the new name pointing at an empty file.
      if (fsync) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tempPath, join(dir, name));
    renamed = true;
  } finally {
    if (!renamed) await unlink(tempPath).catch(ignoreMissing);
  }
  if (fsync) await syncDirectory(dir);
}

/**
 * fsync a directory so a rename or unlink in it survives a power cut.
 *
 * @example
 * await syncDirectory(dir);
 */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function ignoreMissing(err: unknown): void {
  if (codeOf(err) !== "ENOENT") throw err;
}
