/**
 * Fault injection for the model test: a Store that passes every call to a
 * real store, except while the test has broken it. The real store does all
 * the work; only failures and delays are injected, as a network or a server
 * would cause them:
 *
 * - `fail`: every call rejects at once with a connection error, before it
 *   reaches the store (so nothing of it lands);
 * - `pause`: every call is held, as a SIGSTOPped Redis holds what it was
 *   sent, so core's deadline passes; on `recover()` the held calls reach the
 *   store in the order they were made (with core's abandoned flag set, which
 *   a store may use to drop a write it has not started).
 *
 * It also notices a call the real store took too long to answer with no
 * fault injected (a slow machine), so that the model accepts that timeout.
 */
import type { ApplyResult, ChangeSet, Store, StoreRecord, StoredSessionInfo } from "../../src/index.js";
import type { StoreContext } from "../../src/core/store.js";

export type FaultMode = "ok" | "fail" | "pause";

/**
 * A fault-injecting proxy of a real store.
 *
 * @example
 * const store = new FaultyStore(new MemoryStore(), 200);
 * store.mode = "fail"; // every call rejects
 * await store.recover();
 */
export class FaultyStore implements Store {
  mode: FaultMode = "ok";
  /** Set when a real call took `slowMs` or more (the harness resets it per step). */
  slow = false;
  /** The writing calls that reached the real store since the harness last cleared it. */
  readonly writes: string[] = [];
  readonly #real: Store;
  readonly #slowMs: number;
  readonly #held: (() => Promise<unknown>)[] = [];
  readonly #inFlight = new Map<Promise<unknown>, number>();

  constructor(real: Store, slowMs: number) {
    this.#real = real;
    this.#slowMs = slowMs;
  }

  get name(): string {
    return this.#real.name;
  }

  get rawIds(): boolean | undefined {
    return this.#real.rawIds;
  }

  /** The store calls held by a pause, not yet released. */
  get heldCount(): number {
    return this.#held.length;
  }

  #call<T>(run: () => Promise<T>): Promise<T> {
    if (this.mode === "fail") return Promise.reject(Object.assign(new Error("connection refused (injected)"), { code: "ECONNREFUSED" }));
    if (this.mode === "pause") {
      return new Promise<T>((resolve, reject) => {
        this.#held.push(() => this.#start(run).then(resolve, reject));
      });
    }
    return this.#start(run);
  }

  #start<T>(run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    let work: Promise<T>;
    try {
      work = Promise.resolve(run());
    } catch (error) {
      work = Promise.reject(error);
    }
    const tracked = work.finally(() => {
      if (performance.now() - started >= this.#slowMs) this.slow = true;
      this.#inFlight.delete(tracked);
    });
    // The caller handles rejections of `work`; the tracking copy must not raise an unhandled one.
    tracked.catch(() => {});
    this.#inFlight.set(tracked, started);
    return work;
  }

  #write<T>(method: string, run: () => Promise<T>): Promise<T> {
    this.writes.push(method);
    return run();
  }

  /** True when a call still running started `slowMs` or more ago. */
  get slowInFlight(): boolean {
    const now = performance.now();
    for (const started of this.#inFlight.values()) if (now - started >= this.#slowMs) return true;
    return false;
  }

  /** End a fault: release held calls one by one, in order, and wait until every call has finished. */
  async recover(): Promise<void> {
    this.mode = "ok";
    for (let next = this.#held.shift(); next !== undefined; next = this.#held.shift()) await next().catch(() => {});
    await this.settled();
  }

  /** Wait until no real call is running (a slow call that core gave up on lands before the next step). */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight.keys()]);
  }

  load(idHash: string, ctx: StoreContext): Promise<StoreRecord | undefined> {
    return this.#call(() => this.#real.load(idHash, ctx));
  }

  create(idHash: string, record: StoreRecord, ctx: StoreContext): Promise<boolean> {
    return this.#call(() => this.#write("create", () => this.#real.create(idHash, record, ctx)));
  }

  apply(idHash: string, change: ChangeSet, ctx: StoreContext): Promise<ApplyResult> {
    return this.#call(() => this.#write("apply", () => this.#real.apply(idHash, change, ctx)));
  }

  touch(idHash: string, expiresAtMs: number, ctx: StoreContext): Promise<boolean> {
    return this.#call(() => this.#write("touch", () => this.#real.touch(idHash, expiresAtMs, ctx)));
  }

  rotate(oldIdHash: string, newIdHash: string, change: ChangeSet, graceUntilMs: number, ctx: StoreContext): Promise<ApplyResult> {
    return this.#call(() => this.#write("rotate", () => this.#real.rotate(oldIdHash, newIdHash, change, graceUntilMs, ctx)));
  }

  destroy(idHash: string, ctx: StoreContext): Promise<void> {
    return this.#call(() => this.#write("destroy", () => this.#real.destroy(idHash, ctx)));
  }

  listForUser(userId: string, ctx: StoreContext): Promise<StoredSessionInfo[]> {
    return this.#call(() => this.#real.listForUser!(userId, ctx));
  }

  destroyForUser(userId: string, exceptIdHash: string | undefined, ctx: StoreContext): Promise<number> {
    return this.#call(() => this.#write("destroyForUser", () => this.#real.destroyForUser!(userId, exceptIdHash, ctx)));
  }
}
