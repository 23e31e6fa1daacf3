/**
 * The few helpers a model-test run and the regression tests it prints share:
 * a run's fixture (sessions, clock, fault-injecting store, cookie jars, every
 * cookie issued), settling a promise into a value, the response arriving at
 * a browser, and the outcome of each step as the model sees it. Everything
 * the system does still goes through the public API.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { hashSessionId, type Session, type SessionEvent, type SessionManager, type StoredSessionInfo } from "../../src/index.js";
import { REPRO_STORE_TIMEOUT_MS, SECRET, TestClock, faulty, openKind, runSessions, type KindName, type OpenedKind } from "./fixture.js";
import type { FaultyStore } from "./fault-store.js";
import { byEntry } from "./server-rules.js";
import { cookieOutcome, failed, matches, show, type CommitOutcome, type DestroyAllOutcome, type ListOutcome, type LoadOutcome, type Outcome } from "./outcome.js";
import type { ModelConfig } from "./program.js";

/** One run: its manager, clock, store, browsers' cookie jars and every cookie value issued so far. */
export interface Fixture {
  kind: OpenedKind;
  sessions: SessionManager;
  clock: TestClock;
  store: FaultyStore;
  /** The three browsers' cookies (undefined: none). */
  jar: (string | undefined)[];
  /** Every cookie value a commit set, in order (named `#index` in listForUser outcomes). */
  issued: string[];
  events: SessionEvent[];
  close(): Promise<void>;
}

/**
 * A run on an opened kind of storage.
 *
 * @example
 * const f = runFixture(await openKind("memory"), config);
 */
export function runFixture(kind: OpenedKind, config: ModelConfig, storeTimeoutMs: number = kind.storeTimeoutMs): Fixture {
  const clock = new TestClock();
  const store = faulty(kind.storeForRun(), storeTimeoutMs);
  const events: SessionEvent[] = [];
  const sessions = runSessions(kind.mode, config, clock, store, (e) => events.push(e), storeTimeoutMs);
  return { kind, sessions, clock, store, jar: [undefined, undefined, undefined], issued: [], events, close: () => store.recover() };
}

/**
 * A run on a kind of storage of its own (what a regression test opens), with
 * a long store deadline: a regression test has no model to excuse a slow call.
 *
 * @example
 * const f = await openFixture("memory", { idleSeconds: 600, absoluteSeconds: undefined, graceSeconds: 60, format: "signed" });
 */
export async function openFixture(name: KindName, config: ModelConfig): Promise<Fixture> {
  const kind = await openKind(name);
  const f = runFixture(kind, config, REPRO_STORE_TIMEOUT_MS);
  return {
    ...f,
    close: async () => {
      await f.store.recover();
      await kind.close();
    },
  };
}

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * A promise's value or error, without throwing.
 *
 * @example
 * const settled = await settle(commit(sessions, session)); // { ok: false, error } on a StoreError
 */
export async function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * The value of a step that succeeded (rethrows its error otherwise).
 *
 * @example
 * const session = value(await settle(sessions.load(header)));
 */
export function value<T>(settled: Settled<T>): T {
  if (!settled.ok) throw settled.error;
  return settled.value;
}

/**
 * The Cookie header a browser sends with cookie `value`.
 *
 * @example
 * cookieHeader("abc"); // "session=abc"
 */
export function cookieHeader(value: string | undefined): string | undefined {
  return value === undefined ? undefined : `session=${value}`;
}

/**
 * A cookie the server never issued: a well-formed id (43 base64url characters) made from `pick`.
 *
 * @example
 * await sessions.load(cookieHeader(forgedId(5))); // fresh
 */
export function forgedId(pick: number): string {
  return createHash("sha256").update(`forged-${pick}`).digest("base64url");
}

/**
 * An issued cookie with its middle character changed.
 *
 * @example
 * await sessions.load(cookieHeader(tamper(issued[0]))); // fresh
 */
export function tamper(value: string | undefined): string {
  if (value === undefined) assert.fail("tamper: this run issued no such cookie");
  const i = Math.floor(value.length / 2);
  return `${value.slice(0, i)}${value[i] === "A" ? "B" : "A"}${value.slice(i + 1)}`;
}

/**
 * A response arrives: the browser `client` (undefined: the attacker, who keeps no jar) stores or
 * deletes its cookie, and a new value joins the issued list.
 */
export function arrive(f: Fixture, client: number | undefined, settled: Settled<string[]>): { outcome: CommitOutcome; value?: string } {
  if (!settled.ok) return { outcome: failed(settled.error) };
  const seen = cookieOutcome(settled.value);
  if (seen.value !== undefined && !f.issued.includes(seen.value)) f.issued.push(seen.value);
  if (client !== undefined && seen.outcome.ok) {
    if (seen.outcome.cookie === "new") f.jar[client] = seen.value;
    if (seen.outcome.cookie === "delete") f.jar[client] = undefined;
  }
  return seen;
}

/**
 * A load as the model sees it: fresh or not, and the data.
 *
 * @example
 * loadOutcome(await settle(sessions.load(header))); // { ok: true, isNew: false, data: { a: 1 } }
 */
export function loadOutcome(settled: Settled<Session>): LoadOutcome {
  if (!settled.ok) return failed(settled.error);
  return { ok: true, isNew: settled.value.isNew, data: { ...settled.value.toJSON() } as Record<string, never> };
}

/**
 * A handler's results as the model sees them.
 *
 * @example
 * handlerOutcome(await settle((async () => [r1.get("a")])())); // { ok: true, results: [1] }
 */
export function handlerOutcome(settled: Settled<unknown[]>): Outcome {
  return settled.ok ? { ok: true, results: settled.value } : failed(settled.error);
}

/**
 * A commit as the model sees it.
 *
 * @example
 * commitOutcome(await settle(commit(sessions, r1))); // { ok: true, cookie: "new" }
 */
export function commitOutcome(settled: Settled<string[]>): CommitOutcome {
  return settled.ok ? cookieOutcome(settled.value).outcome : failed(settled.error);
}

/**
 * destroyAllForUser as the model sees it.
 *
 * @example
 * countOutcome(await settle(sessions.destroyAllForUser("alice"))); // { ok: true, count: 2 }
 */
export function countOutcome(settled: Settled<number>): DestroyAllOutcome {
  return settled.ok ? { ok: true, count: settled.value } : failed(settled.error);
}

/**
 * A final check of one cookie: load it, read its data and flashes, never commit.
 *
 * @example
 * await checkOutcome(sessions, issued[0]); // { ok: true, isNew: true, data: {}, flashes: [] }
 */
export async function checkOutcome(sessions: SessionManager, cookie: string | undefined): Promise<LoadOutcome> {
  if (cookie === undefined) assert.fail("checkOutcome: this run issued no such cookie");
  return checkedOutcome(await settle(sessions.load(cookieHeader(cookie))));
}

/**
 * A settled final-check load as the model sees it: its data and flashes (consumed), or its failure.
 *
 * @example
 * checkedOutcome(await settle(sessions.load(header))); // { ok: true, isNew: false, data: { a: 1 }, flashes: [] }
 */
export function checkedOutcome(settled: Settled<Session>): LoadOutcome {
  if (!settled.ok) return failed(settled.error);
  const session = settled.value;
  return { ok: true, isNew: session.isNew, data: { ...session.toJSON() } as Record<string, never>, flashes: session.consumeFlashes() };
}

/**
 * listForUser, each id named by its issue number (`#3`), `?` for one never told to a client.
 *
 * @example
 * await listOutcome(f, "alice"); // { ok: true, sessions: [{ id: "#1", createdAtMs, expiresAtMs }] }
 */
export async function listOutcome(f: Fixture, user: string): Promise<ListOutcome> {
  return listedOutcome(f, await settle(f.sessions.listForUser(user)));
}

/**
 * A settled listForUser as the model sees it (see {@link listOutcome}).
 *
 * @example
 * listedOutcome(f, await settle(f.sessions.listForUser("alice"))); // { ok: true, sessions: [...] }
 */
export function listedOutcome(f: Fixture, settled: Settled<StoredSessionInfo[]>): ListOutcome {
  if (!settled.ok) return failed(settled.error);
  const names = new Map(f.issued.map((id, i) => [hashSessionId(id), `#${i}`]));
  const sessions = settled.value.map((s) => ({ id: names.get(s.idHash) ?? "?", createdAtMs: s.createdAtMs, expiresAtMs: s.expiresAtMs }));
  return { ok: true, sessions: sessions.sort(byEntry) };
}

/**
 * Assert that the store saw only the allowed kinds of write since `store.writes` was last cleared.
 *
 * @example
 * store.writes.length = 0; await commit(sessions, readOnly); assertWrites(store, ["touch"]);
 */
export function assertWrites(store: FaultyStore, allowed: string[]): void {
  assert.deepEqual(
    store.writes.filter((w) => !allowed.includes(w)),
    [],
    "8, R68: a load writes nothing but the removal of an expired record; a commit of an unchanged session at most a touch",
  );
}

/**
 * R6: no event names the secret or a cookie value issued in this run.
 *
 * @example
 * assertNoLeaks(f);
 */
export function assertNoLeaks(f: Fixture): void {
  for (const event of f.events) {
    const text = show(event);
    assert.ok(![SECRET, ...f.issued].some((s) => text.includes(s)), `R6: an event holds the secret or a cookie value (${event.type})`);
  }
}

/**
 * Assert that what happened is one of the outcomes the guarantees allow (`"*"` matches anything); `why` names the guarantee.
 *
 * @example
 * assertOneOf([commitOutcome(settled)], [[{ ok: false, error: "SessionInterruptedError" }]], "3 destroy wins");
 */
export function assertOneOf(observed: Outcome | Outcome[], allowed: (Outcome | Outcome[])[], why = ""): void {
  assert.ok(
    allowed.some((a) => matches(a, observed)),
    `${why ? `${why}\n` : ""}observed ${show(observed)}\nallowed:\n${allowed.map((a) => `  ${show(a)}`).join("\n")}`,
  );
}
