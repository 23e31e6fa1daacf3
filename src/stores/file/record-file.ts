/**
 * One session file: its JSON encoding, and the first half of the crash-safe
 * way to replace it (a temporary file written and fsync'd, then renamed over
 * the old one by file-change.ts). A reader therefore sees the old file or the
 * new one, never a torn or empty one, whatever happens to the writer.
 */
import { randomBytes } from "node:crypto";
import { open, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { StoreRecord } from "../../core/store.js";
import { fromJsonRecord, toJsonRecord } from "../shared/json-record.js";
import { FileStoreError } from "./errors.js";
import { TEMP_PREFIX, codeOf } from "./fs-util.js";

/** Version tag of the file format, so a later format can read this one. */
const FORMAT = 1;

/**
 * Serialize a record. JSON escapes lone surrogates and NUL, so every string
 * round-trips exactly.
 *
 * @example
 * encodeRecord({ data: { a: '"x"' }, createdAtMs: 1, expiresAtMs: 2 });
 */
export function encodeRecord(record: StoreRecord): string {
  return JSON.stringify(toJsonRecord(record, FORMAT));
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
  const record = fromJsonRecord(parsed, FORMAT);
  if (record === "format") throw new FileStoreError("SESSIONKIT_CORRUPT_RECORD", "a session file does not have the store's format");
  if (record === "value") throw new FileStoreError("SESSIONKIT_CORRUPT_RECORD", "a session file holds a non-string value");
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
 * Write `content` to a new temporary file beside `dir/name`, fsync'd when
 * asked; resolves its path. The caller renames it into place (or unlinks it).
 *
 * @example
 * const temp = await writeTemp(dir, idHash, encodeRecord(record), true);
 */
export async function writeTemp(dir: string, name: string, content: string, fsync: boolean): Promise<string> {
  const tempPath = join(dir, `${TEMP_PREFIX}${name}-${randomBytes(6).toString("base64url")}`);
  const handle = await open(tempPath, "wx", 0o600);
  let written = false;
  try {
    await handle.writeFile(content);
    // Data first, then the rename: otherwise a crash can leave the new name pointing at an empty file.
    if (fsync) await handle.sync();
    written = true;
  } finally {
    await handle.close();
    if (!written) await unlink(tempPath).catch(ignoreMissing);
  }
  return tempPath;
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
