/**
 * What deflate.ts (with deflate-trees.ts) and inflate.ts both need of the
 * zlib format: the extra-bit counts of the length and distance codes
 * (RFC 1951 §3.2.5), Huffman codes reversed for LSB-first packing (§3.1.1),
 * and the Adler-32 trailer (RFC 1950 §9). One copy, so the compressor and
 * the decompressor cannot disagree on a table.
 */

/** Extra bits of length codes 257..285 (index 0..28). */
export const LENGTH_EXTRA_BITS = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0);
/** Extra bits of distance codes 0..29. */
export const DIST_EXTRA_BITS = Uint8Array.of(0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13);

const REV8 = new Uint8Array(256);
for (let i = 0; i < 256; i++) REV8[i] = (REV8[i >> 1]! >> 1) | ((i & 1) << 7);

/**
 * The low `length` (1..16) bits of `code`, reversed: Huffman codes are
 * defined most-significant bit first, and deflate packs bits from the low end.
 *
 * @example
 * reverseBits(0b110, 3); // 0b011
 */
export function reverseBits(code: number, length: number): number {
  return ((REV8[code & 255]! << 8) | REV8[code >> 8]!) >> (16 - length);
}

/**
 * Adler-32 of `data[0, length)`, the modulo deferred to once per 5,552 bytes
 * (zlib's NMAX: the longest run whose sums cannot pass 2^32), eight bytes a
 * step so that `a` and `b` each change once per step, not once per byte.
 *
 * @example
 * adler32(new TextEncoder().encode("Wikipedia"), 9); // 0x11e60398
 */
export function adler32(data: Uint8Array, length: number = data.length): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < length; ) {
    const end = Math.min(i + 5552, length);
    for (; i + 8 <= end; i += 8) {
      const x0 = data[i]!, x1 = data[i + 1]!, x2 = data[i + 2]!, x3 = data[i + 3]!;
      const x4 = data[i + 4]!, x5 = data[i + 5]!, x6 = data[i + 6]!, x7 = data[i + 7]!;
      b += 8 * (a + x0) + 7 * x1 + 6 * x2 + 5 * x3 + 4 * x4 + 3 * x5 + 2 * x6 + x7;
      a += x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7;
    }
    for (; i < end; i++) b += a += data[i]!;
    a %= 65521;
    b %= 65521;
  }
  return b * 65536 + a;
}
