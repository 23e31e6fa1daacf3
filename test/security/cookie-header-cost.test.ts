/**
 * E.32 — a hostile `Cookie` header costs bounded time. Every header below
 * (16 KB, 10^4 pairs, invalid percent-escapes, non-UTF-8, and the shapes that
 * make a per-pair or backtracking scan quadratic) gives a FRESH session with
 * no exception, in every format and in store mode, and the work of a load is
 * linear in the header: the characters it looks at (counted, not timed: see
 * test/helpers/scan-count.ts) stay under a few per header character, and
 * doubling the header at most doubles them.
 *
 * A count, not a clock: the same input gives the same count on any machine,
 * however loaded, and a quadratic scan of 16 KB looks at tens of millions of
 * characters, thousands of times the bound (the last case shows the count
 * catching one). What a load costs in time is measured in bench/ (`npm run
 * bench:micro`, the hostile-header rows). Core only: no adapter is involved
 * (the wire checks of R32 are in cookies.test.ts).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createSessions } from "../../src/index.js";
import { MemoryStore } from "../../src/stores/memory.js";
import { SECRET } from "../helpers/security-server.js";
import { charactersScanned } from "../helpers/scan-count.js";

const LIMIT = 16_384; // Node answers 431 to a longer header before any library sees it
/** Characters a load may look at per header character (measured: 1–4 with one cookie, up to 7 with chunks: the header is searched four times). */
const PER_CHAR = 16;

/** Each hostile shape, at least `n` characters long (cut to length by {@link hostile}). */
const HOSTILE: Record<string, (n: number) => string> = {
  "one long value": (n) => "a=" + "x".repeat(n),
  "pairs, 10^4 at 16 KB": (n) => Array.from({ length: n }, (_, i) => `k${i}=v`).join("; "),
  "invalid percent-escapes": (n) => "session=%E0%A4%A; " + "%E0%A4%A=1; ".repeat(n),
  "non-UTF-8 (latin-1 bytes as Node hands them over)": (n) => "session=" + "\u00ff\u00fe\u00c3\u0028".repeat(n),
  "only semicolons": (n) => ";".repeat(n),
  "pairs without =": (n) => "a;".repeat(n),
  "only equals signs": (n) => "=".repeat(n),
  "the name repeated without =": (n) => "session".repeat(n),
  "the name repeated, spaces between": (n) => "session ".repeat(n),
  "spaces before the name": (n) => " ".repeat(n - 9) + "session=x",
  "duplicates of the name": (n) => Array.from({ length: n }, (_, i) => `session=${i % 10}`).join("; "),
  "nameless pairs carrying the name": (n) => "=session=x; ".repeat(n),
};

function hostile(shape: (n: number) => string, n: number): string {
  const header = shape(n).slice(0, n);
  assert.equal(header.length, n);
  return header;
}

describe("E.32 hostile Cookie headers cost work linear in their length", () => {
  // "chunked": the header is searched once for the cookie and once for each of its three chunk names.
  for (const mode of ["signed", "flask", "encrypted", "store", "chunked"] as const) {
    it(`R32 a hostile Cookie header gives FRESH, never throws, and a load looks at each of its characters a bounded number of times (${mode})`, async (t) => {
      const options = mode === "store" ? { store: new MemoryStore() } : mode === "chunked" ? { cookie: { maxChunks: 3 } } : { format: mode };
      const sessions = createSessions({ secret: SECRET, ...options });
      const counts: string[] = [];
      for (const [label, shape] of Object.entries(HOSTILE)) {
        const load = async (header: string): Promise<number> =>
          charactersScanned(async () => {
            const session = await sessions.load(header);
            assert.equal(session.isNew, true, `${label}: FRESH`);
            assert.equal(session.size, 0, `${label}: no data`);
          });
        const half = await load(hostile(shape, LIMIT / 2));
        const full = await load(hostile(shape, LIMIT));
        counts.push(`${label}: ${full}`);
        assert.ok(full <= PER_CHAR * LIMIT, `${label}: ${full} characters looked at for a ${LIMIT}-character header`);
        assert.ok(full <= 2.25 * half, `${label}: ${half} characters looked at for half the header, ${full} for all of it: more than linear`);
        // A longer header (core may be called from outside Node's HTTP parser) is cut, not scanned.
        const huge = await load(hostile(shape, 64 * LIMIT));
        assert.ok(huge <= PER_CHAR * LIMIT, `${label}: ${huge} characters looked at for a ${64 * LIMIT}-character header`);
      }
      t.diagnostic(`characters looked at per 16 KB load: ${counts.join("; ")}`);
    });
  }

  it("the count catches a quadratic scan: the pre-fix findCookie (an '=' search from every pair to the end) on 16 KB of ';'", async () => {
    // What findCookie did before it searched for the name itself: for each pair, look for its "=".
    const quadratic = (header: string): number => {
      let found = 0;
      for (let start = 0; start < header.length; start = header.indexOf(";", start) + 1 || header.length) {
        if (header.indexOf("=", start) !== -1) found++;
      }
      return found;
    };
    const header = hostile(HOSTILE["only semicolons"]!, LIMIT);
    const scanned = await charactersScanned(() => quadratic(header));
    assert.ok(scanned > 100 * PER_CHAR * LIMIT, `a quadratic scan counted ${scanned}, not a hundred times the bound`);
  });
});
