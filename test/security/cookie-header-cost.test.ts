/**
 * E.32 — a hostile `Cookie` header costs bounded time. Every header below
 * (16 KB, 10^4 pairs, invalid percent-escapes, non-UTF-8, and the shapes that
 * make a per-pair or backtracking scan quadratic) gives a FRESH session with
 * no exception, in every format and in store mode, and the p99 of the CPU
 * time per load stays under the requirement's 1 ms.
 *
 * CPU time, not wall time: the machine is shared, and being descheduled is
 * not the parser's cost; a quadratic scan of 16 KB still burns milliseconds of
 * CPU (the old `findCookie`, which searched for "=" from every pair to the end
 * of the header, cost 2–5 ms on the ";"-only header). Loads are timed in
 * batches of 10 so that one garbage collection is not charged to one load,
 * after a warm-up so that the JIT's background compiles are not either.
 * Core only: no adapter is involved (the wire checks of R32 are in cookies.test.ts).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createSessions } from "../../src/index.js";
import { MemoryStore } from "../../src/stores/memory.js";
import { SECRET } from "../helpers/security-server.js";

const LIMIT = 16_384; // Node answers 431 to a longer header before any library sees it

const HOSTILE: Record<string, string> = {
  "one 16 KB value": "a=" + "x".repeat(16_380),
  "10^4 pairs": Array.from({ length: 10_000 }, (_, i) => `k${i}=v`).join("; "),
  "invalid percent-escapes": "session=%E0%A4%A; " + "%E0%A4%A=1; ".repeat(1_300),
  "non-UTF-8 (latin-1 bytes as Node hands them over)": "session=" + "\u00ff\u00fe\u00c3\u0028".repeat(4_000),
  "only semicolons": ";".repeat(LIMIT),
  "pairs without =": "a;".repeat(LIMIT / 2),
  "only equals signs": "=".repeat(LIMIT),
  "the name repeated without =": "session".repeat(Math.floor(LIMIT / 7)),
  "the name repeated, spaces between": "session ".repeat(LIMIT / 8),
  "16 KB of spaces before the name": " ".repeat(LIMIT - 9) + "session=x",
  "10^3 duplicates of the name": Array.from({ length: 1_000 }, (_, i) => `session=${i}`).join("; "),
  "nameless pairs carrying the name": "=session=x; ".repeat(1_300),
};

describe("E.32 hostile Cookie headers cost bounded CPU", () => {
  for (const mode of ["signed", "flask", "encrypted", "store"] as const) {
    it(`R32 a hostile Cookie header gives FRESH, never throws, and costs p99 under 1 ms of CPU per load (${mode})`, async (t) => {
      const sessions = createSessions({ secret: SECRET, ...(mode === "store" ? { store: new MemoryStore() } : { format: mode }) });
      const headers = Object.entries(HOSTILE);
      for (const [label, header] of headers) {
        const first = await sessions.load(header);
        assert.equal(first.isNew, true, `${label}: FRESH`);
        assert.equal(first.size, 0, `${label}: no data`);
      }
      // Warm every path up first, so that the JIT's background compiles (counted in the process's CPU time) are done.
      for (let i = 0; i < 300; i++) for (const [, header] of headers) await sessions.load(header);
      const p99s: string[] = [];
      for (const [label, header] of headers) {
        // A busy neighbour (CI runs test files in parallel on two cores) can only add time, never
        // remove it: measure up to three times and keep the best p99. A quadratic parse costs
        // 2–5 ms here and fails every attempt.
        let p99 = Infinity;
        for (let attempt = 0; attempt < 3 && p99 >= 1; attempt++) {
          const times: number[] = [];
          for (let i = 0; i < 200; i++) {
            const start = process.cpuUsage();
            for (let j = 0; j < 10; j++) await sessions.load(header);
            const used = process.cpuUsage(start);
            times.push((used.user + used.system) / 1000 / 10);
          }
          times.sort((a, b) => a - b);
          p99 = Math.min(p99, times[Math.floor(times.length * 0.99)]!);
        }
        p99s.push(`${label}: ${p99.toFixed(3)}`);
        assert.ok(p99 < 1, `${label}: p99 ${p99.toFixed(3)} ms of CPU per load`);
      }
      t.diagnostic(`p99 ms of CPU per load: ${p99s.join("; ")}`);
    });
  }
});
