// Finding the session cookie: exact names, first occurrence, no percent-decoding.
import assert from "node:assert/strict";
import { test } from "node:test";
import { findCookie } from "sessionkit";

test("finds the named cookie among others, trimming spaces", () => {
  assert.deepEqual(findCookie("a=1;  session=abc ; b=2", "session"), { value: "abc", count: 1 });
  assert.deepEqual(findCookie("session=abc", "session"), { value: "abc", count: 1 });
  assert.deepEqual(findCookie("xsession=1; sessionx=2", "session"), { value: undefined, count: 0 });
});

test("the first duplicate wins and duplicates are counted (E.30)", () => {
  assert.deepEqual(findCookie("session=A; session=B", "session"), { value: "A", count: 2 });
});

test("names are never percent-decoded and nameless pairs never match (E.29)", () => {
  assert.equal(findCookie("__%48ost-sid=evil", "__Host-sid").value, undefined);
  assert.equal(findCookie("=__Host-sid=evil", "__Host-sid").value, undefined);
  assert.equal(findCookie("=__Host-sid=evil; __Host-sid=good", "__Host-sid").value, "good");
});

test("double-quoted values are unquoted; empty and missing headers give nothing", () => {
  assert.equal(findCookie('session="abc"', "session").value, "abc");
  assert.equal(findCookie("", "session").value, undefined);
  assert.equal(findCookie(undefined, "session").value, undefined);
  assert.equal(findCookie("session=", "session").value, "");
});

test("a hostile header costs bounded time (E.32)", () => {
  const header = Array.from({ length: 10_000 }, (_, i) => `k${i}=v`).join("; ") + "; session=x";
  // Node refuses headers over 16 KiB, so the scan stops there: the session cookie past it is not read,
  // and the work per header is bounded by that length whatever it holds.
  assert.equal(header.length > 16_384, true);
  assert.equal(findCookie(header, "session").value, undefined);
  assert.equal(findCookie("session=ok; " + header, "session").value, "ok");
});
