/**
 * Errors of the file store. They carry a stable `code` and never a session id
 * or a path that contains one (paths are built from hashed ids, but the
 * directory may itself be something the operator considers private).
 */

/**
 * A session file or lock could not be read or written, a lock stayed held
 * past `lockWaitMs`, or a write was dropped because core had stopped
 * waiting for it (`SESSIONKIT_ABANDONED`: its deadline passed, the app was
 * already told it failed, and nothing of it was applied). Core reports it as
 * a `StoreError`.
 *
 * @example
 * catch (e) { if (e instanceof FileStoreError && e.code === "SESSIONKIT_LOCK_TIMEOUT") retryLater() }
 */
export class FileStoreError extends Error {
  readonly code: "SESSIONKIT_LOCK_TIMEOUT" | "SESSIONKIT_CORRUPT_RECORD" | "SESSIONKIT_BAD_ID_HASH" | "SESSIONKIT_ABANDONED";
  constructor(code: FileStoreError["code"], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "FileStoreError";
    this.code = code;
  }
}
