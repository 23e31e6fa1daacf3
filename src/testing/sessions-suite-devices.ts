/**
 * The sessions suite's "your devices" scenarios (`devices: true`): on a
 * real store, a login records its device with the session, `listForUser`
 * gives it back with the current session flagged, and `destroy(idHash)` ends
 * exactly the chosen session. Generated: users, logins from random
 * User-Agents and addresses, sessions cleared, regenerated and written after
 * their login; every store carries the device in its record.
 */
import assert from "node:assert/strict";
import { randomBytes, randomInt } from "node:crypto";
import { it } from "node:test";
import { ConfigError } from "../core/errors.js";
import { hashSessionId } from "../core/ids.js";
import { withStore, type MakeStore } from "./fixture.js";
import { cookieFrom, idFrom, sessionsOn } from "./sessions-helpers.js";

/** User-Agents of each family, and the families they must give. */
const AGENTS: readonly [string, string, string][] = [
  ["Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox", "Linux"],
  ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "Chrome", "Windows"],
  ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0", "Edge", "Windows"],
  ["Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1", "Safari", "iOS"],
  ["Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.43 Mobile Safari/537.36", "Chrome", "Android"],
  ["Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15", "Safari", "macOS"],
  ["curl/8.4.0", "Other", "Other"],
];

interface Login {
  user: string;
  cookie: string;
  browser: string;
  os: string;
  network: string;
}

/**
 * Register the device scenarios in the current describe block.
 *
 * @example
 * registerDeviceTests(makeStore);
 */
export function registerDeviceTests(make: MakeStore): void {
  it("devices: each login's browser, OS and network come back from listForUser, the current one flagged; destroy(idHash) ends only the chosen one", () =>
    withStore(make, async ({ store }) => {
      if (typeof store.listForUser !== "function" || store.rawIds === true) {
        assert.throws(() => sessionsOn(store, { devices: true }), (e: unknown) => e instanceof ConfigError && e.option === "devices");
        return;
      }
      const sessions = sessionsOn(store, { devices: true });
      for (let round = 0; round < 4; round++) {
        const users = Array.from({ length: 2 }, () => `u-${randomBytes(4).toString("hex")}`);
        const logins: Login[] = [];
        for (let n = 0; n < 5; n++) {
          const user = users[randomInt(users.length)]!;
          const [agent, browser, os] = AGENTS[randomInt(AGENTS.length)]!;
          const v6 = randomInt(2) === 1;
          const address = v6 ? `2001:db8:${randomInt(0x10000).toString(16)}:${randomInt(0x10000).toString(16)}::${randomInt(1, 0x10000).toString(16)}` : `10.${randomInt(256)}.${randomInt(256)}.${randomInt(256)}`;
          const network = v6 ? `${address.split(":").slice(0, 3).join(":")}::/48` : `${address.split(".").slice(0, 3).join(".")}.0/24`;
          const fresh = await sessions.load(undefined, { userAgent: agent, clientAddress: address });
          fresh.set("cart", [n]);
          await fresh.login(user, { keep: randomInt(2) === 1 ? ["cart"] : [] });
          let cookie = cookieFrom((await sessions.commit(fresh)).setCookie);
          // Later requests, from anywhere, change the session in ways that must keep its device.
          const later = await sessions.load(cookie, { userAgent: "other/1.0", clientAddress: "192.0.2.1" });
          const step = randomInt(3);
          if (step === 0) later.clear();
          else if (step === 1) await later.regenerate();
          else later.set("seen", n);
          const result = (await sessions.commit(later)).setCookie;
          if (result.length > 0) cookie = cookieFrom(result);
          logins.push({ user, cookie, browser, os, network });
        }
        for (const user of users) {
          const mine = logins.filter((l) => l.user === user);
          if (mine.length === 0) continue;
          const me = mine[randomInt(mine.length)]!;
          const current = await sessions.load(me.cookie);
          const listed = await sessions.listForUser(user, { current });
          assert.equal(listed.length, mine.length, "one entry per login");
          for (const login of mine) {
            const entry = listed.find((s) => s.idHash === hashSessionId(idFrom(login.cookie)));
            assert.ok(entry, "every login is listed under the id its cookie holds");
            assert.deepEqual(entry.device, { browser: login.browser, os: login.os, network: login.network });
            assert.equal(entry.current, login === me);
            assert.ok(entry.lastSeenMs >= entry.createdAtMs && entry.lastSeenMs < entry.expiresAtMs);
          }
          const others = users.filter((u) => u !== user);
          const victim = mine[randomInt(mine.length)]!;
          const victimHash = hashSessionId(idFrom(victim.cookie));
          for (const other of others) assert.equal(await sessions.destroy(victimHash, { userId: other }), false, "another user's session is never ended");
          assert.equal(await sessions.destroy("not-a-hash", { userId: user }), false);
          assert.equal(await sessions.destroy(victimHash, { userId: user }), true);
          assert.equal(await sessions.destroy(victimHash, { userId: user }), false, "already ended");
          assert.equal((await sessions.load(victim.cookie)).isNew, true, "the chosen device is logged out");
          for (const login of mine) if (login !== victim) assert.equal((await sessions.load(login.cookie)).isNew, false, "the other devices are not");
          assert.equal((await sessions.listForUser(user)).length, mine.length - 1);
        }
      }
    }));

  it("devices: lastSeenMs counts a session's own setExpiry() window, not only the idle timeout", () =>
    withStore(make, async ({ store }) => {
      if (typeof store.listForUser !== "function" || store.rawIds === true) return;
      const clock = { nowMs: Date.now() };
      const sessions = sessionsOn(store, { devices: true, idleTimeout: "30m", now: () => clock.nowMs });
      const user = `u-${randomBytes(4).toString("hex")}`;
      const minutes = 2 + randomInt(19);
      const s = await sessions.load(undefined, { userAgent: AGENTS[0]![0] });
      await s.login(user);
      s.setExpiry(`${minutes}m`);
      const cookie = cookieFrom((await sessions.commit(s)).setCookie);
      // A later request within its window writes, so the record's expiry moves to that request + the window.
      clock.nowMs += (1 + randomInt(minutes - 1)) * 60_000;
      const later = await sessions.load(cookie);
      later.set("seen", true);
      await sessions.commit(later);
      const [entry] = await sessions.listForUser(user);
      assert.ok(entry);
      assert.ok(Math.abs(entry.lastSeenMs - clock.nowMs) < 1_000, `last seen ${Math.round((clock.nowMs - entry.lastSeenMs) / 60_000)} min before the last request (setExpiry ${minutes} min)`);
    }));

  it("devices off: a login records nothing about its device", () =>
    withStore(make, async ({ store }) => {
      if (typeof store.listForUser !== "function") return;
      const sessions = sessionsOn(store);
      const s = await sessions.load(undefined, { userAgent: AGENTS[0]![0], clientAddress: "10.1.2.3" });
      await s.login(`u-${randomBytes(4).toString("hex")}`);
      const cookie = cookieFrom((await sessions.commit(s)).setCookie);
      const record = await store.load(store.rawIds === true ? idFrom(cookie) : hashSessionId(idFrom(cookie)), { nowMs: Date.now(), abandoned: false });
      assert.ok(record);
      assert.deepEqual(Object.keys(record.data).filter((k) => k.startsWith("_sk_")), []);
    }));
}
