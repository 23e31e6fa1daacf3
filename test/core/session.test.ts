// Flask's session semantics (docs/flask-format.md §4) on the Session dictionary.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Session } from "sessionkit";
import { tuple } from "sessionkit/codec";

function loaded(data: Record<string, unknown>): Session {
  return new Session(Object.assign(Object.create(null), data), false);
}

describe("Session as a dictionary", () => {
  test("get/set/has/pop/delete/setdefault behave like Flask's dict", () => {
    const s = new Session(undefined, true);
    assert.equal(s.isNew, true);
    assert.equal(s.modified, false);
    s.set("user", "Tom");
    assert.equal(s.get("user"), "Tom");
    assert.equal(s.has("user"), true);
    assert.equal(s.pop("user"), "Tom");
    assert.equal(s.pop("user", "gone"), "gone");
    assert.equal(s.has("user"), false);
    assert.equal(s.setdefault("n", 1), 1);
    assert.equal(s.setdefault("n", 2), 1);
    assert.equal(s.delete("n"), true);
    assert.equal(s.delete("n"), false);
    assert.equal(s.size, 0);
  });

  test("modified follows Flask: pop of a missing key and setdefault of a present key change nothing", () => {
    const s = loaded({ a: 1 });
    s.pop("missing");
    assert.equal(s.modified, false);
    s.setdefault("a", 2);
    assert.equal(s.modified, false);
    s.get("a");
    assert.equal(s.modified, false);
    assert.equal(s.accessed, true);
    s.pop("a");
    assert.equal(s.modified, true);
  });

  test("clear always counts as a change, even on an empty session", () => {
    const s = new Session(undefined, true);
    s.clear();
    assert.equal(s.modified, true);
  });

  test("every read marks the session accessed (Flask 3.1.3, CVE-2026-27205)", () => {
    for (const read of [
      (s: Session) => s.has("a"),
      (s: Session) => s.keys(),
      (s: Session) => s.size,
      (s: Session) => s.entries(),
      (s: Session) => s.toJSON(),
      (s: Session) => s.get("a"),
      (s: Session) => s.permanent,
    ]) {
      const s = loaded({ a: 1 });
      assert.equal(s.accessed, false);
      read(s);
      assert.equal(s.accessed, true, read.toString());
    }
  });

  test("keys named like methods or prototypes are plain data", () => {
    const s = loaded(JSON.parse('{"get":1,"__proto__":{"admin":true},"constructor":"x","toJSON":3}'));
    assert.equal(typeof s.get, "function");
    assert.deepEqual({ ...(s.get("__proto__" as never) as object) }, { admin: true });
    assert.equal(s.get("constructor"), "x");
    assert.equal((s.toJSON() as Record<string, unknown>).toJSON, 3);
    assert.equal(({} as Record<string, unknown>).admin, undefined);
    assert.equal(s.get("admin"), undefined);
    assert.deepEqual(s.keys().sort(), ["__proto__", "constructor", "get", "toJSON"]);
  });

  test("reserved wire keys are hidden and cannot be set directly", () => {
    const s = loaded({ _permanent: true, user: "a" });
    assert.equal(s.permanent, true);
    assert.deepEqual(s.keys(), ["user"]);
    assert.equal(s.get("_permanent"), undefined);
    assert.throws(() => s.set("_flashes", []), TypeError);
  });

  test("values handed out are copies: changing one in place does not touch the loaded data", () => {
    const shared = Object.assign(Object.create(null), { cart: ["a"] });
    const s = new Session(shared, false);
    (s.get("cart") as string[]).push("b");
    assert.deepEqual(shared.cart, ["a"]);
    assert.deepEqual(s.get("cart"), ["a", "b"]);
  });

  test("flash and consumeFlashes keep Flask's (category, message) pairs", () => {
    const s = new Session(undefined, true);
    s.flash("Hello");
    s.flash("Saved", "success");
    assert.deepEqual(s.consumeFlashes({ withCategories: true }), [
      ["message", "Hello"],
      ["success", "Saved"],
    ]);
    assert.equal(s.modified, true);
  });

  test("consumeFlashes takes the flashes once per request and returns them again, as get_flashed_messages (issue #16)", () => {
    const s = new Session({ _flashes: [tuple("info", "saved"), tuple("error", "bad input")] }, false);
    assert.deepEqual(s.consumeFlashes({ categoryFilter: ["error"] }), ["bad input"]);
    assert.deepEqual(s.consumeFlashes({ categoryFilter: ["info"] }), ["saved"]);
    assert.deepEqual(s.consumeFlashes(), ["saved", "bad input"]);
    assert.deepEqual(s.consumeFlashes({ categoryFilter: [] }), ["saved", "bad input"], "an empty filter filters nothing");
    assert.equal(s.has("_flashes"), false);
    assert.equal(s.modified, true, "taking the flashes out changed the session");
    // A flash queued after the first call waits for the next request.
    s.flash("later", "info");
    assert.deepEqual(s.consumeFlashes({ withCategories: true }), [
      ["info", "saved"],
      ["error", "bad input"],
    ]);
    const fresh = new Session(undefined, true);
    assert.deepEqual(fresh.consumeFlashes(), []);
    fresh.flash("queued after an empty read");
    assert.deepEqual(fresh.consumeFlashes(), [], "the first call's (empty) answer holds for the whole request");
  });

  test("setUser validates its argument", () => {
    const s = new Session(undefined, true);
    assert.throws(() => s.setUser(""), TypeError);
    assert.throws(() => s.setUser("x".repeat(300)), TypeError);
    s.setUser("u1");
    assert.equal(s.modified, true);
  });
});
