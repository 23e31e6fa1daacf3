/**
 * The Huffman half of zlib's deflate (`trees.c`), reproduced decision for
 * decision so that {@link deflateZlib} writes the very bytes CPython's zlib
 * (stock zlib 1.2.x–1.3.x, level 6) writes.
 *
 * Why exactness matters: Flask compresses a session only when zlib saves at
 * least 2 bytes, so a compressor that is one byte better or worse than
 * CPython's decides differently near that line, and the cookie stops being
 * Flask's. node:zlib is Chromium's fork (other hashing, other matches; its
 * output differs from CPython's on nearly every input), so it cannot give
 * that guarantee; it also costs ~10–20 µs of set-up per call, more than the
 * rest of a cookie encode.
 *
 * Every tie-break below is zlib's: the heap orders equal frequencies by tree
 * depth, overlong codes are repaired as `gen_bitlen` does, code-length runs
 * are encoded as `scan_tree`/`send_tree` do, and a block is stored, fixed or
 * dynamic by the same byte counts. A property test compares the output with
 * CPython's `zlib.compress` byte for byte (test/codec/deflate.test.ts).
 */
import { DIST_EXTRA_BITS, LENGTH_EXTRA_BITS, reverseBits } from "./zlib-common.js";

const L_CODES = 286; // literal/length codes (RFC 1951 §3.2.5)
const D_CODES = 30;
const BL_CODES = 19; // code-length codes (§3.2.7)
const END_BLOCK = 256;
const MAX_BITS = 15;
const MAX_BL_BITS = 7;
const HEAP_SIZE = 2 * L_CODES + 1;
const REP_3_6 = 16;
const REPZ_3_10 = 17;
const REPZ_11_138 = 18;
/** zlib's symbol buffer at memLevel 8: a block ends after 16,383 symbols. */
const LIT_BUFSIZE = 1 << 14;

const EXTRA_BLBITS = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7);
const BL_ORDER = Uint8Array.of(16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15);

/** Length code (0..28) of each match length minus 3; 255 uses code 28, not 27 + 5 bits, as zlib does. */
const LENGTH_CODE = new Uint8Array(256);
const BASE_LENGTH = new Uint16Array(29);
/** Distance code of distance−1: 0..255 directly, then by the top bits (`d_code`). */
const DIST_CODE = new Uint8Array(512);
const BASE_DIST = new Uint16Array(D_CODES);
const STATIC_LLEN = new Uint8Array(L_CODES + 2);
const STATIC_LCODE = new Uint16Array(L_CODES + 2);
const STATIC_DLEN = new Uint8Array(D_CODES).fill(5);
const STATIC_DCODE = new Uint16Array(D_CODES);

/** Canonical codes from code lengths (RFC 1951 §3.2.2), bit-reversed for LSB-first output. */
const nextCode = new Uint16Array(MAX_BITS + 1);
function genCodes(len: ArrayLike<number>, code: Uint16Array, maxCode: number, blCount: Uint16Array): void {
  const next = nextCode;
  for (let bits = 1, c = 0; bits <= MAX_BITS; bits++) next[bits] = c = (c + blCount[bits - 1]!) << 1;
  for (let n = 0; n <= maxCode; n++) {
    const l = len[n]!;
    if (l !== 0) code[n] = reverseBits(next[l]!++, l);
  }
}

(function initStaticTables(): void {
  let length = 0;
  for (let code = 0; code < 28; code++) {
    BASE_LENGTH[code] = length;
    for (let n = 0; n < 1 << LENGTH_EXTRA_BITS[code]!; n++) LENGTH_CODE[length++] = code;
  }
  LENGTH_CODE[255] = 28;
  BASE_LENGTH[28] = 0; // unused: code 28 has no extra bits
  let dist = 0;
  for (let code = 0; code < 16; code++) {
    BASE_DIST[code] = dist;
    for (let n = 0; n < 1 << DIST_EXTRA_BITS[code]!; n++) DIST_CODE[dist++] = code;
  }
  dist >>= 7;
  for (let code = 16; code < D_CODES; code++) {
    BASE_DIST[code] = dist << 7;
    for (let n = 0; n < 1 << (DIST_EXTRA_BITS[code]! - 7); n++) DIST_CODE[256 + dist++] = code;
  }
  const blCount = new Uint16Array(MAX_BITS + 1);
  for (let n = 0; n < 288; n++) {
    STATIC_LLEN[n] = n <= 143 ? 8 : n <= 255 ? 9 : n <= 279 ? 7 : 8; // §3.2.6
    blCount[STATIC_LLEN[n]!]!++;
  }
  genCodes(STATIC_LLEN, STATIC_LCODE, L_CODES + 1, blCount);
  for (let n = 0; n < D_CODES; n++) STATIC_DCODE[n] = reverseBits(n, 5);
})();

/** One Huffman tree under construction (zlib's `tree_desc`, its `ct_data` array split into columns). */
class Tree {
  readonly freq = new Int32Array(HEAP_SIZE);
  readonly len = new Uint16Array(HEAP_SIZE + 1);
  readonly code = new Uint16Array(HEAP_SIZE);
  readonly dad = new Uint16Array(HEAP_SIZE);
  maxCode = 0;
  constructor(
    readonly elems: number,
    readonly staticLen: Uint8Array | null,
    readonly extraBits: Uint8Array,
    readonly extraBase: number,
    readonly maxLength: number,
  ) {}
}

// The coder's state lives at module level: one compression runs start to
// finish synchronously, and plain variables keep the hot loops fast.
const ltree = new Tree(L_CODES, STATIC_LLEN, LENGTH_EXTRA_BITS, 257, MAX_BITS);
const dtree = new Tree(D_CODES, STATIC_DLEN, DIST_EXTRA_BITS, 0, MAX_BITS);
const bltree = new Tree(BL_CODES, null, EXTRA_BLBITS, 0, MAX_BL_BITS);
const heap = new Int32Array(HEAP_SIZE);
const depth = new Uint8Array(HEAP_SIZE);
const heapKey = new Int32Array(HEAP_SIZE);
const blCount = new Uint16Array(MAX_BITS + 1);
const symDist = new Uint16Array(LIT_BUFSIZE);
const symLc = new Uint8Array(LIT_BUFSIZE);
let symCount = 0;
let optLen = 0;
let staticLen = 0;
let out: Uint8Array = new Uint8Array(0);
let pos = 0;
let bitBuf = 0;
let bitCount = 0;

function sendBits(value: number, length: number): void {
  bitBuf |= value << bitCount;
  bitCount += length;
  while (bitCount >= 8) {
    out[pos++] = bitBuf & 0xff;
    bitBuf >>>= 8;
    bitCount -= 8;
  }
}

function windup(): void {
  if (bitCount > 0) out[pos++] = bitBuf & 0xff;
  bitBuf = 0;
  bitCount = 0;
}

function initBlock(): void {
  ltree.freq.fill(0, 0, L_CODES);
  dtree.freq.fill(0, 0, D_CODES);
  bltree.freq.fill(0, 0, BL_CODES);
  ltree.freq[END_BLOCK] = 1;
  optLen = staticLen = 0;
  symCount = 0;
}

/** Starts writing blocks into `target` at `offset`. */
export function startBlocks(target: Uint8Array, offset: number): void {
  out = target;
  pos = offset;
  bitBuf = 0;
  bitCount = 0;
  initBlock();
}

/** Where the next byte goes: after the last block, the end of the deflate data. */
export function blocksEnd(): number {
  return pos;
}

/** Records a literal byte; true when the block is full and must be flushed. */
export function tallyLit(c: number): boolean {
  symDist[symCount] = 0;
  symLc[symCount++] = c;
  ltree.freq[c]!++;
  return symCount === LIT_BUFSIZE - 1;
}

/** Records a match (`dist` ≥ 1, `lc` = length − 3); true when the block is full. */
export function tallyDist(dist: number, lc: number): boolean {
  symDist[symCount] = dist;
  symLc[symCount++] = lc;
  dist--;
  ltree.freq[LENGTH_CODE[lc]! + 257]!++;
  dtree.freq[dist < 256 ? DIST_CODE[dist]! : DIST_CODE[256 + (dist >> 7)]!]!++;
  return symCount === LIT_BUFSIZE - 1;
}

/**
 * `_tr_flush_block`: writes the tallied symbols as a stored, fixed or
 * dynamic block, whichever zlib would pick, from `window[start, start + storedLen)`.
 *
 * @example
 * startBlocks(out, 2);
 * tallyLit(0x61);
 * flushBlock(window, 0, 1, true); // blocksEnd() is now the end of the deflate data
 */
export function flushBlock(window: Uint8Array, start: number, storedLen: number, last: boolean): void {
  buildTree(ltree);
  buildTree(dtree);
  const maxBlIndex = buildBlTree();
  let optLenB = (optLen + 3 + 7) >>> 3;
  const staticLenB = (staticLen + 3 + 7) >>> 3;
  if (staticLenB <= optLenB) optLenB = staticLenB;
  const flag = last ? 1 : 0;
  if (storedLen + 4 <= optLenB) {
    sendBits(flag, 3); // STORED_BLOCK << 1
    windup();
    out[pos++] = storedLen & 0xff;
    out[pos++] = storedLen >>> 8;
    out[pos++] = ~storedLen & 0xff;
    out[pos++] = (~storedLen >>> 8) & 0xff;
    out.set(window.subarray(start, start + storedLen), pos);
    pos += storedLen;
  } else if (staticLenB === optLenB) {
    sendBits(2 + flag, 3);
    compressBlock(STATIC_LCODE, STATIC_LLEN, STATIC_DCODE, STATIC_DLEN);
  } else {
    sendBits(4 + flag, 3);
    sendAllTrees(ltree.maxCode + 1, dtree.maxCode + 1, maxBlIndex + 1);
    compressBlock(ltree.code, ltree.len, dtree.code, dtree.len);
  }
  initBlock();
  if (last) windup();
}

/**
 * zlib's `pqdownheap`. Its `smaller` orders by frequency, then by tree depth;
 * `key` packs both (`freq * 256 + depth`), so one comparison decides, and the
 * heap carries each node's key beside it to spare a lookup.
 */
function downHeap(heapLen: number, k: number): void {
  const v = heap[k]!;
  const kv = heapKey[k]!;
  let j = k << 1;
  while (j <= heapLen) {
    let kj = heapKey[j]!;
    if (j < heapLen && heapKey[j + 1]! <= kj) kj = heapKey[++j]!;
    if (kv <= kj) break;
    heap[k] = heap[j]!;
    heapKey[k] = kj;
    k = j;
    j <<= 1;
  }
  heap[k] = v;
  heapKey[k] = kv;
}

/** `build_tree`: a Huffman tree by a heap, then bit lengths and codes. Returns the heap's lowest used index. */
function buildTree(tree: Tree): void {
  const { freq, len, dad, elems } = tree;
  const stree = tree.staticLen;
  let maxCode = -1;
  let heapLen = 0;
  for (let n = 0; n < elems; n++) {
    if (freq[n] !== 0) {
      heapKey[++heapLen] = freq[n]! << 8;
      heap[heapLen] = maxCode = n;
      depth[n] = 0;
    } else len[n] = 0;
  }
  // At least two codes, so that every code is at least one bit (as zlib forces).
  while (heapLen < 2) {
    const node = (heap[++heapLen] = maxCode < 2 ? ++maxCode : 0);
    freq[node] = 1;
    heapKey[heapLen] = 1 << 8;
    depth[node] = 0;
    optLen--;
    if (stree) staticLen -= stree[node]!;
  }
  tree.maxCode = maxCode;
  for (let n = heapLen >> 1; n >= 1; n--) downHeap(heapLen, n);
  let heapMax = HEAP_SIZE;
  let node = elems;
  do {
    const n = heap[1]!;
    heap[1] = heap[heapLen]!;
    heapKey[1] = heapKey[heapLen--]!;
    downHeap(heapLen, 1);
    const m = heap[1]!;
    heap[--heapMax] = n;
    heap[--heapMax] = m;
    const f = (freq[node] = freq[n]! + freq[m]!);
    const d = (depth[node] = (depth[n]! >= depth[m]! ? depth[n]! : depth[m]!) + 1) & 0xff; // zlib's depth is a byte
    dad[n] = dad[m] = node;
    heap[1] = node++;
    heapKey[1] = (f << 8) | d;
    downHeap(heapLen, 1);
  } while (heapLen >= 2);
  heap[--heapMax] = heap[1]!;
  genBitlen(tree, heapMax);
  genCodes(len, tree.code, maxCode, blCount);
}

/** `gen_bitlen`: lengths from the tree, capped at `maxLength` with zlib's repair. */
function genBitlen(tree: Tree, heapMax: number): void {
  const { freq, len, dad, maxCode, extraBits, extraBase, maxLength } = tree;
  const stree = tree.staticLen;
  blCount.fill(0);
  let overflow = 0;
  len[heap[heapMax]!] = 0;
  let h = heapMax + 1;
  for (; h < HEAP_SIZE; h++) {
    const n = heap[h]!;
    let bits = len[dad[n]!]! + 1;
    if (bits > maxLength) {
      bits = maxLength;
      overflow++;
    }
    len[n] = bits;
    if (n > maxCode) continue;
    blCount[bits]!++;
    const xbits = n >= extraBase ? extraBits[n - extraBase]! : 0;
    optLen += freq[n]! * (bits + xbits);
    if (stree) staticLen += freq[n]! * (stree[n]! + xbits);
  }
  if (overflow === 0) return;
  do {
    let bits = maxLength - 1;
    while (blCount[bits] === 0) bits--;
    blCount[bits]!--;
    blCount[bits + 1]! += 2;
    blCount[maxLength]!--;
    overflow -= 2;
  } while (overflow > 0);
  for (let bits = maxLength; bits !== 0; bits--) {
    let n = blCount[bits]!;
    while (n !== 0) {
      const m = heap[--h]!;
      if (m > maxCode) continue;
      if (len[m] !== bits) {
        optLen += (bits - len[m]!) * freq[m]!;
        len[m] = bits;
      }
      n--;
    }
  }
}

/**
 * `scan_tree` (send = false: count the code-length symbols) and `send_tree`
 * (send = true: write them), one walk so that the two cannot disagree.
 */
function walkTree(len: Uint16Array, maxCode: number, send: boolean): void {
  const blFreq = bltree.freq;
  const blCode = bltree.code;
  const blLen = bltree.len;
  let prevLen = -1;
  let nextLen = len[0]!;
  let count = 0;
  let maxCount = nextLen === 0 ? 138 : 7;
  let minCount = nextLen === 0 ? 3 : 4;
  if (!send) len[maxCode + 1] = 0xffff; // guard
  for (let n = 0; n <= maxCode; n++) {
    const curLen = nextLen;
    nextLen = len[n + 1]!;
    if (++count < maxCount && curLen === nextLen) continue;
    if (count < minCount) {
      if (send) do sendBits(blCode[curLen]!, blLen[curLen]!); while (--count !== 0);
      else blFreq[curLen]! += count;
    } else if (curLen !== 0) {
      if (curLen !== prevLen) {
        if (send) sendBits(blCode[curLen]!, blLen[curLen]!);
        else blFreq[curLen]!++;
        count--;
      }
      if (send) {
        sendBits(blCode[REP_3_6]!, blLen[REP_3_6]!);
        sendBits(count - 3, 2);
      } else blFreq[REP_3_6]!++;
    } else if (count <= 10) {
      if (send) {
        sendBits(blCode[REPZ_3_10]!, blLen[REPZ_3_10]!);
        sendBits(count - 3, 3);
      } else blFreq[REPZ_3_10]!++;
    } else if (send) {
      sendBits(blCode[REPZ_11_138]!, blLen[REPZ_11_138]!);
      sendBits(count - 11, 7);
    } else blFreq[REPZ_11_138]!++;
    count = 0;
    prevLen = curLen;
    if (nextLen === 0) (maxCount = 138), (minCount = 3);
    else if (curLen === nextLen) (maxCount = 6), (minCount = 3);
    else (maxCount = 7), (minCount = 4);
  }
}

function buildBlTree(): number {
  walkTree(ltree.len, ltree.maxCode, false);
  walkTree(dtree.len, dtree.maxCode, false);
  buildTree(bltree);
  let maxBlIndex = BL_CODES - 1;
  for (; maxBlIndex >= 3; maxBlIndex--) if (bltree.len[BL_ORDER[maxBlIndex]!] !== 0) break;
  optLen += 3 * (maxBlIndex + 1) + 5 + 5 + 4;
  return maxBlIndex;
}

function sendAllTrees(lcodes: number, dcodes: number, blcodes: number): void {
  sendBits(lcodes - 257, 5);
  sendBits(dcodes - 1, 5);
  sendBits(blcodes - 4, 4);
  for (let rank = 0; rank < blcodes; rank++) sendBits(bltree.len[BL_ORDER[rank]!]!, 3);
  walkTree(ltree.len, lcodes - 1, true);
  walkTree(dtree.len, dcodes - 1, true);
}

function compressBlock(lcode: Uint16Array, llen: ArrayLike<number>, dcode: Uint16Array, dlen: ArrayLike<number>): void {
  for (let i = 0; i < symCount; i++) {
    let dist = symDist[i]!;
    const lc = symLc[i]!;
    if (dist === 0) {
      sendBits(lcode[lc]!, llen[lc]!);
      continue;
    }
    let code = LENGTH_CODE[lc]!;
    sendBits(lcode[code + 257]!, llen[code + 257]!);
    let extra = LENGTH_EXTRA_BITS[code]!;
    if (extra !== 0) sendBits(lc - BASE_LENGTH[code]!, extra);
    dist--;
    code = dist < 256 ? DIST_CODE[dist]! : DIST_CODE[256 + (dist >> 7)]!;
    sendBits(dcode[code]!, dlen[code]!);
    extra = DIST_EXTRA_BITS[code]!;
    if (extra !== 0) sendBits(dist - BASE_DIST[code]!, extra);
  }
  sendBits(lcode[END_BLOCK]!, llen[END_BLOCK]!);
}
