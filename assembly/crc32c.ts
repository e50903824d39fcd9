// CRC-32C (Castagnoli): reflected polynomial 0x82F63B78, init and final XOR 0xFFFFFFFF.
//
// Two engines share one internal state (the CRC register before the final inversion):
//  - slicing-by-8: eight 256-entry tables, 8 bytes per step; serves short inputs and tails;
//  - Chorba-style folding (Sam Russell, "Chorba: a novel CRC32 implementation", 2024): CRC-32C divides
//    the sparse polynomial x^437 + x^177 + x^176 + x^171 + x^58 + x^0, so a 64-bit word can be
//    replaced by five copies of itself moved 260, 261, 266, 379 and 437 bits further down the message
//    without changing the CRC. The loop pushes every 16-byte pair of words forward that way with
//    SIMD shifts and XORs (no table loads), until only the last 56 bytes hold anything; slicing-by-8
//    finishes. All shifts are at least 256 bits, so a pair never feeds the next one and two
//    iterations overlap. The relation was found by a meet-in-the-middle search over x^e mod P.

const POLY: u32 = 0x82f63b78;
const TABLES: usize = memory.data(8 << 10, 64);

function initTables(): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    store<u32>(TABLES + (n << 2), c);
  }
  // Table t maps a byte to its contribution t bytes further back in the message.
  for (let n: u32 = 0; n < 256; n++) {
    let c = load<u32>(TABLES + (n << 2));
    for (let t: usize = 1; t < 8; t++) {
      c = load<u32>(TABLES + ((c & 0xff) << 2)) ^ (c >>> 8);
      store<u32>(TABLES + (t << 10) + (n << 2), c);
    }
  }
}
initTables();

// @ts-ignore: decorator
@inline function entry(table: usize, byte: u32): u32 {
  return load<u32>(TABLES + (table << 10) + (<usize>byte << 2));
}

/** Eight bytes (one little-endian word) into state `s`. */
// @ts-ignore: decorator
@inline function step8(s: u32, word: u64): u32 {
  const lo = <u32>word ^ s;
  const hi = <u32>(word >>> 32);
  return entry(7, lo & 0xff) ^ entry(6, (lo >>> 8) & 0xff) ^ entry(5, (lo >>> 16) & 0xff) ^ entry(4, lo >>> 24) ^
    entry(3, hi & 0xff) ^ entry(2, (hi >>> 8) & 0xff) ^ entry(1, (hi >>> 16) & 0xff) ^ entry(0, hi >>> 24);
}

function slice8(s: u32, p: usize, len: usize): u32 {
  const end = p + len;
  for (; p + 8 <= end; p += 8) s = step8(s, load<u64>(p));
  for (; p < end; p++) s = entry(0, (s ^ load<u8>(p)) & 0xff) ^ (s >>> 8);
  return s;
}

/** Bytes the fold loop leaves behind: its contributions reach 56 bytes past the last pair it reads. */
const FOLD_TAIL: usize = 56;

function fold(s: u32, p: usize, len: usize): u32 {
  if (len < FOLD_TAIL + 16) return slice8(s, p, len);
  const end = p + ((len - FOLD_TAIL) & ~15);
  // Pending contributions per pair of words: aK to words (2k, 2k+1), bK to words (2k+1, 2k+2),
  // named relative to the pair k being read. The initial state enters through the first word.
  let a0 = i64x2(<i64>s, 0);
  let a1 = i64x2.splat(0);
  let a2 = i64x2.splat(0);
  let bPrev = i64x2.splat(0);
  let b0 = i64x2.splat(0);
  let b1 = i64x2.splat(0);
  let b2 = i64x2.splat(0);
  let q = p;
  for (; q < end; q += 16) {
    const v = v128.xor(v128.xor(v128.load(q), a0), i64x2.shuffle(bPrev, b0, 1, 2));
    // Shifts 260, 261, 266 (4 words + 4, 5, 10 bits), 379 (5 words + 59 bits), 437 (6 words + 53 bits).
    const nextA2 = v128.xor(a2, v128.xor(v128.xor(i64x2.shl(v, 4), i64x2.shl(v, 5)), i64x2.shl(v, 10)));
    const nextB2 = v128.xor(
      v128.xor(b2, i64x2.shl(v, 59)),
      v128.xor(v128.xor(i64x2.shr_u(v, 60), i64x2.shr_u(v, 59)), i64x2.shr_u(v, 54)),
    );
    const nextA3 = v128.xor(i64x2.shr_u(v, 5), i64x2.shl(v, 53));
    const nextB3 = i64x2.shr_u(v, 11);
    a0 = a1;
    a1 = nextA2;
    a2 = nextA3;
    bPrev = b0;
    b0 = b1;
    b1 = nextB2;
    b2 = nextB3;
  }
  const c0 = v128.xor(a0, i64x2.shuffle(bPrev, b0, 1, 2));
  const c1 = v128.xor(a1, i64x2.shuffle(b0, b1, 1, 2));
  const c2 = v128.xor(a2, i64x2.shuffle(b1, b2, 1, 2));
  let t: u32 = 0;
  t = step8(t, load<u64>(q) ^ i64x2.extract_lane(c0, 0));
  t = step8(t, load<u64>(q, 8) ^ i64x2.extract_lane(c0, 1));
  t = step8(t, load<u64>(q, 16) ^ i64x2.extract_lane(c1, 0));
  t = step8(t, load<u64>(q, 24) ^ i64x2.extract_lane(c1, 1));
  t = step8(t, load<u64>(q, 32) ^ i64x2.extract_lane(c2, 0));
  t = step8(t, load<u64>(q, 40) ^ i64x2.extract_lane(c2, 1));
  t = step8(t, load<u64>(q, 48) ^ i64x2.extract_lane(b2, 1));
  return slice8(t, q + FOLD_TAIL, p + len - q - FOLD_TAIL);
}

/** CRC-32C of `len` bytes at `ptr`. */
export function crc32c(ptr: usize, len: usize): u32 {
  return ~fold(~0, ptr, len);
}

/** Continues `crc` (a previous result, 0 to start) over `len` more bytes. */
export function crc32cUpdate(crc: u32, ptr: usize, len: usize): u32 {
  return ~fold(~crc, ptr, len);
}

/** The table-only engine, exported so tests and benchmarks can compare it with the fold. */
export function crc32cSlice8(ptr: usize, len: usize): u32 {
  return ~slice8(~0, ptr, len);
}
