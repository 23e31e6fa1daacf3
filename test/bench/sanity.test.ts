// The benchmark's sanity check must refuse servers that break the route
// contract (a fast wrong server would otherwise top the table) and accept a
// correct one. Two tiny real node:http servers, no mocks; no timing here.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { checkServer, cookieHeaderFrom, diffSnapshots, type StoreProbe } from "../../bench/sanity.js";
import { cpuMicros } from "../../bench/processes.js";

interface Behaviour {
  /** Send a fresh cookie on /read too (the classic "rolling" mistake). */
  cookieOnRead?: boolean;
  /** Touch the stored record on /read. */
  storeWriteOnRead?: boolean;
  /** /write forgets to persist its change. */
  writeLost?: boolean;
  /** Keep state in `store` (a Map the probe reads) instead of in the cookie. */
  storeBacked?: boolean;
}

/** A minimal session server: the cookie is `s=<id>.<n>` (cookie mode) or `s=<id>` with the record in `store`. */
function tinyServer(b: Behaviour): { server: http.Server; store: Map<string, string> } {
  const store = new Map<string, string>();
  let counter = 0;
  const server = http.createServer((req, res) => {
    const cookie = /(?:^|; )s=([^;]+)/.exec(req.headers.cookie ?? "")?.[1];
    const id = cookie?.split(".")[0];
    const known = id !== undefined && (b.storeBacked ? store.has(id) : cookie?.startsWith("u"));
    if (req.url === "/login") {
      const newId = `u${Math.random().toString(36).slice(2)}`;
      if (b.storeBacked) store.set(newId, JSON.stringify({ user: "alice", n: 0 }));
      res.setHeader("set-cookie", `s=${b.storeBacked ? newId : `${newId}.0`}; Path=/; HttpOnly`);
      res.end("ok");
    } else if (req.url === "/read") {
      if (b.cookieOnRead && cookie) res.setHeader("set-cookie", `s=${cookie}; Path=/`);
      if (b.storeWriteOnRead && known && id) store.set(id, `${store.get(id)} `);
      res.end(known ? "alice" : "");
    } else if (req.url === "/write") {
      counter += 1;
      if (!b.writeLost && known && id) {
        if (b.storeBacked) store.set(id, JSON.stringify({ user: "alice", n: counter }));
        else res.setHeader("set-cookie", `s=${id}.${counter}; Path=/; HttpOnly`);
      }
      res.end(String(counter));
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  return { server, store };
}

async function withServer<T>(b: Behaviour, fn: (baseUrl: string, probe: StoreProbe) => Promise<T>): Promise<T> {
  const { server, store } = tinyServer(b);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const probe: StoreProbe = { name: "map", snapshot: async () => ({ entries: new Map(store) }) };
  try {
    return await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, probe);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

test("a well-behaved cookie server passes and yields the login cookie", async () => {
  const verdict = await withServer({}, (baseUrl) => checkServer({ baseUrl, kind: "session", family: "cookie" }));
  assert.deepEqual(verdict.problems, []);
  assert.equal(verdict.ok, true);
  assert.match(verdict.cookieHeader, /^s=u[a-z0-9]+\.0$/);
});

test("a well-behaved store server passes with its probe", async () => {
  const verdict = await withServer({ storeBacked: true }, (baseUrl, probe) => checkServer({ baseUrl, kind: "session", family: "store", probe }));
  assert.deepEqual(verdict.problems, []);
});

test("a server that sends a cookie on /read is refused", async () => {
  const verdict = await withServer({ cookieOnRead: true }, (baseUrl) => checkServer({ baseUrl, kind: "session", family: "cookie" }));
  assert.equal(verdict.ok, false);
  assert.ok(verdict.problems.includes("/read #1 set a cookie"), verdict.problems.join("; "));
});

test("a server that writes its store on /read is refused", async () => {
  const verdict = await withServer({ storeBacked: true, storeWriteOnRead: true }, (baseUrl, probe) => checkServer({ baseUrl, kind: "session", family: "store", probe }));
  assert.equal(verdict.ok, false);
  assert.ok(verdict.problems.some((p) => p.startsWith("/read #1 wrote to the map store: changed")), verdict.problems.join("; "));
});

test("a server whose /write persists nothing is refused, in both families", async () => {
  const cookie = await withServer({ writeLost: true }, (baseUrl) => checkServer({ baseUrl, kind: "session", family: "cookie" }));
  assert.ok(cookie.problems.includes("/write #1 sent no new cookie: the change was lost"), cookie.problems.join("; "));
  const store = await withServer({ storeBacked: true, writeLost: true }, (baseUrl, probe) => checkServer({ baseUrl, kind: "session", family: "store", probe }));
  assert.ok(store.problems.includes("/write #1 changed no map record"), store.problems.join("; "));
});

test("a session server checked as bare is refused for setting cookies", async () => {
  const verdict = await withServer({}, (baseUrl) => checkServer({ baseUrl, kind: "bare" }));
  assert.ok(verdict.problems.includes("a bare server set a cookie on /login"));
});

test("cookieHeaderFrom keeps the last cookie of a name, keeps '=' padding, drops deletions", () => {
  assert.equal(cookieHeaderFrom(["a=1; Path=/", "b=eyJ9==; HttpOnly", "a=2", "c=x", "c=; Max-Age=0"]), "a=2; b=eyJ9==");
});

test("diffSnapshots reports a grown TTL as a write, a shrinking one as nothing", () => {
  const before = { entries: new Map([["k", "v"]]), ttlMs: new Map([["k", 5_000]]) };
  assert.deepEqual(diffSnapshots(before, { entries: new Map([["k", "v"]]), ttlMs: new Map([["k", 4_990]]) }), []);
  assert.deepEqual(diffSnapshots(before, { entries: new Map([["k", "v"]]), ttlMs: new Map([["k", 60_000]]) }), ["ttl extended k"]);
  assert.deepEqual(diffSnapshots(before, { entries: new Map([["j", "v"]]) }), ["created j", "deleted k"]);
});

test("cpuMicros agrees with process.cpuUsage() and grows with work", () => {
  const before = cpuMicros(process.pid);
  const usageBefore = process.cpuUsage();
  // Spin until 200 ms of CPU are used (the machine is shared, so wall time says little); bounded by 20 s of wall time.
  const deadline = Date.now() + 20_000;
  let spin = 0;
  while (Date.now() < deadline) {
    spin += 1;
    if (spin % 10_000 === 0) {
      const u = process.cpuUsage(usageBefore);
      if (u.user + u.system >= 200_000) break;
    }
  }
  const usage = process.cpuUsage(usageBefore);
  const used = cpuMicros(process.pid) - before;
  assert.ok(usage.user + usage.system >= 200_000, "the spin loop hit its wall-clock bound");
  // /proc counts in clock ticks (10 ms at 100 Hz): allow a few ticks of difference.
  assert.ok(Math.abs(used - (usage.user + usage.system)) <= 40_000, `kernel ${used} µs vs cpuUsage ${usage.user + usage.system} µs`);
});
