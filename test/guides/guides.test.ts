/**
 * ARCHITECTURE.md's two guides, followed once each: a store (cas-store.ts)
 * and an adapter (toy-adapter.ts) written from them pass the same shared
 * suites as the shipped stores and adapters.
 */
import { createServer } from "node:http";
import { Readable } from "node:stream";
import { testAdapter, testSessionsOnStore, testStore, runRoute, streamChunks } from "../../src/testing/index.js";
import { listen } from "../adapters/harness.js";
import { CasStore, VersionedMap } from "./cas-store.js";
import { toySessions, sessionOf } from "./toy-adapter.js";
import { ToyApp } from "./toy-framework.js";

testStore("cas (written from the guide)", async () => ({ store: new CasStore({ map: new VersionedMap() }), cleanup: async () => {} }));
testSessionsOnStore("cas (written from the guide)", async () => ({ store: new CasStore({ map: new VersionedMap() }), cleanup: async () => {} }));

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
