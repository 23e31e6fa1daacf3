/**
 * Section F of docs/security-model.md: caching headers on the wire —
 * `Vary: Cookie` on every kind of session access (Flask CVE-2023-30861 and
 * CVE-2026-27205), `Cache-Control` on responses that set a cookie, and
 * nothing added to responses that never touch the session. On all six adapters (R79).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createSessions, type Session } from "../../src/index.js";
import { MemoryStore } from "../../src/stores/memory.js";
import { ADAPTERS, SECRET, cookieOf, startApp, type TestApp } from "../helpers/security-server.js";

/** Every way a handler can look at a session; each must add Vary. */
const ACCESS: Record<string, (s: Session<any>) => unknown> = {
  get: (s) => s.get("a"),
  has: (s) => s.has("a"),
  keys: (s) => s.keys(),
  size: (s) => s.size,
  entries: (s) => s.entries(),
  toJSON: (s) => s.toJSON(),
  pop: (s) => s.pop("missing"),
  set: (s) => s.set("b", 2),
  delete: (s) => s.delete("a"),
  clear: (s) => s.clear(),
  consumeFlashes: (s) => s.consumeFlashes(),
  permanent: (s) => s.permanent,
};

for (const adapter of ADAPTERS) {
  for (const mode of ["cookie", "store"] as const) {
    describe(`F. caching (${mode} mode) [${adapter}]`, () => {
      let app: TestApp;
      let cookie = "";
      before(async () => {
        const sessions = createSessions({ secret: SECRET, ...(mode === "store" ? { store: new MemoryStore() } : {}) });
        app = await startApp(
          sessions,
          ({ session, path, query }) => {
            const method = query.get("m");
            if (path === "/seed") session.set("a", 1);
            if (path === "/perm") session.permanent = true;
            if (method) ACCESS[method]!(session);
            const headers: Record<string, string> = {};
            if (query.has("vary")) headers.Vary = "Accept-Encoding";
            if (query.has("cc")) headers["Cache-Control"] = "public, max-age=60";
            return { headers, body: "ok" };
          },
          { adapter },
        );
        cookie = cookieOf(await app.get("/seed"))!;
      });
      after(() => app.close());

      it(`R37 every read or write of the session adds exactly one Vary: Cookie, merged with the app's Vary (${mode}) [${adapter}]`, async () => {
        for (const method of Object.keys(ACCESS)) {
          const res = await app.get(`/?m=${method}&vary=1`, { cookie });
          assert.equal(res.headers.vary, "Accept-Encoding, Cookie", `Vary after ${method}`);
          const bare = await app.get(`/?m=${method}`, { cookie });
          assert.equal(bare.headers.vary, "Cookie", `Vary after ${method} (no app Vary)`);
          cookie = cookieOf(await app.get("/seed", { cookie })) ?? cookie;
        }
      });

      it(`R37 a refresh-only permanent session still carries Vary: Cookie (Flask CVE-2023-30861) (${mode}) [${adapter}]`, async () => {
        const perm = cookieOf(await app.get("/perm"))!;
        const seeded = cookieOf(await app.get("/seed", { cookie: perm })) ?? perm;
        const res = await app.get("/untouched", { cookie: seeded });
        if (res.setCookie.length > 0) assert.equal(res.headers.vary, "Cookie");
        else assert.equal(mode, "store", "cookie mode refreshes a permanent session on every request");
      });

      it(`R38 a response that sets a cookie gets Cache-Control: private, no-store when the app set none (${mode}) [${adapter}]`, async () => {
        // No cookie sent: the write creates a session, so the response sets one in both modes.
        const res = await app.get("/?m=set");
        assert.ok(res.setCookie.length > 0);
        assert.equal(res.headers["cache-control"], "private, no-store");
      });

      it(`R39 a response that never touches the session stays cacheable: no Vary, no Cache-Control (${mode}) [${adapter}]`, async () => {
        const res = await app.get("/static?cc=1", { cookie });
        assert.equal(res.headers.vary, undefined);
        assert.equal(res.headers["cache-control"], "public, max-age=60");
        const none = await app.get("/static");
        assert.equal(none.headers.vary, undefined);
        assert.equal(none.headers["cache-control"], undefined);
        assert.deepEqual(none.setCookie, []);
      });
    });
  }
}
