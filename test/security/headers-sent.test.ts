/**
 * R23: the save happens before the headers leave, and a change made after
 * the commit raises. The Session itself refuses: once the manager has
 * started committing it (what every adapter does when the response head
 * leaves), every mutating call throws HeadersSentError synchronously, so no
 * adapter can drop a late change silently. Reads stay allowed. The wire
 * check runs on all six adapters (R79).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { CookieTooLargeError, HeadersSentError, createSessions, hashSessionId, storeContext, type Session } from "../../src/index.js";
import { MemoryStore } from "../../src/stores/memory.js";
import { ADAPTERS, cookieValue, startApp } from "../helpers/security-server.js";

const SECRET = "headers-sent-suite-secret-0123456789abcdef-XYZ";

/** Every call that can change a session, each on its own. */
const MUTATIONS: [string, (s: Session<Record<string, unknown>>) => unknown][] = [
  ["set", (s) => s.set("late", 1)],
  ["set undefined", (s) => s.set("a", undefined)],
  ["delete", (s) => s.delete("a")],
  ["delete of a missing key", (s) => s.delete("missing")],
  ["pop", (s) => s.pop("a")],
  ["pop of a missing key", (s) => s.pop("missing", 0)],
  ["clear", (s) => s.clear()],
  ["setdefault", (s) => s.setdefault("late", 1)],
  ["flash", (s) => s.flash("late")],
  ["consumeFlashes", (s) => s.consumeFlashes()],
  ["regenerate", (s) => s.regenerate()],
  ["login", (s) => s.login("user-1")],
  ["destroy", (s) => s.destroy()],
  ["permanent =", (s) => (s.permanent = true)],
  ["modified = true", (s) => (s.modified = true)],
  ["setUser", (s) => s.setUser("user-1")],
];

function assertRefusesEveryChange(session: Session<Record<string, unknown>>): void {
  for (const [name, mutate] of MUTATIONS) {
    let result: unknown;
    assert.throws(
      () => (result = mutate(session)),
      (error: unknown) => error instanceof HeadersSentError && error.code === "HEADERS_SENT" && /before sending/.test(error.message),
      `${name} throws synchronously (not a rejected promise)`,
    );
    assert.equal(result, undefined);
  }
  // Reads stay allowed.
  assert.equal(session.get("a"), 1);
  assert.equal(session.has("a"), true);
  assert.deepEqual(session.keys(), ["a"]);
  assert.equal(session.permanent, false);
  session.modified = false; // what the adapters do after a commit: not a change
}

describe("R23 a change after the commit raises", () => {
  it("R23 a change after the headers left raises HeadersSentError synchronously, for every mutating call, in every mode; reads stay allowed", async () => {
    const cookieSessions = createSessions({ secret: SECRET });
    const viaSync = await cookieSessions.load(undefined);
    viaSync.set("a", 1);
    const [line] = cookieSessions.commitSync(viaSync).setCookie;
    assertRefusesEveryChange(viaSync);
    assert.deepEqual({ ...(await cookieSessions.load(line!.split(";")[0])).toJSON() }, { a: 1 }, "the committed cookie is what was set before");

    const viaAsync = await cookieSessions.load(undefined);
    viaAsync.set("a", 1);
    await cookieSessions.commit(viaAsync);
    assertRefusesEveryChange(viaAsync);

    const store = new MemoryStore();
    const stored = createSessions({ secret: SECRET, store });
    const session = await stored.load(undefined);
    session.set("a", 1);
    const pending = stored.commit(session);
    // The store write is still in flight: a change now could not be part of it.
    assertRefusesEveryChange(session);
    const cookie = (await pending).setCookie[0]!.split(";")[0]!;
    const record = await store.load(hashSessionId(cookie.slice("session=".length)), storeContext());
    assert.deepEqual(Object.keys(record!.data), ["a"]);
  });

  it("R23 a commit that throws sent nothing: the session stays open, so the caller can fix it and commit again", async () => {
    const sessions = createSessions({ secret: SECRET });
    const session = await sessions.load(undefined);
    session.set("big", randomBytes(6_000).toString("base64")); // incompressible
    assert.throws(() => sessions.commitSync(session), CookieTooLargeError);
    session.delete("big");
    session.set("small", 1);
    assert.equal(sessions.commitSync(session).setCookie.length, 1);
    assert.throws(() => session.set("after", 1), HeadersSentError);
  });
});

for (const adapter of ADAPTERS) {
  describe(`R23 a change after the commit raises, on the wire [${adapter}]`, () => {
    it(`R23 on the wire (server-side): a change after the head left throws at the call, the visitor gets the committed state, the store never sees the late key [${adapter}]`, async () => {
      const store = new MemoryStore();
      const sessions = createSessions({ secret: SECRET, store });
      const thrown: unknown[] = [];
      // The head leaves with the first chunk of each framework's own streaming.
      const app = await startApp(
        sessions,
        ({ session }) => {
          session.set("a", 1);
          const body = async function* (): AsyncGenerator<string> {
            yield "head sent; ";
            await delay(10);
            try {
              session.set("late", 1);
            } catch (error) {
              thrown.push(error);
            }
            yield `a=${String(session.get("a"))}`;
          };
          return { stream: body() };
        },
        { adapter },
      );
      try {
        const r = await app.get("/");
        assert.equal(r.body, "head sent; a=1");
        assert.equal(thrown.length, 1);
        assert.ok(thrown[0] instanceof HeadersSentError);
        const id = cookieValue(r)!;
        assert.deepEqual(Object.keys((await store.load(hashSessionId(id), storeContext()))!.data), ["a"]);
      } finally {
        await app.close();
      }
    });
  });
}
