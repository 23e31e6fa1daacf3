/**
 * Do the hand-written parts of the codec earn their place? (issue #15 item 7)
 * `inflateZlib` (src/codec/inflate.ts) against node:zlib's `inflateSync` and
 * `inflateRawSync`, and `HmacKey` (src/runtime/node-hmac.ts) against
 * `createHmac`, on a Flask-style session payload:
 *
 * - warm: µs per call after the JIT has settled, best of many short rounds,
 *   the candidates alternating so a noisy machine slows them alike;
 * - cold: µs of the first call, and of the first 20, in a fresh process per
 *   candidate (what a short-lived worker or a first request pays), median
 *   of COLD_RUNS processes.
 *
 * Run: node --conditions=source --import tsx bench/codec/hand-written.ts
 */
import { spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { deflateSync, inflateRawSync, inflateSync } from "node:zlib";
import { inflateZlib } from "../../src/codec/inflate.js";
import { HmacKey } from "../../src/runtime/node-hmac.js";

const CAP = 64 * 1024;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const COLD_RUNS = Number(process.env.COLD_RUNS ?? 7);
const session = (n: number): string =>
  JSON.stringify({ _fresh: false, _user_id: "4242", csrf_token: "3f1c2a9be0d44c7e8f6a5b4c3d2e1f003f1c2a9b", cart: Array.from({ length: n }, (_, i) => ({ sku: `SKU-${1000 + i}`, qty: 1 + (i % 3) })) });
const small = deflateSync(session(2), { level: 6 }); // ~110 B compressed: a typical Flask cookie
const large = deflateSync(session(60), { level: 6 }); // ~400 B: a big one
const raw = (z: Buffer): Buffer => z.subarray(2, z.length - 4);
const key = createHmac("sha1", "secret").update("cookie-session").digest();
const text = `${Buffer.from(session(2)).toString("base64url")}.ZVPxAA`;
const mac = new HmacKey("sha1", key);

type Candidate = [string, () => unknown];
const CANDIDATES: Record<string, Candidate[]> = {
  [`inflate ${small.length} B`]: [
    ["inflateZlib (inflate.ts)", () => inflateZlib(small, CAP)],
    ["zlib.inflateSync", () => inflateSync(small, { maxOutputLength: CAP })],
    ["zlib.inflateRawSync", () => inflateRawSync(raw(small), { maxOutputLength: CAP })],
  ],
  [`inflate ${large.length} B`]: [
    ["inflateZlib (inflate.ts)", () => inflateZlib(large, CAP)],
    ["zlib.inflateSync", () => inflateSync(large, { maxOutputLength: CAP })],
    ["zlib.inflateRawSync", () => inflateRawSync(raw(large), { maxOutputLength: CAP })],
  ],
  [`HMAC-SHA1 over ${text.length} B`]: [
    ["HmacKey.sign (node-hmac.ts)", () => mac.sign(text)],
    ["createHmac(…).update(…).digest()", () => createHmac("sha1", key).update(text, "latin1").digest()],
  ],
};

function round(fn: () => unknown, n: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  return Number(process.hrtime.bigint() - start) / 1e3 / n;
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const cold = process.argv[2];
if (cold !== undefined) {
  // Child: one candidate, first call then the next 19.
  const [group, name] = cold.split("|");
  const fn = CANDIDATES[group!]!.find(([n]) => n === name)![1];
  const t0 = process.hrtime.bigint();
  fn();
  const t1 = process.hrtime.bigint();
  for (let i = 0; i < 19; i++) fn();
  const t2 = process.hrtime.bigint();
  process.stdout.write(JSON.stringify([Number(t1 - t0) / 1e3, Number(t2 - t0) / 1e3]));
} else {
  console.log(`Node ${process.versions.node}. warm: best of ${ROUNDS} rounds; cold: median of ${COLD_RUNS} fresh processes.`);
  console.log("| payload | candidate | warm µs/call | cold: first call µs | cold: first 20 calls µs |\n|---|---|---|---|---|");
  for (const [group, candidates] of Object.entries(CANDIDATES)) {
    for (const [, fn] of candidates) for (let i = 0; i < 5000; i++) fn();
    const best = candidates.map(() => Infinity);
    for (let r = 0; r < ROUNDS; r++) candidates.forEach(([, fn], i) => (best[i] = Math.min(best[i]!, round(fn, 2000))));
    candidates.forEach(([name], i) => {
      const runs = Array.from({ length: COLD_RUNS }, () => {
        const child = spawnSync(process.execPath, [...process.execArgv, new URL(import.meta.url).pathname, `${group}|${name}`], { encoding: "utf8" });
        return JSON.parse(child.stdout) as [number, number];
      });
      console.log(`| ${group} | ${name} | ${best[i]!.toFixed(2)} | ${median(runs.map((r) => r[0])).toFixed(0)} | ${median(runs.map((r) => r[1])).toFixed(0)} |`);
    });
  }
}
