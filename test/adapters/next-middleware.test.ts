/**
 * getSessionFromRequest (sessionkit/next, for Middleware) on real managers
 * and real Requests: what it reads, what it refuses, and what its errors
 * say. The same function on the real Next.js Edge runtime is driven over
 * HTTP by test/frameworks/next.test.ts.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError, createSessions, ReadOnlySessionError } from "sessionkit";
import { getSessionFromRequest } from "sessionkit/next";
import { MemoryStore } from "../../src/stores/memory.js";

const SECRET = "next-middleware-secret-0123456789abcdef-0123";

function request(cookie?: string): Request {
  return new Request("http://127.0.0.1/profile", cookie === undefined ? {} : { headers: { cookie } });
}

async function loggedInCookie(sessions: ReturnType<typeof createSessions>): Promise<string> {
  const session = await sessions.load(null);
  session.set("username", "ada");
  const { setCookie } = await sessions.commit(session, { status: 200 });
  return setCookie[0]!.split("; ")[0]!;
}

describe("getSessionFromRequest", () => {
  const sessions = createSessions({ secret: SECRET });

  test("reads the session of the request's Cookie header", async () => {
    const cookie = await loggedInCookie(sessions);
    const session = await getSessionFromRequest(sessions, request(cookie));
    assert.equal(session.get("username"), "ada");
    assert.equal(session.isNew, false);
    // A factory, as the Next.js example passes, works as well.
    assert.equal((await getSessionFromRequest(() => sessions, request(cookie))).get("username"), "ada");
  });

  test("a forged, truncated or garbage cookie is an empty session, not an error", async () => {
    const good = (await loggedInCookie(sessions)).slice("session=".length);
    for (const value of [good.slice(0, -2), `${good}x`, "garbage", "%E0%A4%A"]) {
      const session = await getSessionFromRequest(sessions, request(`session=${value}`));
      assert.equal(session.isNew, true, value.slice(0, 20));
      assert.equal(session.get("username"), undefined);
    }
    assert.equal((await getSessionFromRequest(sessions, request())).isNew, true);
  });

  test("a change is refused with a ReadOnlySessionError that says how Middleware redirects instead", async () => {
    const session = await getSessionFromRequest(sessions, request(await loggedInCookie(sessions)));
    for (const change of [() => (session.set as Function)("username", "eve"), () => (session.destroy as Function)(), () => session.csrfToken()]) {
      assert.throws(change, (error: unknown) => {
        assert.ok(error instanceof ReadOnlySessionError);
        assert.equal(error.code, "SESSION_READ_ONLY");
        assert.match(error.message, /Middleware cannot set the session cookie through sessionkit: redirect \(NextResponse\.redirect\) to a Server Action or Route Handler/);
        return true;
      });
    }
    assert.equal(session.get("username"), "ada");
  });

  test("a manager with a store or a revocation store is refused with a ConfigError naming the option, and no secret or cookie", async () => {
    const cookie = await loggedInCookie(sessions);
    const cases = [
      ["store", createSessions({ secret: SECRET, store: new MemoryStore() })],
      ["revocation.store", createSessions({ secret: SECRET, revocation: { store: new MemoryStore() } })],
    ] as const;
    for (const [option, manager] of cases) {
      await assert.rejects(getSessionFromRequest(manager, request(cookie)), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.option, option);
        assert.match(error.message, /Next\.js Middleware reads cookie-mode sessions only/);
        assert.ok(!error.message.includes(SECRET) && !error.message.includes(cookie.slice(8)));
        return true;
      });
    }
  });
});
