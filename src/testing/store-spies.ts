/**
 * Wrappers around a real store for the sessions suite: one that records
 * every call (to prove what a store was and was not asked), one that is slow
 * and one that does not answer until released (to prove deadlines), one whose view of time lags core's (to prove core
 * checks expiry itself). They forward to the real store; nothing is mocked.
 */
import type { Store, StoreContext } from "../core/store.js";

/**
 * One recorded store call: its method, its arguments and what it resolved, as JSON text.
 *
 * @example
 * spy.calls.filter((c) => c.method === "create").length;
 */
export interface StoreCall {
  method: string;
  argsJson: string;
  resultJson: string;
}

const METHODS = ["load", "create", "apply", "touch", "rotate", "destroy", "listForUser", "destroyForUser", "prune", "list"] as const;

/** JSON with null-prototype objects and undefined kept visible. */
function json(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v === undefined ? "<undefined>" : v)) ?? "<undefined>";
}

/**
 * A store that records every call and forwards it to `store`.
 *
 * @example
 * const spy = spyStore(store); createSessions({ secret, store: spy.store }); spy.calls;
 */
export function spyStore(store: Store): { store: Store; calls: StoreCall[] } {
  const calls: StoreCall[] = [];
  const wrapped = wrap(store, async (method, run, args) => {
    const result = await run();
    calls.push({ method, argsJson: json(args), resultJson: json(result) });
    return result;
  });
  return { store: wrapped, calls };
}

/**
 * A store whose every call first waits `delayMs` (per call, from a getter so
 * a test can turn it on and off).
 *
 * @example
 * const slow = slowStore(store, () => 500); // every call answers after 500 ms
 */
export function slowStore(store: Store, delayMs: () => number): Store {
  return wrap(store, async (_method, run) => {
    const ms = delayMs();
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
    return run();
  });
}

/**
 * A store whose calls, while it is held, wait until `release()`: a store that
 * does not answer for as long as a test needs, however loaded the machine.
 * `release()` lets the waiting calls run and resolves once they have settled,
 * so nothing they do lands after the test.
 *
 * @example
 * const held = heldStore(store); held.hold(); // calls now wait
 * await assert.rejects(sessions.load(cookie), StoreError); // core's deadline ended it
 * await held.release();
 */
export function heldStore(store: Store): { store: Store; hold(): void; release(): Promise<void> } {
  let gate: Promise<void> | undefined;
  let open = (): void => {};
  let waiting: Promise<unknown>[] = [];
  const wrapped = wrap(store, (_method, run) => {
    if (gate === undefined) return run();
    const call = gate.then(run);
    waiting.push(call.catch(() => undefined));
    return call;
  });
  return {
    store: wrapped,
    hold() {
      gate ??= new Promise((resolve) => (open = resolve));
    },
    async release() {
      const settled = waiting;
      waiting = [];
      gate = undefined;
      open();
      await Promise.all(settled);
    },
  };
}

/**
 * A store that sees the time `nowMs()` gives instead of core's: every call's
 * `ctx.nowMs` is replaced (the `abandoned` flag still follows core's). It
 * stands for a store whose native TTL has not fired yet, so a test can prove
 * that core, not the store, ends an expired session.
 *
 * @example
 * const lagging = clockedStore(store, () => startMs); // the store's clock stands still
 */
export function clockedStore(store: Store, nowMs: () => number): Store {
  return wrap(store, async (_method, run) => run(), (ctx) => ({
    nowMs: nowMs(),
    get abandoned() {
      return ctx.abandoned;
    },
  }));
}

function isContext(value: unknown): value is StoreContext {
  return typeof value === "object" && value !== null && typeof (value as StoreContext).nowMs === "number" && "abandoned" in value;
}

function wrap(
  store: Store,
  around: (method: string, run: () => Promise<unknown>, args: unknown[]) => Promise<unknown>,
  mapContext?: (ctx: StoreContext) => StoreContext,
): Store {
  const out: Record<string, unknown> = { name: store.name };
  // Flask-Session-compatible stores ask core for raw ids; the wrapper must not hide that.
  const rawIds = (store as { rawIds?: unknown }).rawIds;
  if (rawIds !== undefined) out.rawIds = rawIds;
  for (const method of METHODS) {
    const fn = (store as unknown as Record<string, unknown>)[method];
    if (typeof fn !== "function") continue;
    out[method] = (...given: unknown[]) => {
      // The context is the last argument of every call core makes (prune and list take none).
      const args = mapContext && isContext(given.at(-1)) ? [...given.slice(0, -1), mapContext(given.at(-1) as StoreContext)] : given;
      return around(method, () => Promise.resolve(fn.apply(store, args)), args);
    };
  }
  return out as unknown as Store;
}
