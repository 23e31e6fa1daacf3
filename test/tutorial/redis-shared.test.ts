/**
 * Two tutorial processes, started as `npm start` starts one, on different
 * ports and sharing the machine's Redis: a login on one is seen by the
 * other, and a logout or "log out everywhere" on one ends it on both.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { createClient } from "redis";
import { probeService, serviceUnavailable } from "sessionkit/testing";
import { startTutorialProcess, type ServedProcess } from "../helpers/flask-app.js";
import { Visitor } from "./client.js";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const PREFIX = `sktut_${randomBytes(6).toString("hex")}`;
const SECRET = "tutorial-redis-shared-secret-0123456789abcd";

const unavailable = await probeService(`Redis at ${new URL(REDIS_URL).host}`, async () => {
  const probe = createClient({ url: REDIS_URL });
  probe.on("error", () => {}); // the probe's own failure is reported by probeService
  try {
    await probe.connect();
    await probe.ping();
  } finally {
    if (probe.isOpen) await probe.close();
  }
});

/** Every key this file's processes wrote (bounded SCAN). */
async function ourKeys(client: ReturnType<typeof createClient>): Promise<string[]> {
  const keys: string[] = [];
  for await (const batch of client.scanIterator({ MATCH: `${PREFIX}:*`, COUNT: 500 })) {
    keys.push(...batch);
    if (keys.length > 10_000) break;
  }
  return keys;
}

if (unavailable) {
  serviceUnavailable("two tutorial processes sharing Redis", unavailable);
} else {
  describe("two tutorial processes on one Redis", () => {
    let a: ServedProcess;
    let b: ServedProcess;
    const redis = createClient({ url: REDIS_URL });
    before(async () => {
      await redis.connect();
      const env = { SECRET_KEY: SECRET, SESSION_STORE: REDIS_URL, SESSION_STORE_PREFIX: PREFIX };
      [a, b] = await Promise.all([startTutorialProcess(env), startTutorialProcess(env)]);
    });
    after(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      const keys = await ourKeys(redis);
      if (keys.length > 0) await redis.del(keys);
      await redis.close();
    });

    test("a login on one process is seen by the other", async () => {
      assert.notEqual(a.port, b.port);
      const onA = new Visitor(a.url);
      const login = await onA.submit("/login", { username: "alice", password: "pw" });
      assert.equal(login.status, 303);
      const onB = new Visitor(b.url);
      onB.cookie = onA.cookie;
      const home = await onB.get("/");
      assert.match(home.body, /class="flash[^"]*"[^>]*>Logged in</, "the flash set on A is shown by B");
      assert.match(home.body, /Logged in as <strong>alice<\/strong>/);
      assert.match(home.body, /Sessions: redis \(127\.0\.0\.1:6379\)/);
      assert.equal((await onB.get("/profile")).status, 200);

      // The data is in Redis under this file's prefix, keyed by a hash: no key or value holds the cookie's id.
      const keys = await ourKeys(redis);
      assert.ok(keys.some((k) => k.startsWith(`${PREFIX}:sess:`)), "a session key under the prefix");
      for (const key of keys) assert.ok(!key.includes(onA.value!), "the raw id is not a key");
    });

    test("a logout on one process is a logout on the other", async () => {
      const onA = new Visitor(a.url);
      await onA.submit("/login", { username: "bob", password: "pw" });
      await onA.get("/"); // take the login flash
      const onB = new Visitor(b.url);
      onB.cookie = onA.cookie;
      assert.equal((await onB.submit("/logout")).status, 303);
      assert.equal(onB.cookie, undefined);
      // A still holds the old cookie: the record it named is gone from Redis, so it is not logged in on A either.
      const home = await onA.get("/");
      assert.match(home.body, /You are not logged in/);
      assert.equal((await onA.get("/profile")).status, 401);
    });

    test("log out everywhere on one process ends the user's sessions made on the other", async () => {
      const laptop = new Visitor(a.url);
      const phone = new Visitor(a.url);
      await laptop.submit("/login", { username: "carol", password: "pw" });
      await phone.submit("/login", { username: "carol", password: "pw" });
      const viaB = new Visitor(b.url);
      viaB.cookie = laptop.cookie;
      assert.match((await viaB.get("/profile")).body, /<dd>2 active<\/dd>/);
      assert.equal((await viaB.submit("/logout-everywhere", {}, "/profile")).status, 303);
      assert.match((await phone.get("/")).body, /You are not logged in/);
    });
  });
}
