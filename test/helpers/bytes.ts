// The tester's side of the wire: big-endian primitives, LEB128 varints and UUIDs, written independently
// of src/protocol so that the stage tests check the broker against a second implementation.

export class DecodeError extends Error {}

export class ByteWriter {
  private chunks: number[] = [];

  u8(v: number): this {
    this.chunks.push(v & 0xff);
    return this;
  }
  i8(v: number): this {
    return this.u8(v);
  }
  i16(v: number): this {
    return this.u8(v >> 8).u8(v);
  }
  i32(v: number): this {
    return this.u8(v >>> 24).u8(v >>> 16).u8(v >>> 8).u8(v);
  }
  i64(v: bigint): this {
    const u = BigInt.asUintN(64, v);
    return this.i32(Number(u >> 32n)).i32(Number(u & 0xffffffffn));
  }
  /** Unsigned LEB128 of a non-negative safe integer (arithmetic, so values above 2^32 work too). */
  uvarint(v: number): this {
    let n = v;
    while (n >= 0x80) {
      this.u8((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    return this.u8(n);
  }
  /** Zig-zag varint; also serves Kafka's varlong fields (timestamp deltas) within the safe-integer range. */
  varint(v: number): this {
    return this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }
  bytes(b: Uint8Array): this {
    for (const x of b) this.chunks.push(x);
    return this;
  }
  /** STRING / NULLABLE_STRING: i16 length then UTF-8 bytes. */
  string16(s: string): this {
    const b = utf8(s);
    return this.i16(b.length).bytes(b);
  }
  compactString(s: string): this {
    const b = utf8(s);
    return this.uvarint(b.length + 1).bytes(b);
  }
  uuid(id: string): this {
    return this.bytes(uuidToBytes(id));
  }
  tagBuffer(): this {
    return this.u8(0);
  }
  get length(): number {
    return this.chunks.length;
  }
  finish(): Buffer {
    return Buffer.from(this.chunks);
  }
}

export class ByteReader {
  offset = 0;
  constructor(readonly buf: Uint8Array) {}

  get remaining(): number {
    return this.buf.length - this.offset;
  }
  private need(n: number, what: string): void {
    if (this.remaining < n) throw new DecodeError(`Insufficient bytes to decode ${what}`);
  }
  i8(): number {
    this.need(1, "INT8");
    return (this.buf[this.offset++] << 24) >> 24;
  }
  u8(): number {
    this.need(1, "INT8");
    return this.buf[this.offset++];
  }
  i16(): number {
    this.need(2, "INT16");
    const v = (this.buf[this.offset] << 8) | this.buf[this.offset + 1];
    this.offset += 2;
    return (v << 16) >> 16;
  }
  i32(): number {
    this.need(4, "INT32");
    const b = this.buf;
    const o = this.offset;
    this.offset += 4;
    return (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
  }
  u32(): number {
    return this.i32() >>> 0;
  }
  i64(): bigint {
    this.need(8, "INT64");
    const hi = BigInt(this.i32() >>> 0);
    const lo = BigInt(this.i32() >>> 0);
    return BigInt.asIntN(64, (hi << 32n) | lo);
  }
  uvarint(what = "UNSIGNED_VARINT"): number {
    let result = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      this.need(1, what);
      const b = this.buf[this.offset++];
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new DecodeError(`${what} is longer than 10 bytes`);
  }
  varint(): number {
    const z = this.uvarint("VARINT");
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }
  bytes(n: number, what = "BYTES"): Uint8Array {
    this.need(n, what);
    const b = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }
  uuid(): string {
    return bytesToUuid(this.bytes(16, "UUID"));
  }
  compactString(): string {
    const n = this.uvarint("COMPACT_STRING");
    if (n === 0) throw new DecodeError("COMPACT_STRING length is 0 (null), which is not allowed");
    return new TextDecoder().decode(this.bytes(n - 1, "COMPACT_STRING"));
  }
  /** Null decodes as "" — the tester does the same and then fails the comparison. */
  compactNullableString(): string {
    const n = this.uvarint("COMPACT_NULLABLE_STRING");
    return n === 0 ? "" : new TextDecoder().decode(this.bytes(n - 1, "COMPACT_NULLABLE_STRING"));
  }
  /** COMPACT_ARRAY: 0 (null) and 1 (empty) both decode as zero elements. */
  compactArray<T>(item: () => T): T[] {
    const n = this.uvarint("COMPACT_ARRAY length");
    const out: T[] = [];
    for (let i = 0; i < n - 1; i++) out.push(item());
    return out;
  }
  /** TAG_BUFFER: the count, then each (tag, size, bytes) skipped. */
  tagBuffer(): void {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      this.uvarint();
      this.bytes(this.uvarint(), "TAGGED_FIELD");
    }
  }
}

export function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

export function uuidToBytes(id: string): Uint8Array {
  const hex = id.replace(/-/g, "");
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error(`not a canonical UUID: ${id}`);
  return Buffer.from(hex, "hex");
}

export function bytesToUuid(b: Uint8Array): string {
  const h = Buffer.from(b).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** "00 0a ff" style, as the spec and the fixtures print bytes. */
export function fromHex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ""), "hex");
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex").replace(/(..)(?!$)/g, "$1 ");
}
