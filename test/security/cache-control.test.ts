/**
 * R38: a response carrying the session's Set-Cookie must not be stored by a
 * shared cache, or the cache hands one visitor's session to the next. Every
 * such response gets `Cache-Control: private, no-store`, unless the app's own
 * value already keeps shared caches away (`private`, `no-store`,
 * `no-cache="Set-Cookie"`); an app value that does not (`public`) is
 * replaced, with one warning that says so and carries nothing secret.
 * R39 (the other side): a response that sets no cookie keeps its caching.
 *
 * On the wire through sessionkit/node; the shared adapter suite
 * (src/testing/adapter-suite.ts) asserts the same on all six adapters.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { cacheControlFor, createSessions } from "../../src/index.js";
import { withSessions, type SessionRequest } from "../../src/adapters/node.js";
import { MemoryStore } from "../../src/stores/memory.js";

const SECRET = "cache-control-suite-secret-0123456789abcdef-XYZ";

type Route = (req: SessionRequest<Record<string, unknown>>, res: ServerResponse) => void;

/** A login app: `/login?cc=<Cache-Control>` logs in and sets the app's Cache-Control, `/page?cc=` only reads. */
async function loginApp(store?: MemoryStore) {
  const sessions = createSessions({ secret: SECRET, ...(store ? { store } : {}) });
  const route: Route = (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const cc = url.searchParams.get("cc");
    if (cc !== null) res.setHeader("Cache-Control", cc);
    if (url.pathname === "/login") void req.session.login("user-42");
    else req.session.get("user");
    res.end("ok");
  };
  const server = createServer(withSessions(sessions, route));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    get: async (path: string, cookie?: string) => {
      const r = await fetch(base + path, cookie ? { headers: { cookie } } : {});
      await r.text();
      return r;
    },
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

describe("R38 Cache-Control on responses that set the session cookie", () => {
  for (const mode of ["cookie", "server-side"] as const) {
    it(`R38 a login response carries Cache-Control: private, no-store; an app's private, no-store or no-cache="Set-Cookie" is kept (${mode})`, async () => {
      const app = await loginApp(mode === "server-side" ? new MemoryStore() : undefined);
      try {
        const login = await app.get("/login");
        assert.equal(login.headers.getSetCookie().length, 1);
        assert.equal(login.headers.get("cache-control"), "private, no-store");
        for (const own of ["no-store", "private, max-age=60", 'no-cache="Set-Cookie"', 'max-age=0, no-cache="set-cookie, x-other"']) {
          const r = await app.get(`/login?cc=${encodeURIComponent(own)}`);
          assert.equal(r.headers.getSetCookie().length, 1, own);
          assert.equal(r.headers.get("cache-control"), own, `the app's ${own} stands`);
        }
        const cookie = login.headers.getSetCookie()[0]!.split(";")[0]!;
        const read = await app.get(`/page?cc=${encodeURIComponent("public, max-age=600")}`, cookie);
        assert.deepEqual(read.headers.getSetCookie(), [], "a read sets no cookie");
        assert.equal(read.headers.get("cache-control"), "public, max-age=600", "R39: a response without Set-Cookie keeps its caching");
      } finally {
        await app.close();
      }
    });
  }

  it("R38 an app's public Cache-Control on a response setting the cookie is replaced by private, no-store, with one warning that holds no cookie", async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on("warning", onWarning);
    const app = await loginApp();
    try {
      const cookies: string[] = [];
      for (const own of ["public, max-age=600", "max-age=600", "no-cache", "private=\"X-Other\", s-maxage=60"]) {
        const r = await app.get(`/login?cc=${encodeURIComponent(own)}`);
        assert.equal(r.headers.get("cache-control"), "private, no-store", `${own} is replaced`);
        cookies.push(...r.headers.getSetCookie());
      }
      await new Promise((resolve) => setImmediate(resolve));
      const replaced = warnings.filter((w) => (w as Error & { code?: string }).code === "SESSIONKIT_CACHE_CONTROL_REPLACED");
      assert.equal(replaced.length, 1, "warned once per process, not once per response");
      assert.match(replaced[0]!.message, /replaced with "private, no-store"/);
      for (const line of cookies) assert.ok(!replaced[0]!.message.includes(line.split(";")[0]!.split("=")[1]!), "no cookie value in the warning");
      assert.ok(!replaced[0]!.message.includes(SECRET));
    } finally {
      process.off("warning", onWarning);
      await app.close();
    }
  });

  it("R38 cacheControlFor reads directives, not substrings", () => {
    const set = ["session=x"];
    assert.equal(cacheControlFor(undefined, []), undefined, "no Set-Cookie: nothing to add");
    assert.equal(cacheControlFor("public", []), undefined);
    assert.equal(cacheControlFor(undefined, set), "private, no-store");
    assert.equal(cacheControlFor("  ", set), "private, no-store");
    assert.equal(cacheControlFor(["max-age=60", "NO-STORE"], set), undefined, "several header lines, any case");
    assert.equal(cacheControlFor("PRIVATE", set), undefined);
    assert.equal(cacheControlFor('no-cache="Set-Cookie"', set), undefined);
    assert.equal(cacheControlFor('private="Set-Cookie"', set), undefined);
    assert.equal(cacheControlFor('no-cache="X-Private, X-No-Store"', set), "private, no-store", "names inside a field list are not directives");
    assert.equal(cacheControlFor("x-private-ish, max-age=5", set), "private, no-store");
  });
});
