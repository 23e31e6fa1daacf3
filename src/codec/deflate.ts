/**
 * `zlib.compress(data)` as CPython writes it (level 6, 32 KiB window,
 * memLevel 8), byte for byte, for inputs up to {@link DEFLATE_MAX_INPUT}.
 *
 * This file is zlib's `deflate_slow` (lazy matching) and `longest_match`
 * with level 6's parameters; deflate-trees.ts is its `trees.c`. Inputs this
 * small fit the window whole, so zlib's window sliding never happens and is
 * not reproduced. Why not node:zlib: see deflate-trees.ts (different bytes
 * from CPython's, and ~10–20 µs of set-up per call against ~3 µs here for a
 * 100-byte session).
 *
 * Not reentrant across threads, and does not need to be: it runs to
 * completion synchronously and reuses its module-level buffers.
 */
import { blocksEnd, flushBlock, startBlocks, tallyDist, tallyLit } from "./deflate-trees.js";
import { adler32 } from "./zlib-common.js";

/** Largest input compressed here; larger ones go to the runtime's zlib (a cookie is at most 4 KiB). */
export const DEFLATE_MAX_INPUT = 32 * 1024;

const WMASK = 0x7fff; // 32 KiB window
const MIN_MATCH = 3;
const MAX_MATCH = 258;
const MIN_LOOKAHEAD = MAX_MATCH + MIN_MATCH + 1;
const MAX_DIST = WMASK + 1 - MIN_LOOKAHEAD;
/** zlib drops a 3-byte match farther back than this: it would cost more than three literals. */
const TOO_FAR = 4096;
/** memLevel 8: 15 hash bits, shifted 5 per byte so a hash covers exactly 3 bytes. */
const HASH_MASK = 0x7fff;
const HASH_SHIFT = 5;
// Level 6 in zlib's configuration_table.
const GOOD_LENGTH = 8;
const MAX_LAZY = 16;
const NICE_LENGTH = 128;
const MAX_CHAIN = 128;

/** The input, then MAX_MATCH zero bytes: zlib's matcher reads past the end and zlib zeroes that space. */
const window = new Uint8Array(DEFLATE_MAX_INPUT + MAX_MATCH + 8);
const head = new Uint16Array(HASH_MASK + 1);
const prev = new Uint16Array(WMASK + 1);
/** The hash slots written in this call, cleared afterwards (cheaper than clearing all 32,768). */
const touched = new Uint16Array(DEFLATE_MAX_INPUT);

let matchStart = 0;

/**
 * zlib's `longest_match`: walks the hash chain for a match longer than
 * `prevLength`, setting `matchStart`. Byte 2 is not compared: equal hashes
 * with equal bytes 0 and 1 imply it (zlib relies on the same fact).
 */
function longestMatch(curMatch: number, strstart: number, prevLength: number, lookahead: number): number {
  let chain = prevLength >= GOOD_LENGTH ? MAX_CHAIN >> 2 : MAX_CHAIN;
  let bestLen = prevLength;
  const nice = NICE_LENGTH > lookahead ? lookahead : NICE_LENGTH;
  const limit = strstart > MAX_DIST ? strstart - MAX_DIST : 0;
  let scanEnd1 = window[strstart + bestLen - 1]!;
  let scanEnd = window[strstart + bestLen]!;
  const s0 = window[strstart]!;
  const s1 = window[strstart + 1]!;
  do {
    const m = curMatch;
    if (window[m + bestLen] !== scanEnd || window[m + bestLen - 1] !== scanEnd1 || window[m] !== s0 || window[m + 1] !== s1) {
      continue;
    }
    let len = 3;
    while (len < MAX_MATCH && window[strstart + len] === window[m + len]) len++;
    if (len > bestLen) {
      matchStart = m;
      bestLen = len;
      if (len >= nice) break;
      scanEnd1 = window[strstart + bestLen - 1]!;
      scanEnd = window[strstart + bestLen]!;
    }
  } while ((curMatch = prev[curMatch & WMASK]!) > limit && --chain !== 0);
  return bestLen <= lookahead ? bestLen : lookahead;
}

/** `deflate_slow`: lazy matching, tallying into the coder, flushing full blocks. */
function deflateSlow(n: number): void {
  let strstart = 0;
  let blockStart = 0;
  let lookahead = n;
  let insH = n >= MIN_MATCH ? ((window[0]! << HASH_SHIFT) ^ window[1]!) & HASH_MASK : 0;
  let inserted = 0;
  let matchLength = MIN_MATCH - 1;
  let prevLength = MIN_MATCH - 1;
  let matchAvailable = false;
  try {
    while (lookahead !== 0) {
      let hashHead = 0;
      if (lookahead >= MIN_MATCH) {
        // INSERT_STRING: a rolling hash of the 3 bytes at strstart; chain the previous head.
        insH = ((insH << HASH_SHIFT) ^ window[strstart + 2]!) & HASH_MASK;
        hashHead = prev[strstart & WMASK] = head[insH]!;
        head[insH] = strstart;
        touched[inserted++] = insH;
      }
      prevLength = matchLength;
      const prevMatch = matchStart;
      matchLength = MIN_MATCH - 1;
      if (hashHead !== 0 && prevLength < MAX_LAZY && strstart - hashHead <= MAX_DIST) {
        matchLength = longestMatch(hashHead, strstart, prevLength, lookahead);
        if (matchLength === MIN_MATCH && strstart - matchStart > TOO_FAR) matchLength = MIN_MATCH - 1;
      }
      if (prevLength >= MIN_MATCH && matchLength <= prevLength) {
        // The previous position's match is at least as good: emit it and skip over it.
        const maxInsert = strstart + lookahead - MIN_MATCH;
        const full = tallyDist(strstart - 1 - prevMatch, prevLength - MIN_MATCH);
        lookahead -= prevLength - 1;
        for (let left = prevLength - 2; left !== 0; left--) {
          if (++strstart <= maxInsert) {
            insH = ((insH << HASH_SHIFT) ^ window[strstart + 2]!) & HASH_MASK;
            prev[strstart & WMASK] = head[insH]!;
            head[insH] = strstart;
            touched[inserted++] = insH;
          }
        }
        matchAvailable = false;
        matchLength = MIN_MATCH - 1;
        strstart++;
        if (full) {
          flushBlock(window, blockStart, strstart - blockStart, false);
          blockStart = strstart;
        }
      } else if (matchAvailable) {
        // No better match here: the previous byte goes out as a literal.
        if (tallyLit(window[strstart - 1]!)) {
          flushBlock(window, blockStart, strstart - blockStart, false);
          blockStart = strstart;
        }
        strstart++;
        lookahead--;
      } else {
        matchAvailable = true;
        strstart++;
        lookahead--;
      }
    }
    if (matchAvailable) tallyLit(window[strstart - 1]!);
    flushBlock(window, blockStart, strstart - blockStart, true);
  } finally {
    for (let i = 0; i < inserted; i++) head[touched[i]!] = 0;
  }
}

/** The output, reused: allocating a typed array costs more than compressing a small session. */
let output = new Uint8Array(1024);

/**
 * The zlib stream (RFC 1950) CPython's `zlib.compress(input)` returns, as a
 * view of a buffer that the next call overwrites: use it or copy it at once.
 *
 * @example
 * hex(deflateZlib(new TextEncoder().encode('{"a":"aaaaaaaaaaaa"}')));
 * // "789cab564a54b2524a44024ab500424f06a8", what Python's zlib.compress writes
 */
export function deflateZlib(input: Uint8Array): Uint8Array {
  const n = input.length;
  if (n > DEFLATE_MAX_INPUT) throw new RangeError(`deflateZlib takes at most ${DEFLATE_MAX_INPUT} bytes`);
  window.set(input, 0);
  window.fill(0, n, n + MAX_MATCH + 8);
  // Worst case: every block stored (5 bytes of header per 16,383 symbols), plus header, trailer and slack.
  const bound = n + 5 * Math.ceil((n + 1) / 16383) + 16;
  if (output.length < bound) output = new Uint8Array(Math.max(bound, output.length * 2));
  const out = output;
  out[0] = 0x78; // deflate, 32 KiB window
  out[1] = 0x9c; // default level; (0x78 << 8 | 0x9c) % 31 === 0
  matchStart = 0;
  startBlocks(out, 2);
  deflateSlow(n);
  let pos = blocksEnd();
  const adler = adler32(input);
  out[pos++] = adler >>> 24;
  out[pos++] = (adler >>> 16) & 0xff;
  out[pos++] = (adler >>> 8) & 0xff;
  out[pos++] = adler & 0xff;
  return out.subarray(0, pos);
}
