// "Your devices": the User-Agent families and the network prefix a login
// records, on real User-Agents and on generated addresses checked against
// Node's own BlockList, and on hostile input (never a throw, never more than
// the closed set of families).
import assert from "node:assert/strict";
import { BlockList, isIP } from "node:net";
import { describe, test } from "node:test";
import fc from "fast-check";
import { createSessions, hashSessionId, networkPrefix, parseUserAgent } from "sessionkit";
import { MemoryStore } from "sessionkit/stores/memory";
import { cookieFrom, ctx, idFrom } from "sessionkit/testing";

const RUNS = process.env.CI === "true" ? 2_000 : 500;
const BROWSERS = new Set(["Edge", "Opera", "Samsung Internet", "Firefox", "Chrome", "Safari", "Other"]);
const SYSTEMS = new Set(["iOS", "Android", "Windows", "ChromeOS", "macOS", "Linux", "Other"]);

const REAL: [string, string, string][] = [
  ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "Chrome", "Windows"],
  ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.61", "Edge", "Windows"],
  ["Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 OPR/105.0.0.0", "Opera", "macOS"],
  ["Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36", "Samsung Internet", "Android"],
  ["Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox", "Linux"],
  ["Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/121.0 Mobile/15E148 Safari/605.1.15", "Firefox", "iOS"],
  ["Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1", "Chrome", "iOS"],
  ["Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1", "Safari", "iOS"],
  ["Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15", "Safari", "macOS"],
  ["Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "Chrome", "ChromeOS"],
  ["Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.43 Mobile Safari/537.36", "Chrome", "Android"],
  ["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36", "Other", "Linux"],
  ["curl/8.4.0", "Other", "Other"],
  ["", "Other", "Other"],
];

describe("device description", () => {
  test("real User-Agents give their browser and OS family, no version", () => {
    for (const [ua, browser, os] of REAL) assert.deepEqual(parseUserAgent(ua), { browser, os }, ua);
    assert.deepEqual(parseUserAgent(undefined), { browser: "Other", os: "Other" });
  });

  test("any User-Agent, however long or hostile, gives families from the closed set, from its first 512 characters only", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: "binary", maxLength: 300 }), fc.constantFrom(...REAL.map((r) => r[0]))), fc.nat(16_000), (ua, pad) => {
        const header = " ".repeat(pad) + ua + "Version/1.".repeat(pad / 10);
        const { browser, os } = parseUserAgent(header);
        assert.ok(BROWSERS.has(browser) && SYSTEMS.has(os));
        // Bounded work whatever the header's length: what lies past 512 characters changes nothing.
        assert.deepEqual(parseUserAgent(header.slice(0, 512) + "X".repeat(pad)), { browser, os });
      }),
      { numRuns: RUNS / 4 },
    );
  });

  test("an IPv4 address gives its /24, an IPv6 address its /48, both containing it (Node's BlockList agrees)", () => {
    const arb = fc.oneof(fc.ipV4().map((a) => [a, "ipv4"] as const), fc.ipV6().map((a) => [a, "ipv6"] as const), fc.ipV4().map((a) => [`::ffff:${a}`, "mapped"] as const));
    fc.assert(
      fc.property(arb, ([address, kind]) => {
        const prefix = networkPrefix(address);
        assert.ok(prefix, `${address} has a network`);
        const [network, bits] = prefix.split("/");
        const list = new BlockList();
        if (kind === "ipv6") {
          assert.equal(bits, "48");
          assert.match(network!, /^[0-9a-f]{1,4}:[0-9a-f]{1,4}:[0-9a-f]{1,4}::$/);
          list.addSubnet(network!, 48, "ipv6");
          assert.ok(list.check(address, "ipv6"), `${address} in ${prefix}`);
        } else {
          const v4 = kind === "mapped" ? address.slice("::ffff:".length) : address;
          assert.equal(bits, "24");
          assert.match(network!, /^\d{1,3}\.\d{1,3}\.\d{1,3}\.0$/);
          list.addSubnet(network!, 24, "ipv4");
          assert.ok(list.check(v4, "ipv4"), `${v4} in ${prefix}`);
        }
      }),
      { numRuns: RUNS },
    );
  });

  test("anything that is not an address gives no network, never a throw", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        const prefix = networkPrefix(text);
        if (isIP(text) === 0) assert.equal(prefix, undefined, JSON.stringify(text));
      }),
      { numRuns: RUNS },
    );
    for (const bad of ["", "1.2.3", "256.1.1.1", "1.2.3.4.5", "1::2::3", "1:2:3:4:5:6:7:8:9", "::ffff:999.1.1.1", "01.2.3.4", "x".repeat(100)]) {
      assert.equal(networkPrefix(bad), undefined, bad);
    }
    assert.equal(networkPrefix("fe80::1%eth0"), "fe80:0:0::/48");
  });
});

test("what a login stores is the families and the prefix only: no full address and no version anywhere in the record", async () => {
  const store = new MemoryStore();
  const sessions = createSessions({ secret: "device-record-test-secret-0123456789ab", store, devices: true });
  for (const [address, prefix] of [["198.51.100.77", "198.51.100.0/24"], ["2001:db8:abcd:12:3456::9", "2001:db8:abcd::/48"]] as const) {
    const session = await sessions.load(undefined, { userAgent: REAL[4]![0], clientAddress: address });
    await session.login("u1");
    const cookie = cookieFrom((await sessions.commit(session)).setCookie);
    const stored = JSON.stringify(await store.load(hashSessionId(idFrom(cookie)), ctx()));
    assert.ok(stored.includes(prefix) && stored.includes("Firefox") && stored.includes("Linux"), `the device is recorded: ${stored}`);
    assert.ok(!stored.includes(address), `the full address is stored: ${stored}`);
    assert.ok(!stored.includes("121.0") && !stored.includes("Ubuntu") && !stored.includes("Gecko"), `the User-Agent itself is stored: ${stored}`);
  }
});
