/**
 * Regressions of the lifecycle races found from outside (issue #14, item 1
 * and 4), each as it was reproduced, on every server-side store and on
 * revocable cookie sessions. The model test (test/model/) generates such
 * scenarios; these keep the ones that were found, by name.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createSessions, SessionInterruptedError, type Duration, type SessionManager, type Store } from "../../src/index.js";
import { MemoryStore } from "../../src/stores/memory.js";
import { serviceUnavailable } from "../../src/testing/index.js";
import { SECRET } from "../helpers/security-server.js";
import { storeKinds } from "../helpers/security-stores.js";

const kinds = await storeKinds("lifecycle");

/** The `name=value` pair of a commit's cookie. */
async function commitCookie(sessions: SessionManager, session: Awaited<ReturnType<SessionManager["load"]>>): Promise<string> {
  const { setCookie } = await sessions.commit(session, { status: 200 });
  assert.equal(setCookie.length, 1, "one Set-Cookie");
  return setCookie[0]!.split(";")[0]!;
}

/** A logged-in session: its cookie. */
async function loggedIn(sessions: SessionManager, extra: Record<string, unknown> = {}): Promise<string> {
  const s = await sessions.load(undefined);
  await s.login("alice");
  s.set("user", "alice");
  for (const [key, value] of Object.entries(extra)) s.set(key, value);
  return commitCookie(sessions, s);
}

/** Whether a cookie still carries the logged-in session. */
async function isLive(sessions: SessionManager, cookie: string): Promise<boolean> {
  return (await sessions.load(cookie)).get("user") === "alice";
}

function lifecycleTests(label: string, open: () => Promise<{ store: Store; close(): Promise<void> }>): void {
  const withManager = async (run: (sessions: SessionManager, store: Store) => Promise<void>, options: { now?: () => number; absoluteTimeout?: Duration } = {}) => {
    const { store, close } = await open();
    try {
      await run(createSessions({ secret: SECRET, store, ...options }), store);
    } finally {
      await close();
    }
  };

  it(`R20 a regenerate or login that loaded before a logout is refused and leaves no live session (${label})`, () =>
    withManager(async (sessions) => {
      for (const call of ["regenerate", "login"] as const) {
        const cookie = await loggedIn(sessions);
        const inFlight = await sessions.load(cookie);
        const logout = await sessions.load(cookie);
        await logout.destroy();
        await sessions.commit(logout);
        if (call === "regenerate") await inFlight.regenerate();
        else await inFlight.login("alice");
        await assert.rejects(sessions.commit(inFlight), (e: unknown) => e instanceof SessionInterruptedError, `${call} after a logout`);
        assert.equal(await isLive(sessions, cookie), false, `${call}: the old cookie stays logged out`);
        assert.deepEqual(await sessions.listForUser("alice"), [], `${call}: no session of alice is left`);
      }
    }));

  it(`R69 two regenerates of one session leave one live successor, and a logout with the old id ends it (${label})`, () =>
    withManager(async (sessions) => {
      const cookie = await loggedIn(sessions);
      const a = await sessions.load(cookie);
      const b = await sessions.load(cookie);
      await a.regenerate();
      await b.regenerate();
      const successor = await commitCookie(sessions, a);
      await assert.rejects(sessions.commit(b), (e: unknown) => e instanceof SessionInterruptedError && e.message.includes("regenerated"));
      assert.equal(await isLive(sessions, successor), true, "the winner's successor is live");
      assert.equal((await sessions.listForUser("alice")).length, 1, "one session of alice");
      // A logout sent with the old id, still readable in its grace window, ends the session under its new id too.
      const logout = await sessions.load(cookie);
      assert.equal(logout.get("user"), "alice", "the old id is readable in the grace window");
      await logout.destroy();
      await sessions.commit(logout);
      assert.equal(await isLive(sessions, successor), false, "the successor ended with the logout");
      assert.equal(await isLive(sessions, cookie), false);
    }));

  it(`R67 a key another request deleted stays deleted after a regenerate that loaded it (${label})`, () =>
    withManager(async (sessions) => {
      const cookie = await loggedIn(sessions, { sudo: true });
      const regenerating = await sessions.load(cookie);
      assert.equal(regenerating.get("sudo"), true);
      const dropSudo = await sessions.load(cookie);
      dropSudo.delete("sudo");
      assert.deepEqual((await sessions.commit(dropSudo)).setCookie, [], "a plain change needs no new cookie");
      await regenerating.regenerate();
      regenerating.set("seen", 1);
      const successor = await commitCookie(sessions, regenerating);
      const after = await sessions.load(successor);
      assert.equal(after.has("sudo"), false, "sudo did not come back");
      assert.equal(after.get("seen"), 1, "the regenerating request's own change landed");
      assert.equal(after.get("user"), "alice");
    }));

  it(`R13 regenerate keeps the absolute timeout's origin; a login starts a new one (${label})`, () => {
    let nowMs = Date.UTC(2026, 0, 1);
    return withManager(
      async (sessions) => {
        let cookie = await loggedIn(sessions);
        // Regenerate every 20 minutes: the session still ends one hour after it began.
        for (let i = 0; i < 2; i++) {
          nowMs += 20 * 60_000;
          const s = await sessions.load(cookie);
          assert.equal(s.get("user"), "alice", `alive at ${20 * (i + 1)} min`);
          await s.regenerate();
          cookie = await commitCookie(sessions, s);
        }
        nowMs += 21 * 60_000;
        assert.equal(await isLive(sessions, cookie), false, "ended at 61 min despite the regenerates");
        // A login is a new authentication: its hour starts at the login.
        const fresh = await loggedIn(sessions);
        nowMs += 59 * 60_000;
        assert.equal(await isLive(sessions, fresh), true);
      },
      { now: () => nowMs, absoluteTimeout: "1h" },
    );
  });
}

describe("lifecycle races on server-side stores (issue #14)", () => {
  for (const kind of kinds) {
    if (kind.skip) {
      serviceUnavailable(`lifecycle races (${kind.name})`, kind.skip);
      continue;
    }
    lifecycleTests(kind.name, () => kind.open());
  }
});

describe("lifecycle races on revocable cookie sessions (issue #14)", () => {
  const revocable = (store: Store, options: { now?: () => number; absoluteTimeout?: Duration } = {}) =>
    createSessions({ secret: SECRET, revocation: { store }, ...options });

  it("R17 a regenerate or login that loaded before a logout is refused, and its cookie is not live", async () => {
    for (const call of ["regenerate", "login"] as const) {
      const sessions = revocable(new MemoryStore());
      const cookie = await loggedIn(sessions);
      const inFlight = await sessions.load(cookie);
      const logout = await sessions.load(cookie);
      await logout.destroy();
      await sessions.commit(logout);
      if (call === "regenerate") await inFlight.regenerate();
      else await inFlight.login("alice");
      await assert.rejects(sessions.commit(inFlight), (e: unknown) => e instanceof SessionInterruptedError, call);
      assert.equal(await isLive(sessions, cookie), false);
    }
  });

  it("R17 a logout with the old cookie after a regenerate revokes the regenerated cookie too", async () => {
    const sessions = revocable(new MemoryStore());
    const cookie = await loggedIn(sessions);
    const regenerating = await sessions.load(cookie);
    const logout = await sessions.load(cookie);
    await regenerating.regenerate();
    const successor = await commitCookie(sessions, regenerating);
    assert.equal(await isLive(sessions, successor), true);
    await logout.destroy();
    await sessions.commit(logout);
    assert.equal(await isLive(sessions, successor), false, "the logout followed the regenerate");
    assert.equal(await isLive(sessions, cookie), false);
  });

  it("R17 two regenerates of one cookie leave one live successor", async () => {
    const sessions = revocable(new MemoryStore());
    const cookie = await loggedIn(sessions);
    const a = await sessions.load(cookie);
    const b = await sessions.load(cookie);
    await a.regenerate();
    await b.regenerate();
    const successor = await commitCookie(sessions, a);
    await assert.rejects(sessions.commit(b), (e: unknown) => e instanceof SessionInterruptedError);
    assert.equal(await isLive(sessions, successor), true);
    assert.equal(await isLive(sessions, cookie), false, "the old cookie is revoked once regenerated");
  });

  it("R13 regenerate keeps the absolute timeout's origin in cookie mode too; a login starts a new one", async () => {
    let nowMs = Date.UTC(2026, 0, 1);
    for (const sessions of [createSessions({ secret: SECRET, now: () => nowMs, absoluteTimeout: "1h" }), revocable(new MemoryStore(), { now: () => nowMs, absoluteTimeout: "1h" })]) {
      nowMs = Date.UTC(2026, 0, 1);
      let cookie = await loggedIn(sessions);
      for (let i = 0; i < 2; i++) {
        nowMs += 20 * 60_000;
        const s = await sessions.load(cookie);
        assert.equal(s.get("user"), "alice");
        await s.regenerate();
        cookie = await commitCookie(sessions, s);
      }
      nowMs += 21 * 60_000;
      assert.equal(await isLive(sessions, cookie), false, "ended at 61 min despite the regenerates");
      const fresh = await loggedIn(sessions);
      nowMs += 59 * 60_000;
      assert.equal(await isLive(sessions, fresh), true, "a login starts a new hour");
    }
  });
});
