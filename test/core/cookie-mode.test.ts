// Cookie mode on the wire: what commit() returns for each request shape
// (docs/flask-format.md §5), with an injected clock.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError, CookieTooLargeError, cookieSalt, createSessions, type SessionEvent, type SessionOptions } from "sessionkit";
import { MemoryStore } from "sessionkit/stores/memory";
import { createCookieCodec } from "sessionkit/codec";

const SECRET = "k".repeat(32) + "-current";
const OLD = "o".repeat(32) + "-old";
const T0 = 1_700_000_000_000;

function setup(extra: Partial<SessionOptions> = {}) {
  let nowMs = T0;
  const events: SessionEvent[] = [];
  const sessions = createSessions({ ...(extra.secrets ? {} : { secret: SECRET }), now: () => nowMs, onEvent: (e) => events.push(e), ...extra });
  return {
    sessions,
    events,
    advance: (seconds: number) => (nowMs += seconds * 1000),
    async request(cookie: string | undefined, handler: (s: Awaited<ReturnType<typeof sessions.load>>) => void, status = 200) {
      const session = await sessions.load(cookie === undefined ? undefined : `other=1; session=${cookie}`);
      handler(session);
      return { session, setCookie: (await sessions.commit(session, { status })).setCookie };
    },
  };
}

const valueOf = (setCookie: string): string => setCookie.slice(setCookie.indexOf("=") + 1, setCookie.indexOf(";"));

describe("cookie mode commit rules", () => {
  test("a write sets the cookie with the default attributes; a read-only request sets nothing", async () => {
    const app = setup();
    const first = await app.request(undefined, (s) => s.set("user", "Tom"));
    assert.equal(first.setCookie.length, 1);
    assert.match(first.setCookie[0]!, /^session=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+; HttpOnly; Path=\/; SameSite=Lax$/);
    const value = valueOf(first.setCookie[0]!);
    const codec = createCookieCodec({ format: "signed", secrets: [SECRET], salt: cookieSalt("signed", "session") });
    assert.equal(codec.decode(value, { nowSeconds: T0 / 1000 }).user, "Tom");

    const read = await app.request(value, (s) => assert.equal(s.get("user"), "Tom"));
    assert.deepEqual(read.setCookie, []);
    assert.equal(read.session.accessed, true);
    const untouched = await app.request(value, () => {});
    assert.deepEqual(untouched.setCookie, []);
    assert.equal(untouched.session.accessed, false);
  });

  test("clearing or popping the last key deletes the cookie with the same attributes", async () => {
    const app = setup({ cookie: { domain: "example.com", path: "/app", sameSite: "strict" } });
    const { setCookie } = await app.request(undefined, (s) => s.set("user", "Tom"));
    const value = valueOf(setCookie[0]!);
    const popped = await app.request(value, (s) => s.pop("user"));
    assert.deepEqual(popped.setCookie, ["session=; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=/app; SameSite=Strict"]);
    const cleared = await app.request(undefined, (s) => s.clear());
    assert.deepEqual(cleared.setCookie, popped.setCookie);
    const missingPop = await app.request(undefined, (s) => s.pop("user"));
    assert.deepEqual(missingPop.setCookie, []);
  });

  test("permanent sessions get Expires = now + lifetime and are refreshed on every request", async () => {
    const app = setup({ lifetime: "1h" });
    const first = await app.request(undefined, (s) => {
      s.set("user", "Tom");
      s.permanent = true;
    });
    assert.match(first.setCookie[0]!, /; Expires=Tue, 14 Nov 2023 23:13:20 GMT; HttpOnly; Path=\/; SameSite=Lax$/);
    app.advance(60);
    const refreshed = await app.request(valueOf(first.setCookie[0]!), () => {});
    assert.equal(refreshed.setCookie.length, 1);
    assert.match(refreshed.setCookie[0]!, /Expires=Tue, 14 Nov 2023 23:14:20 GMT/);
    assert.notEqual(valueOf(refreshed.setCookie[0]!), valueOf(first.setCookie[0]!));
  });

  test("refreshEachRequest: false leaves read-only permanent sessions alone", async () => {
    const app = setup({ refreshEachRequest: false });
    const first = await app.request(undefined, (s) => {
      s.set("user", "Tom");
      s.permanent = true;
    });
    const again = await app.request(valueOf(first.setCookie[0]!), (s) => s.get("user"));
    assert.deepEqual(again.setCookie, []);
  });

  test("expired, future-dated, forged and garbage cookies give a fresh session and an event", async () => {
    const app = setup({ lifetime: 100 });
    const { setCookie } = await app.request(undefined, (s) => s.set("user", "Tom"));
    const value = valueOf(setCookie[0]!);
    app.advance(101);
    const expired = await app.request(value, (s) => assert.equal(s.get("user"), undefined));
    assert.equal(expired.session.isNew, true);
    assert.deepEqual(app.events.at(-1), { type: "cookie_rejected", reason: "expired" });
    app.advance(-200);
    await app.request(value, (s) => assert.equal(s.get("user"), undefined));
    assert.deepEqual(app.events.at(-1), { type: "cookie_rejected", reason: "future" });
    app.advance(99);
    const tampered = value.slice(0, 2) + (value[2] === "A" ? "B" : "A") + value.slice(3);
    await app.request(tampered, (s) => assert.equal(s.get("user"), undefined));
    assert.deepEqual(app.events.at(-1), { type: "cookie_rejected", reason: "bad_signature" });
    for (const garbage of ["", "x", "...", "a.b.c.d", "%ff%fe", "\u00e9\u0000", "x".repeat(5000)]) {
      const r = await app.request(garbage, (s) => s.get("user"));
      assert.equal(r.session.isNew, true);
    }
    for (const e of app.events) assert.ok(!JSON.stringify(e).includes(value.split(".")[2]!));
  });

  test("a cookie signed with an older secret is accepted and re-signed with the current one", async () => {
    const before = setup({ secrets: [OLD] });
    const { setCookie } = await before.request(undefined, (s) => s.set("user", "Tom"));
    const after = setup({ secrets: [SECRET, OLD] });
    const read = await after.request(valueOf(setCookie[0]!), (s) => assert.equal(s.get("user"), "Tom"));
    assert.equal(read.setCookie.length, 1);
    const current = createCookieCodec({ format: "signed", secrets: [SECRET], salt: cookieSalt("signed", "session") });
    assert.equal(current.decode(valueOf(read.setCookie[0]!), { nowSeconds: T0 / 1000 }).user, "Tom");
    const removed = setup({ secrets: [SECRET] });
    const gone = await removed.request(valueOf(setCookie[0]!), (s) => s.get("user"));
    assert.equal(gone.session.isNew, true);
  });

  test("a change inside a nested value is saved", async () => {
    const app = setup();
    const { setCookie } = await app.request(undefined, (s) => s.set("cart", ["a"]));
    const value = valueOf(setCookie[0]!);
    const changed = await app.request(value, (s) => (s.get("cart") as string[]).push("b"));
    assert.equal(changed.setCookie.length, 1);
    const next = await app.request(valueOf(changed.setCookie[0]!), (s) => assert.deepEqual(s.get("cart"), ["a", "b"]));
    assert.deepEqual(next.setCookie, []);
    // The cache of verified cookies was not changed in place by the push above.
    await app.request(value, (s) => assert.deepEqual(s.get("cart"), ["a"]));
  });

  test("an oversized cookie is an error with its size, never a dropped cookie", async () => {
    const app = setup();
    const session = await app.sessions.load(undefined);
    session.set("blob", Array.from({ length: 600 }, (_, i) => `${i}-${Math.sin(i)}`).join(","));
    await assert.rejects(app.sessions.commit(session), (e: unknown) => {
      assert.ok(e instanceof CookieTooLargeError);
      assert.equal(e.limitBytes, 4093);
      assert.ok(e.sizeBytes > 4093);
      assert.match(e.message, /server-side `store`/);
      return true;
    });
  });

  test("a 5xx response saves nothing", async () => {
    const app = setup();
    const r = await app.request(undefined, (s) => s.set("user", "Tom"), 503);
    assert.deepEqual(r.setCookie, []);
    assert.deepEqual(app.events.at(-1), { type: "not_saved", reason: "server_error_status" });
  });

  test("the absolute timeout ends a session however often it is refreshed", async () => {
    const app = setup({ absoluteTimeout: 300, lifetime: 120 });
    let { setCookie } = await app.request(undefined, (s) => {
      s.set("user", "Tom");
      s.permanent = true;
    });
    for (let i = 0; i < 4; i++) {
      app.advance(60);
      const r = await app.request(valueOf(setCookie[0]!), (s) => assert.equal(s.get("user"), "Tom"));
      setCookie = r.setCookie;
    }
    app.advance(61);
    const late = await app.request(valueOf(setCookie[0]!), (s) => s.get("user"));
    assert.equal(late.session.isNew, true);
    assert.deepEqual(app.events.at(-1), { type: "cookie_rejected", reason: "absolute_timeout" });
  });

  test("Secure follows the request when secure is \"auto\", and is forced for __Host- names", async () => {
    const app = setup();
    const s1 = await app.sessions.load(undefined, { secure: true });
    s1.set("a", 1);
    assert.match(((await app.sessions.commit(s1)).setCookie)[0]!, /; Secure; HttpOnly;/);
    const host = setup({ cookie: { name: "__Host-sid" } });
    const s2 = await host.sessions.load(undefined, { secure: false });
    s2.set("a", 1);
    assert.match(((await host.sessions.commit(s2)).setCookie)[0]!, /^__Host-sid=[^;]+; Secure; HttpOnly; Path=\/; SameSite=Lax$/);
  });

  test("the flask and encrypted formats round-trip through load and commit", async () => {
    for (const format of ["flask", "encrypted"] as const) {
      const app = setup({ format });
      const { setCookie } = await app.request(undefined, (s) => s.set("user", "Tom"));
      const value = valueOf(setCookie[0]!);
      if (format === "encrypted") assert.ok(!Buffer.from(value.replace(/\./g, ""), "base64url").toString("latin1").includes("Tom"));
      await app.request(value, (s) => assert.equal(s.get("user"), "Tom"));
    }
  });
});

describe("loadSync (cookie mode, for adapters)", () => {
  test("gives what load gives, in the same tick: the data, a fresh session for a forged cookie (with its event), none outside the cookie's Path", async () => {
    const app = setup({ cookie: { path: "/app" } });
    const { setCookie } = await app.request(undefined, (s) => s.set("user", "Tom"));
    const header = `other=1; session=${valueOf(setCookie[0]!)}`;
    const now = app.sessions.loadSync(header, { path: "/app/x" });
    assert.ok(!(now instanceof Promise));
    assert.deepEqual(now.toJSON(), (await app.sessions.load(header, { path: "/app/x" })).toJSON());
    assert.equal(now.get("user"), "Tom");

    const forged = app.sessions.loadSync(`session=${valueOf(setCookie[0]!).slice(0, -2)}xx`, { path: "/app" });
    assert.equal(forged.isNew, true);
    assert.deepEqual(app.events.at(-1), { type: "cookie_rejected", reason: "bad_signature" });

    const outside = app.sessions.loadSync(header, { path: "/other" });
    assert.equal(outside.get("user"), undefined);
    outside.set("user", "Eve");
    assert.deepEqual(app.sessions.commitSync(outside).setCookie, [], "out of the Path: nothing is written");
  });

  test("is refused, as commitSync, where the mode must wait: a store, revocation", () => {
    const store = createSessions({ secret: SECRET, store: new MemoryStore() });
    assert.equal(store.canCommitSync, false);
    assert.throws(() => store.loadSync(undefined), (e: unknown) => e instanceof ConfigError && e.option === "store" && /await load\(\)/.test(e.message));
    const revocable = createSessions({ secret: SECRET, revocation: { store: new MemoryStore() } });
    assert.throws(() => revocable.loadSync(undefined), (e: unknown) => e instanceof ConfigError && e.option === "revocation");
  });
});
