// session.save() and reload() at the manager, in cookie mode and on a store:
// what the final commit sends after a save, and the calls refused around it.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { createSessions, HeadersSentError, type SessionOptions } from "sessionkit";
import { MemoryStore } from "sessionkit/stores/memory";
import { cookieFrom } from "sessionkit/testing";

const secret = randomBytes(32).toString("base64url");
const MODES: Record<string, () => Partial<SessionOptions>> = {
  "cookie (signed)": () => ({}),
  "cookie (flask)": () => ({ format: "flask" }),
  "cookie with revocation": () => ({ revocation: { store: new MemoryStore() } }),
  store: () => ({ store: new MemoryStore() }),
};

for (const [name, mode] of Object.entries(MODES)) {
  describe(`save/reload (${name})`, () => {
    const make = () => createSessions<Record<string, unknown>>({ secret, ...mode() } as SessionOptions);

    test("a save with nothing changed after it: the final commit sends the saved cookie, once", async () => {
      const sessions = make();
      const session = await sessions.load(undefined);
      session.set("a", 1);
      await session.save();
      const { setCookie } = await sessions.commit(session, { status: 200 });
      assert.equal(setCookie.length, 1);
      assert.equal((await sessions.load(cookieFrom(setCookie))).get("a"), 1);
    });

    test("a change made while save() runs, or after the commit, throws HeadersSentError", async () => {
      const sessions = make();
      const session = await sessions.load(undefined);
      session.set("a", 1);
      const saving = session.save();
      assert.throws(() => session.set("b", 2), HeadersSentError);
      await saving;
      session.set("b", 2);
      await sessions.commit(session, { status: 200 });
      await assert.rejects(session.save(), HeadersSentError);
      await assert.rejects(session.reload(), HeadersSentError);
    });

    test("reload() drops unsaved changes and keeps what save() wrote; a later logout still ends it", async () => {
      const sessions = make();
      const session = await sessions.load(undefined);
      session.set("saved", true);
      await session.login("u1", { keep: ["saved"] });
      await session.save();
      session.set("unsaved", true);
      await session.reload();
      assert.deepEqual([session.get("saved"), session.has("unsaved"), session.modified], [true, false, false]);
      const cookie = cookieFrom((await sessions.commit(session, { status: 200 })).setCookie);
      const next = await sessions.load(cookie);
      assert.equal(next.get("saved"), true);
      await next.destroy();
      const gone = (await sessions.commit(next, { status: 200 })).setCookie;
      assert.match(gone[0] ?? "", /Max-Age=0/);
    });
  });
}
