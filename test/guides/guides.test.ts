/**
 * ARCHITECTURE.md's two guides, followed once each: a store (cas-store.ts)
 * and an adapter (toy-adapter.ts) written from them pass the same shared
 * suites as the shipped stores and adapters.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { Readable } from "node:stream";
import { change, ctx, randomIdHash, record, testAdapter, testSessionsOnStore, testStore, runRoute, streamChunks } from "../../src/testing/index.js";
import { listen } from "../adapters/harness.js";
import { CasStore, VersionedMap } from "./cas-store.js";
import { toySessions, sessionOf } from "./toy-adapter.js";
import { ToyApp } from "./toy-framework.js";

testStore("cas (written from the guide)", async () => ({ store: new CasStore({ map: new VersionedMap() }), cleanup: async () => {} }));
testSessionsOnStore("cas (written from the guide)", async () => ({ store: new CasStore({ map: new VersionedMap() }), cleanup: async () => {} }));

// Issue #14, as on Redis (d871496) and Memcached: a store over an asynchronous backend must decide
// whose a session is on the value it removes. The guide's store decided every session of the user
// first, then ended them one by one, yielding in between: a rotate to bob there (after the first
// session ended, before the second) succeeded, and the walk then ended bob's new session too.
it("cas (written from the guide): a rotate to another user that finished while destroyForUser ran keeps that session whole (issue #14)", async () => {
  const map = new VersionedMap();
  const store = new CasStore({ map });
  const nowMs = Date.now();
  const [a, b, renamed] = [randomIdHash(), randomIdHash(), randomIdHash()];
  await store.create(a, record({}, { userId: "alice", nowMs }), ctx(nowMs));
  await store.create(b, record({}, { userId: "alice", nowMs }), ctx(nowMs));
  const ended = store.destroyForUser("alice", undefined, ctx(nowMs));
  // Still in the walk's first turn: its first pause comes after it ended one session at most.
  const other = map.get(`s:${b}`) !== undefined ? b : a;
  const rotated = store.rotate(other, renamed, change({ userId: "bob" }), nowMs + 60_000, ctx(nowMs));
  const count = await ended;
  if ((await rotated) === "ok") {
    assert.equal(count, 1, "only the session still alice's was ended");
    assert.equal((await store.load(other, ctx(nowMs)))?.frozen, true, "the old id is still there, frozen");
    assert.equal((await store.load(renamed, ctx(nowMs)))?.userId, "bob");
  } else {
    assert.equal(count, 2);
    assert.equal(await store.load(renamed, ctx(nowMs)), undefined);
  }
  assert.equal(await store.load(other === a ? b : a, ctx(nowMs)), undefined);
});

testAdapter("toy (written from the guide)", async (sessions, routes, options) => {
  const app = new ToyApp();
  app.use(toySessions(sessions, options));
  app.use(async (ctx) => {
    const result = await runRoute(routes, sessionOf(ctx), { method: ctx.request.method, path: ctx.url.pathname, query: ctx.url.searchParams });
    ctx.status = result.status ?? 200;
    for (const [name, value] of result.headers ?? []) ctx.headers.append(name, value);
    ctx.body = result.stream ? Readable.from(streamChunks(result.stream)) : (result.body ?? "");
  });
  return listen(createServer(app.listener()));
}, { knowsClientAddress: false }); // the toy framework's request is a Request
