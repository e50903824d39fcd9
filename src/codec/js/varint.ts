/**
 * Kafka's varints in plain TypeScript, mirroring assembly/varint.ts: zig-zag, then unsigned LEB128; a
 * varint (int32) takes at most 5 bytes and a varlong (int64) at most 10, the last allowed byte must
 * end the number, and bits beyond the type's width are dropped, as Kafka's ByteUtils does.
 */
import { checkVarintRoom } from "../common.ts";

export const FAULT_NONE = 0;
/** The number ran into the limit before its last byte. */
export const FAULT_CUT = 1;
/** The number has more bytes than its type allows. */
export const FAULT_MALFORMED = 2;

/** Where the last read ended, and whether a read failed (sticky until the caller clears it). */
export const reading = { cursor: 0, fault: FAULT_NONE };

export function varintSize(value: number): number {
  let z = ((value << 1) ^ (value >> 31)) >>> 0;
  let n = 1;
  while (z >= 0x80) {
    z >>>= 7;
    n++;
  }
  return n;
}

export function writeVarint(out: Uint8Array, p: number, value: number): number {
  let z = ((value << 1) ^ (value >> 31)) >>> 0;
  while (z >= 0x80) {
    out[p++] = (z & 0x7f) | 0x80;
    z >>>= 7;
  }
  out[p] = z;
  return p + 1;
}

/** Values that zig-zag into 31 bits take the number path; the rest need all 64 bits. */
const SMALL = 0x40000000n;

/** Zig-zag of a wrapped-to-int64 value as [low 32 bits, high 32 bits], both unsigned. */
function zigzag64(value: bigint): [number, number] {
  const v = BigInt.asIntN(64, value);
  const z = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
  return [Number(z & 0xffffffffn), Number(z >> 32n)];
}

export function varlongSize(value: bigint): number {
  if (value >= -SMALL && value < SMALL) return varintSize(Number(value));
  let [lo, hi] = zigzag64(value);
  let n = 1;
  while (hi !== 0 || lo >= 0x80) {
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
    n++;
  }
  return n;
}

export function writeVarlong(out: Uint8Array, p: number, value: bigint): number {
  if (value >= -SMALL && value < SMALL) return writeVarint(out, p, Number(value));
  let [lo, hi] = zigzag64(value);
  while (hi !== 0 || lo >= 0x80) {
    out[p++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  out[p] = lo;
  return p + 1;
}

function fail(kind: number, p: number): 0 {
  reading.fault = kind;
  reading.cursor = p;
  return 0;
}

/** Reads a varint at `p`, not past `limit`; sets `reading.cursor`, or `reading.fault` (and returns 0). */
export function readVarint(b: Uint8Array, p: number, limit: number): number {
  let z = 0;
  for (let shift = 0; shift <= 28; shift += 7) {
    if (p >= limit) return fail(FAULT_CUT, p);
    const byte = b[p++];
    z |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      reading.cursor = p;
      return (z >>> 1) ^ -(z & 1);
    }
  }
  return fail(FAULT_MALFORMED, p);
}

export function readVarlong(b: Uint8Array, p: number, limit: number): bigint {
  let lo = 0;
  let hi = 0;
  for (let shift = 0; shift <= 63; shift += 7) {
    if (p >= limit) return BigInt(fail(FAULT_CUT, p));
    const byte = b[p++];
    const bits = byte & 0x7f;
    if (shift < 32) lo |= bits << shift;
    if (shift > 25) hi |= shift < 32 ? bits >>> (32 - shift) : bits << (shift - 32);
    if (byte < 0x80) {
      reading.cursor = p;
      if (hi === 0) return BigInt((lo >>> 1) ^ -(lo & 1));
      const z = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
      return (z >> 1n) ^ -(z & 1n);
    }
  }
  return BigInt(fail(FAULT_MALFORMED, p));
}

export function encodeVarints(values: Int32Array): Uint8Array {
  const out = new Uint8Array(values.length * 5);
  let p = 0;
  for (let i = 0; i < values.length; i++) p = writeVarint(out, p, values[i]);
  return out.slice(0, p);
}

export function decodeVarints(bytes: Uint8Array, count: number, out: Int32Array): number {
  checkVarintRoom(count, out);
  reading.fault = FAULT_NONE;
  let p = 0;
  for (let i = 0; i < count; i++) {
    out[i] = readVarint(bytes, p, bytes.length);
    if (reading.fault !== FAULT_NONE) return -1;
    p = reading.cursor;
  }
  return p;
}
