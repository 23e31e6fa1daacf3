/**
 * Calling an express-session store's callback API as promises, with a
 * deadline. The deadline matters beyond core's own: calls on one session are
 * queued one after another, so a callback that never comes would block that
 * session for the life of the process, even after the store recovers.
 */

/**
 * A wrapped store's callback never came within `callTimeoutMs`.
 *
 * @example
 * catch (e) { if (e instanceof ConnectCallTimeoutError) console.log(e.operation) }
 */
export class ConnectCallTimeoutError extends Error {
  readonly code = "SESSIONKIT_CONNECT_TIMEOUT";
  readonly operation: string;
  constructor(operation: string, timeoutMs: number) {
    super(`the wrapped express-session store did not call back from ${operation}() within ${timeoutMs} ms`);
    this.name = "ConnectCallTimeoutError";
    this.operation = operation;
  }
}

type Callback = (err?: unknown, result?: unknown) => void;

/**
 * Call `fn(...args, callback)` on `target` and settle with its callback, its
 * synchronous throw, or a timeout, whichever comes first; a second callback
 * (some stores call back twice on error paths) is ignored.
 *
 * @example
 * const sess = await callbackCall(store, store.get, "get", [sid], 5000);
 */
export function callbackCall(
  target: object,
  fn: (...args: never[]) => unknown,
  operation: string,
  args: unknown[],
  timeoutMs: number,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => settle(new ConnectCallTimeoutError(operation, timeoutMs)), timeoutMs);
    function settle(err: unknown, result?: unknown): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // express-session stores signal "nothing" with a null/undefined error.
      if (err !== null && err !== undefined) reject(err);
      else resolve(result);
    }
    const callback: Callback = (err, result) => settle(err, result);
    try {
      const returned = (fn as (...a: unknown[]) => unknown).apply(target, [...args, callback]);
      // Promise-returning stores (connect-redis 9) also call back; a rejection without a callback still settles.
      if (returned !== null && typeof returned === "object" && typeof (returned as Promise<unknown>).then === "function") {
        (returned as Promise<unknown>).then(undefined, (err: unknown) => settle(err ?? new Error(`${operation}() rejected`)));
      }
    } catch (err) {
      settle(err ?? new Error(`${operation}() threw`));
    }
  });
}
