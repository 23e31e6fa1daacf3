/**
 * `inflateZlib` vs `zlib.inflateSync` on Flask-style session payloads (JSON,
 * zlib level 6) whose compressed size is about 50 B, 100 B, 500 B, 2 KB and
 * 4 KB, for two kinds of session: a shopping cart (repeated keys, ~4× smaller
 * compressed) and a token-heavy one (random ids, ~1.5×). Prints µs per call:
 * the best of many short rounds, the two functions alternating, so a noisy
 * machine slows both alike. Run:
 *   node --conditions=source --import tsx bench/codec/inflate-bench.ts
 * BENCH_ROUNDS sets the rounds per row (default 40).
 */
import { deflateSync, inflateSync } from "node:zlib";
import { inflateZlib } from "../../src/codec/inflate.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);
const CAP = 64 * 1024;

let seed = 12345;
const rand = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const hex = (len: number): string => Array.from({ length: len }, () => "0123456789abcdef"[Math.floor(rand() * 16)]).join("");

/** Session data with `n` extra entries of the given kind. Deterministic. */
function session(kind: "cart" | "tokens", n: number): string {
  seed = 12345;
  const data: Record<string, unknown> = { _fresh: false, _id: hex(32), _user_id: String(Math.floor(rand() * 1e6)), csrf_token: hex(40) };
  for (let i = 0; i < n; i++) {
    data[kind === "cart" ? `cart_item_${i}` : `t${i}`] =
      kind === "cart"
        ? { sku: `SKU-${hex(6)}`, qty: 1 + Math.floor(rand() * 5), added: 1_700_000_000 + Math.floor(rand() * 1e6), gift: rand() < 0.2 }
        : hex(24);
  }
  return JSON.stringify(data);
}

/** The level-6 stream closest to `target` bytes (the smallest sizes are short JSON objects). */
function streamOfSize(kind: "cart" | "tokens", target: number): Buffer {
  if (target <= 50) return deflateSync('{"_fresh":false,"user_id":"42","lang":"en"}', { level: 6 });
  let best = deflateSync(session(kind, 0), { level: 6 });
  for (let n = 1; n < 3000 && best.length < target; n++) {
    const stream = deflateSync(session(kind, n), { level: 6 });
    if (Math.abs(stream.length - target) < Math.abs(best.length - target)) best = stream;
    if (stream.length > target) break;
  }
  return best;
}

function round(fn: () => unknown, n: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  return Number(process.hrtime.bigint() - start) / 1e3 / n;
}

for (const kind of ["cart", "tokens"] as const) {
  const streams = [50, 100, 500, 2048, 4096].map((target) => streamOfSize(kind, target));
  for (const s of streams) {
    if (!Buffer.from(inflateZlib(s, CAP)).equals(inflateSync(s))) throw new Error(`inflateZlib disagrees on a ${s.length} B stream`);
    for (let i = 0; i < 3000; i++) inflateZlib(s, CAP), inflateSync(s, { maxOutputLength: CAP }); // warm up the JIT on every shape
  }
  console.log(`\n${kind} sessions\ncompressed  inflated  inflateZlib µs  inflateSync µs  speed-up`);
  for (const s of streams) {
    const n = Math.max(20, Math.floor(40_000 / s.length));
    let ours = Infinity;
    let node = Infinity;
    for (let r = 0; r < ROUNDS; r++) {
      ours = Math.min(ours, round(() => inflateZlib(s, CAP), n));
      node = Math.min(node, round(() => inflateSync(s, { maxOutputLength: CAP }), n));
    }
    const size = inflateSync(s).length;
    console.log(
      `${String(s.length).padStart(8)} B ${String(size).padStart(7)} B ${ours.toFixed(2).padStart(14)} ${node.toFixed(2).padStart(15)} ${(node / ours).toFixed(1).padStart(8)}×`,
    );
  }
}
