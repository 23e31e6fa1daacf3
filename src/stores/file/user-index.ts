/**
 * The file store's user index: `.users/<sha256(userId)>/<idHash>` empty
 * marker files (the user id is hashed so that no name is built from it).
 * Markers are written before the session file that carries the user and
 * removed after, so the index is a superset: readers trust the session file.
 * Walks stream the folder, so no user's index is ever read whole into memory.
 */
import { createHash } from "node:crypto";
import { mkdir, opendir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { codeOf, unlinkIfPresent } from "./fs-util.js";

/**
 * The markers of one store directory.
 *
 * @example
 * const index = new FileUserIndex("/var/sessions", 256, (n) => /^[A-Za-z0-9_-]{43}$/.test(n));
 * await index.add("alice", idHash);
 */
export class FileUserIndex {
  readonly #root: string;
  readonly #batchSize: number;
  readonly #isIdHash: (name: string) => boolean;

  constructor(dir: string, batchSize: number, isIdHash: (name: string) => boolean) {
    this.#root = join(dir, ".users");
    this.#batchSize = batchSize;
    this.#isIdHash = isIdHash;
  }

  #dir(userId: string): string {
    return join(this.#root, createHash("sha256").update(userId, "utf8").digest("base64url"));
  }

  async add(userId: string, idHash: string): Promise<void> {
    const dir = this.#dir(userId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(join(dir, idHash), "", { mode: 0o600 });
  }

  async remove(userId: string, idHash: string): Promise<void> {
    await unlinkIfPresent(join(this.#dir(userId), idHash));
  }

  /** Stream every marker of `userId` to `visit`. */
  async walk(userId: string, visit: (idHash: string) => Promise<void>): Promise<void> {
    const handle = await this.#open(userId);
    if (handle === undefined) return;
    for await (const entry of handle) if (this.#isIdHash(entry.name)) await visit(entry.name);
  }

  /** Up to `batchSize` markers of `userId`, never `except`. */
  async batch(userId: string, except: string | undefined): Promise<string[]> {
    const out: string[] = [];
    const handle = await this.#open(userId);
    if (handle === undefined) return out;
    for await (const entry of handle) {
      if (this.#isIdHash(entry.name) && entry.name !== except) out.push(entry.name);
      if (out.length >= this.#batchSize) break;
    }
    return out;
  }

  async #open(userId: string) {
    try {
      return await opendir(this.#dir(userId), { bufferSize: this.#batchSize });
    } catch (err) {
      if (codeOf(err) === "ENOENT") return undefined;
      throw err;
    }
  }
}
