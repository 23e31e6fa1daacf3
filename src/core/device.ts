/**
 * "Your devices" (`createSessions({ devices: true })`): the coarse
 * description of the device a login came from, kept with the session so a
 * user can tell their sessions apart and end one. Deliberately coarse (a
 * browser family, an OS family, a network prefix), so that it names a
 * device to its owner without fingerprinting it: no versions, no full
 * address. docs/devices.md says what is stored.
 */
import type { StoredSessionInfo } from "./store.js";

/** What a login records about its device. */
export interface DeviceInfo {
  /** Browser family: "Edge", "Opera", "Samsung Internet", "Firefox", "Chrome", "Safari" or "Other". */
  readonly browser: string;
  /** OS family: "iOS", "Android", "Windows", "ChromeOS", "macOS", "Linux" or "Other". */
  readonly os: string;
  /** The client address's network: its /24 for IPv4, its /48 for IPv6; absent when the adapter knows no address. */
  readonly network?: string | undefined;
}

/** A User-Agent is read only this far: the families show early, and a long header costs no more. */
const UA_SCAN = 512;

/** In order: the first match names the family (Edge and Opera also say "Chrome", Chrome also says "Safari"). */
const BROWSERS: readonly [string, RegExp][] = [
  ["Edge", /\bEdg(?:e|A|iOS)?\//],
  ["Opera", /\bOPR\/|\bOpera\b/],
  ["Samsung Internet", /\bSamsungBrowser\//],
  ["Firefox", /\bFirefox\/|\bFxiOS\//],
  ["Chrome", /\bChrome\/|\bCriOS\//],
  ["Safari", /\bVersion\/[\d.]+.*\bSafari\//],
];

/** In order: iOS and Android before macOS and Linux, which their User-Agents also name. */
const SYSTEMS: readonly [string, RegExp][] = [
  ["iOS", /\b(?:iPhone|iPad|iPod)\b/],
  ["Android", /\bAndroid\b/],
  ["Windows", /\bWindows\b/],
  ["ChromeOS", /\bCrOS\b/],
  ["macOS", /\bMac OS X\b|\bMacintosh\b/],
  ["Linux", /\bLinux\b/],
];

/**
 * The browser and OS families a User-Agent names (no versions), "Other" when unknown.
 *
 * @example
 * parseUserAgent("Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"); // { browser: "Firefox", os: "Linux" }
 */
export function parseUserAgent(userAgent: string | undefined): { browser: string; os: string } {
  const text = typeof userAgent === "string" ? userAgent.slice(0, UA_SCAN) : "";
  const family = (table: readonly [string, RegExp][]): string => table.find(([, pattern]) => pattern.test(text))?.[0] ?? "Other";
  return { browser: family(BROWSERS), os: family(SYSTEMS) };
}

/** A dotted quad without leading zeros (which some parsers read as octal), as Node's isIP accepts it. */
const IPV4 = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

/**
 * The network of a client address: `a.b.c.0/24` for IPv4 (an IPv4-mapped
 * IPv6 address counts as IPv4), the first 48 bits `x:y:z::/48` for IPv6;
 * undefined for anything that is not an address.
 *
 * @example
 * networkPrefix("203.0.113.77"); // "203.0.113.0/24"
 * networkPrefix("2001:db8:abcd:12::1"); // "2001:db8:abcd::/48"
 */
export function networkPrefix(address: string | undefined): string | undefined {
  if (typeof address !== "string" || address.length > 64) return undefined;
  const bare = address.replace(/%[\w.-]*$/, "");
  const mapped = /^::ffff:((?:0|[1-9]\d{0,2})(?:\.(?:0|[1-9]\d{0,2})){3})$/i.exec(bare);
  const v4 = IPV4.exec(mapped ? mapped[1]! : bare);
  if (v4) {
    const octets = v4.slice(1, 5).map(Number);
    return octets.every((n) => n <= 255) ? `${octets[0]}.${octets[1]}.${octets[2]}.0/24` : undefined;
  }
  const groups = ipv6Groups(bare);
  return groups && `${groups.slice(0, 3).map((g) => g.toString(16)).join(":")}::/48`;
}

/** The eight 16-bit groups of an IPv6 address (with at most one "::"), or undefined. */
function ipv6Groups(text: string): number[] | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] | undefined => {
    if (part === "") return [];
    const out: number[] = [];
    for (const group of part.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
      out.push(parseInt(group, 16));
    }
    return out;
  };
  // A dotted quad at the end (`::ffff:192.0.2.1`, `64:ff9b::192.0.2.1`) is the last two groups.
  const last = halves[halves.length - 1]!;
  const quad = /(?:^|:)((?:0|[1-9]\d{0,2})(?:\.(?:0|[1-9]\d{0,2})){3})$/.exec(last);
  if (quad) {
    const octets = quad[1]!.split(".").map(Number);
    if (octets.some((n) => n > 255)) return undefined;
    const groups = `${((octets[0]! << 8) | octets[1]!).toString(16)}:${((octets[2]! << 8) | octets[3]!).toString(16)}`;
    halves[halves.length - 1] = last.slice(0, last.length - quad[1]!.length) + groups;
  }
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  if (head.length + tail.length > 7) return undefined;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/**
 * What a login records: the families of its User-Agent and its address's network.
 *
 * @example
 * describeDevice("Mozilla/5.0 (iPhone; …) Version/17.0 Mobile/15E148 Safari/604.1", "198.51.100.7"); // { browser: "Safari", os: "iOS", network: "198.51.100.0/24" }
 */
export function describeDevice(userAgent: string | undefined, clientAddress: string | undefined): DeviceInfo {
  const network = networkPrefix(clientAddress);
  return network === undefined ? parseUserAgent(userAgent) : { ...parseUserAgent(userAgent), network };
}

const FAMILY = /^[A-Za-z ]{1,20}$/;
const NETWORK = /^[0-9a-f.:]{1,40}\/(?:24|48)$/;

/**
 * A stored device description read back from a store (untrusted: the store
 * may hold anything), or undefined when it is not one.
 *
 * @example
 * asDeviceInfo({ browser: "Firefox", os: "Linux" }); // { browser: "Firefox", os: "Linux" }
 */
export function asDeviceInfo(value: unknown): DeviceInfo | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { browser, os, network } = value as Record<string, unknown>;
  if (typeof browser !== "string" || !FAMILY.test(browser) || typeof os !== "string" || !FAMILY.test(os)) return undefined;
  if (network !== undefined && (typeof network !== "string" || !NETWORK.test(network))) return undefined;
  return network === undefined ? { browser, os } : { browser, os, network };
}

/**
 * One of a user's sessions, as `sessions.listForUser` gives it.
 *
 * @example
 * for (const s of await sessions.listForUser(userId, { current: session })) console.log(s.current, s.device?.browser, new Date(s.lastSeenMs));
 */
export interface UserSession extends StoredSessionInfo {
  /** This is the session passed as `current` (the request's own). */
  current: boolean;
  /** When the session was last used, to within the lazy-touch window (`touchAfter` of the idle timeout); with `devices: true` it also counts a `setExpiry()` window, without it the idle timeout is assumed. */
  lastSeenMs: number;
  /** With `devices: true`: what its login recorded (absent for a session logged in before, or without the option). */
  device?: DeviceInfo | undefined;
}
