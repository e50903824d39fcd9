// Kafka's varints: zig-zag, then unsigned LEB128. A varint (int32) takes at most 5 bytes and a
// varlong (int64) at most 10; the last allowed byte must end the number, and bits beyond the
// type's width are dropped, as Kafka's ByteUtils does.
//
// Writers store 8 bytes at once, so every output region needs 8 bytes of slack past its end.

/** ⌊bits / 7⌋ for 0 ≤ bits ≤ 70, without a division in the loop-carried path. */
// @ts-ignore: decorator
@inline function sevenths(bits: usize): usize {
  return (bits * 37) >> 8;
}

/** Bytes of the zig-zag varint for `value`: 1..5. */
// @ts-ignore: decorator
@inline export function varintSize(value: i32): usize {
  const z = <u32>((value << 1) ^ (value >> 31));
  return sevenths(<usize>(38 - clz(z | 1)));
}

/** Bytes of the zig-zag varlong for `value`: 1..10. */
// @ts-ignore: decorator
@inline export function varlongSize(value: i64): usize {
  const z = <u64>((value << 1) ^ (value >> 63));
  return sevenths(<usize>(70 - clz(z | 1)));
}

/** Writes the varint of `value` at `p` without a branch on its length; returns the end. */
// @ts-ignore: decorator
@inline export function writeVarint(p: usize, value: i32): usize {
  const z = <u32>((value << 1) ^ (value >> 31));
  const n = sevenths(<usize>(38 - clz(z | 1)));
  const spread = <u64>(z & 0x7f) | (<u64>(z & 0x3f80) << 1) | (<u64>(z & 0x1fc000) << 2) |
    (<u64>(z & 0xfe00000) << 3) | (<u64>(z & 0xf0000000) << 4);
  // Continuation bits on every byte but the last.
  store<u64>(p, spread | (0x80808080 & ((<u64>1 << (<u64>(n - 1) << 3)) - 1)));
  return p + n;
}

export function writeVarlong(p: usize, value: i64): usize {
  let z = <u64>((value << 1) ^ (value >> 63));
  while (z >= 0x80) {
    store<u8>(p++, <u8>(z | 0x80));
    z >>>= 7;
  }
  store<u8>(p, <u8>z);
  return p + 1;
}

export const FAULT_NONE: i32 = 0;
/** The number ran into the limit before its last byte. */
export const FAULT_CUT: i32 = 1;
/** The number has more bytes than its type allows. */
export const FAULT_MALFORMED: i32 = 2;

/** Where the last read ended. */
export let cursor: usize = 0;
/** Sticky: set by a failed read, cleared only by the caller. */
export let fault: i32 = FAULT_NONE;

/** Reads a varint at `p`, not past `limit`; sets `cursor`, or `fault` (and returns 0). */
// @ts-ignore: decorator
@inline export function readVarint(p: usize, limit: usize): i32 {
  if (p < limit) {
    const b = <i32>load<u8>(p);
    if (b < 0x80) {
      cursor = p + 1;
      return (b >>> 1) ^ -(b & 1);
    }
  }
  return readLongVarint(p, limit);
}

function readLongVarint(p: usize, limit: usize): i32 {
  let z: u32 = 0;
  for (let shift: u32 = 0; shift <= 28; shift += 7) {
    if (p >= limit) return failRead(FAULT_CUT, p);
    const b = <u32>load<u8>(p++);
    z |= (b & 0x7f) << shift;
    if (b < 0x80) {
      cursor = p;
      return <i32>((z >>> 1) ^ -(z & 1));
    }
  }
  return failRead(FAULT_MALFORMED, p);
}

function failRead(kind: i32, p: usize): i32 {
  fault = kind;
  cursor = p;
  return 0;
}

export function readVarlong(p: usize, limit: usize): i64 {
  let z: u64 = 0;
  for (let shift: u64 = 0; shift <= 63; shift += 7) {
    if (p >= limit) return failRead(FAULT_CUT, p);
    const b = <u64>load<u8>(p++);
    z |= (b & 0x7f) << shift;
    if (b < 0x80) {
      cursor = p;
      return <i64>((z >>> 1) ^ -(z & 1));
    }
  }
  return failRead(FAULT_MALFORMED, p);
}

/** Zig-zag varints of `count` int32 values at `values` into `out`; returns the bytes written. */
export function encodeVarints(values: usize, count: i32, out: usize): usize {
  let p = out;
  for (let i = 0; i < count; i++) p = writeVarint(p, load<i32>(values + (<usize>i << 2)));
  return p - out;
}

/**
 * Decodes `count` varints from the `len` bytes at `ptr` into int32 values at `out`; returns the
 * bytes consumed, or -1 if a varint is malformed or runs past `len`.
 */
export function decodeVarints(ptr: usize, len: usize, count: i32, out: usize): i32 {
  const end = ptr + len;
  let p = ptr;
  for (let i = 0; i < count; i++) {
    let value: i32;
    if (end - p >= 8) {
      // Branch-free: the first byte without a continuation bit ends the number.
      const word = load<u64>(p);
      const stops = ~word & 0x8080808080;
      if (stops == 0) return -1;
      const n = <usize>(ctz(stops) >> 3) + 1;
      const x = word & ((<u64>1 << (<u64>n << 3)) - 1);
      const z = <u32>((x & 0x7f) | ((x >> 1) & 0x3f80) | ((x >> 2) & 0x1fc000) | ((x >> 3) & 0xfe00000) |
        ((x >> 4) & 0xf0000000));
      value = <i32>((z >>> 1) ^ -(z & 1));
      p += n;
    } else {
      fault = FAULT_NONE;
      value = readVarint(p, end);
      if (fault != FAULT_NONE) return -1;
      p = cursor;
    }
    store<i32>(out + (<usize>i << 2), value);
  }
  return <i32>(p - ptr);
}
