/**
 * The irreducible pieces of a session request, each measured on its own in
 * the benchmark's process (issue #20: "for each target missed, the measured
 * floor that prevents it"). Each piece is a plain synchronous call, timed in
 * batches of CPU time (`process.cpuUsage()`), interleaved round by round
 * like the rows; its cost is the least batch, with the median beside it.
 *
 * - a warm read must find its cookie in the Cookie header and look the
 *   value up among the cookies it has verified;
 * - a signed write must serialize the session (tagged JSON, base64url),
 *   MAC it once (HMAC-SHA256) and serialize one Set-Cookie;
 * - a store read must hash the session id (SHA-256) to find the record and
 *   parse the record's JSON.
 * The store's own round trip is the `floor` variant of each store row.
 */
import { createHash, createHmac } from "node:crypto";
import { dumps, encodePayload } from "sessionkit/codec";
import { findCookie } from "../../src/core/cookie-header.js";
import { VerifiedCache } from "../../src/core/verified-cache.js";
import { CookieWriter } from "../../src/core/set-cookie.js";
import { KEY_BYTES } from "../servers/shared.js";

/** One piece: what it stands for, and the call. */
export interface Piece {
  name: string;
  run: () => unknown;
}

let sink: unknown;

/**
 * The pieces, with their inputs made once.
 *
 * @example
 * for (const p of pieces()) p.run();
 */
export function pieces(): Piece[] {
  const payload = "eyJuIjo0MiwidXNlciI6ImFsaWNlIn0.ZW6s-A";
  const value = `${payload}.9q2lB7cTqEPm4Yc0u1d5nVQ3t6aQm8rZy4fXkL0sW2E`;
  const header = `session=${value}`;
  const cache = new VerifiedCache(10_000);
  const now = Math.floor(Date.now() / 1000);
  cache.set(value, { data: { user: "alice", n: 42 }, signedAtSeconds: now, secretIndex: 0 } as never);
  const writer = new CookieWriter({ name: "session", path: "/", domain: undefined, httpOnly: true, secure: "auto", sameSite: "Lax", partitioned: false, maxBytes: 4093, maxChunks: 1 } as never, 2_678_400);
  const data = { n: 42, user: "alice" };
  const id = "k3J9xQ2mV8pL4wR7tY1zB6nC5vD0fG3hJ8sA2qE9uI4";
  const record = JSON.stringify({ data: { user: "alice", n: 42 }, createdAtMs: Date.now(), expiresAtMs: Date.now() + 3_600_000 });
  return [
    { name: "read: find the cookie in the header + one verified-cache lookup", run: () => cache.get(findCookie(header, "session").value!, now, 2_678_400) },
    { name: "write: session → tagged JSON → base64url payload", run: () => encodePayload(dumps(data), 256) },
    { name: "write: one HMAC-SHA256 over the payload (32-byte key)", run: () => createHmac("sha256", KEY_BYTES).update(payload).digest() },
    { name: "write: serialize one Set-Cookie", run: () => writer.set(value, false, Date.now(), false) },
    { name: "store: SHA-256 of the session id (the record's key)", run: () => createHash("sha256").update(id).digest("base64url") },
    { name: "store: JSON.parse of the record", run: () => JSON.parse(record) },
  ];
}

const gc = (globalThis as { gc?: (options?: { type: "minor" | "major" }) => void }).gc;

function batch(run: () => unknown, calls: number): number {
  // As the rows' batches (measure.ts): a piece never pays a scavenge for the garbage of the piece measured before it.
  gc?.({ type: "minor" });
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) sink = run();
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / calls;
}

/** Per piece, ns per call: the least batch and the median over `rounds` interleaved rounds. */
export interface PieceResult {
  name: string;
  least: number;
  median: number;
}

/**
 * Measure every piece: warm up, size batches to ~`batchMs` of CPU, then `rounds` rounds, order rotated.
 *
 * @example
 * const floors = measurePieces(41, 2);
 */
export function measurePieces(rounds: number, batchMs: number): PieceResult[] {
  const list = pieces();
  const calls = list.map((p) => {
    for (let i = 0; i < 20_000; i++) sink = p.run();
    return Math.max(100, Math.round((batchMs * 1e6) / Math.max(batch(p.run, 2_000), 1)));
  });
  const samples = list.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < list.length; k++) {
      const i = (r + k) % list.length;
      samples[i]!.push(batch(list[i]!.run, calls[i]!));
    }
  }
  void sink;
  return list.map((p, i) => {
    const sorted = [...samples[i]!].sort((a, b) => a - b);
    return { name: p.name, least: sorted[0]!, median: sorted[sorted.length >> 1]! };
  });
}
