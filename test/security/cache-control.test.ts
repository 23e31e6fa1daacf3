/**
 * R38: a response carrying the session's Set-Cookie must not be stored by a
 * shared cache, or the cache hands one visitor's session to the next. Every
 * such response gets `Cache-Control: private, no-store`, unless the app's own
 * value already keeps shared caches away (`private`, `no-store`,
 * `no-cache="Set-Cookie"`); an app value that does not (`public`) is
 * replaced, with one warning that says so and carries nothing secret.
 * R39 (the other side): a response that sets no cookie keeps its caching.
 *
 * On the wire on all six adapters (R79), as is the shared adapter suite
 * (src/testing/adapter-suite.ts).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { cacheControlFor, createSessions } from "../../src/index.js";
import { MemoryStore } from "../../src/stores/memory.js";
import { ADAPTERS, startApp, type AdapterName } from "../helpers/security-server.js";

const SECRET = "cache-control-suite-secret-0123456789abcdef-XYZ";

/** A login app: `/login?cc=<Cache-Control>` logs in and sets the app's Cache-Control, `/page?cc=` only reads. */
async function loginApp(adapter: AdapterName, store?: MemoryStore) {
  const sessions = createSessions({ secret: SECRET, ...(store ? { store } : {}) });
  const app = await startApp(
    sessions,
    async ({ session, path, query }) => {
      const cc = query.get("cc");
      if (path === "/login") await session.login("user-42");
      else session.get("user");
      return { headers: { "Cache-Control": cc ?? undefined }, body: "ok" };
    },
    { adapter },
  );
  return { get: (path: string, cookie?: string) => app.get(path, cookie ? { cookie } : {}), close: () => app.close() };
}

// The replacement warning is once per process: listen for the whole file.
const warnings: Error[] = [];
const onWarning = (w: Error): void => void warnings.push(w);
before(() => process.on("warning", onWarning));
after(() => process.off("warning", onWarning));

for (const adapter of ADAPTERS) {
  describe(`R38 Cache-Control on responses that set the session cookie [${adapter}]`, () => {
    for (const mode of ["cookie", "server-side"] as const) {
      it(`R38 a login response carries Cache-Control: private, no-store; an app's private, no-store or no-cache="Set-Cookie" is kept (${mode}) [${adapter}]`, async () => {
        const app = await loginApp(adapter, mode === "server-side" ? new MemoryStore() : undefined);
        try {
          const login = await app.get("/login");
          assert.equal(login.setCookie.length, 1);
          assert.equal(login.headers["cache-control"], "private, no-store");
          for (const own of ["no-store", "private, max-age=60", 'no-cache="Set-Cookie"', 'max-age=0, no-cache="set-cookie, x-other"']) {
            const r = await app.get(`/login?cc=${encodeURIComponent(own)}`);
            assert.equal(r.setCookie.length, 1, own);
            assert.equal(r.headers["cache-control"], own, `the app's ${own} stands`);
          }
          const cookie = login.setCookie[0]!.split(";")[0]!;
          const read = await app.get(`/page?cc=${encodeURIComponent("public, max-age=600")}`, cookie);
          assert.deepEqual(read.setCookie, [], "a read sets no cookie");
          assert.equal(read.headers["cache-control"], "public, max-age=600", "R39: a response without Set-Cookie keeps its caching");
        } finally {
          await app.close();
        }
      });
    }

    it(`R38 an app's public Cache-Control on a response setting the cookie is replaced by private, no-store, with one warning that holds no cookie [${adapter}]`, async () => {
      const app = await loginApp(adapter);
      try {
        const cookies: string[] = [];
        for (const own of ["public, max-age=600", "max-age=600", "no-cache", "private=\"X-Other\", s-maxage=60"]) {
          const r = await app.get(`/login?cc=${encodeURIComponent(own)}`);
          assert.equal(r.headers["cache-control"], "private, no-store", `${own} is replaced`);
          cookies.push(...r.setCookie);
        }
        await new Promise((resolve) => setImmediate(resolve));
        const replaced = warnings.filter((w) => (w as Error & { code?: string }).code === "SESSIONKIT_CACHE_CONTROL_REPLACED");
        assert.equal(replaced.length, 1, "warned once per process, not once per response (nor once per adapter)");
        assert.match(replaced[0]!.message, /replaced with "private, no-store"/);
        for (const line of cookies) assert.ok(!replaced[0]!.message.includes(line.split(";")[0]!.split("=")[1]!), "no cookie value in the warning");
        assert.ok(!replaced[0]!.message.includes(SECRET));
      } finally {
        await app.close();
      }
    });
  });
}

describe("R38 Cache-Control directives (core, no adapter involved)", () => {
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
