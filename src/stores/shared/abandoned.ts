/**
 * The error of a write a store dropped because core had stopped waiting for
 * it (`ctx.abandoned`: its deadline passed while the write waited for its
 * turn, and the app was already told it failed). Nothing of it was applied.
 */

/**
 * A queued write dropped before it started: core's deadline had passed.
 *
 * @example
 * if (ctx.abandoned) throw new WriteAbandonedError("connect");
 */
export class WriteAbandonedError extends Error {
  readonly code = "SESSIONKIT_ABANDONED";
  constructor(storeName: string) {
    super(`the ${storeName} store dropped a write that was still waiting when core's deadline passed; nothing of it was applied, and the app was told it failed`);
    this.name = "WriteAbandonedError";
  }
}
