/**
 * A growable big-endian buffer for encoding Kafka messages. Byte strings of at least
 * REFERENCED_BYTES (stored record batches) are referenced rather than copied, so a response
 * can be written as a list of buffers; such bytes must not change until the output is used.
 */

const textEncoder = new TextEncoder();

/** Below this, copying is cheaper than another buffer in the list. */
export const REFERENCED_BYTES = 64 * 1024;

export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  /** Finished pieces before `buf`: filled parts of earlier buffers and referenced byte strings. */
  private readonly parts: Uint8Array[] = [];
  /** Where `buf` starts in the output. */
  private bufStart = 0;
  pos = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(initialCapacity);
    this.view = new DataView(this.buf.buffer);
  }

  /** Reserves `n` bytes and returns their offset in `buf`; call it before touching `buf`/`view`, which it may replace. */
  private ensure(n: number): number {
    const at = this.pos - this.bufStart;
    if (at + n > this.buf.length) {
      const grown = new Uint8Array(Math.max(this.buf.length * 2, at + n));
      grown.set(this.buf.subarray(0, at));
      this.buf = grown;
      this.view = new DataView(grown.buffer);
    }
    this.pos += n;
    return at;
  }

  /** The bytes written so far in one buffer (a view when nothing was referenced; copy it if the writer is reused). */
  finish(): Uint8Array {
    const tail = this.buf.subarray(0, this.pos - this.bufStart);
    return this.parts.length === 0 ? tail : Buffer.concat([...this.parts, tail]);
  }

  /** The bytes written so far as a list of buffers, nothing copied: what a socket writes with writev. */
  finishParts(): Uint8Array[] {
    const tail = this.buf.subarray(0, this.pos - this.bufStart);
    return tail.length === 0 ? [...this.parts] : [...this.parts, tail];
  }

  int8(v: number): this {
    const at = this.ensure(1);
    this.view.setInt8(at, v);
    return this;
  }
  uint8(v: number): this {
    const at = this.ensure(1);
    this.buf[at] = v;
    return this;
  }
  bool(v: boolean): this {
    return this.uint8(v ? 1 : 0);
  }
  int16(v: number): this {
    const at = this.ensure(2);
    this.view.setInt16(at, v);
    return this;
  }
  uint16(v: number): this {
    const at = this.ensure(2);
    this.view.setUint16(at, v);
    return this;
  }
  int32(v: number): this {
    const at = this.ensure(4);
    this.view.setInt32(at, v);
    return this;
  }
  uint32(v: number): this {
    const at = this.ensure(4);
    this.view.setUint32(at, v);
    return this;
  }
  int64(v: bigint): this {
    const at = this.ensure(8);
    this.view.setBigInt64(at, v);
    return this;
  }
  float64(v: number): this {
    const at = this.ensure(8);
    this.view.setFloat64(at, v);
    return this;
  }
  /** Overwrites an i32 written earlier (e.g. a size prefix). */
  int32At(at: number, v: number): void {
    if (at >= this.bufStart) return this.view.setInt32(at - this.bufStart, v);
    let start = 0;
    for (const part of this.parts) {
      // An i32 is written into one buffer, so it never straddles two parts.
      if (at < start + part.length) return new DataView(part.buffer, part.byteOffset).setInt32(at - start, v);
      start += part.length;
    }
  }

  uuid(v: string): this {
    const at = this.ensure(16);
    const hex = v.replace(/-/g, "");
    for (let i = 0; i < 16; i++) this.buf[at + i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16) || 0;
    return this;
  }

  uvarint(v: number): this {
    while (v >= 0x80) {
      this.uint8((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    return this.uint8(v);
  }
  varint(v: number): this {
    return this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }
  varlong(v: bigint): this {
    let u = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    while (u >= 0x80n) {
      this.uint8(Number(u & 0x7fn) | 0x80);
      u >>= 7n;
    }
    return this.uint8(Number(u));
  }

  raw(bytes: Uint8Array): this {
    if (bytes.length >= REFERENCED_BYTES) {
      const filled = this.pos - this.bufStart;
      if (filled > 0) this.parts.push(this.buf.subarray(0, filled));
      this.parts.push(bytes);
      this.pos += bytes.length;
      this.bufStart = this.pos;
      // The rest of the current buffer carries on after the referenced bytes.
      this.buf = this.buf.subarray(filled);
      this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
      return this;
    }
    const at = this.ensure(bytes.length);
    this.buf.set(bytes, at);
    return this;
  }

  /** `compact` selects the flexible-version encoding (uvarint length + 1). */
  nullableString(v: string | null, compact = false): this {
    if (v === null) return compact ? this.uvarint(0) : this.int16(-1);
    const bytes = textEncoder.encode(v);
    return (compact ? this.uvarint(bytes.length + 1) : this.int16(bytes.length)).raw(bytes);
  }
  string(v: string, compact = false): this {
    return this.nullableString(v, compact);
  }

  nullableBytes(v: Uint8Array | null, compact = false): this {
    if (v === null) return compact ? this.uvarint(0) : this.int32(-1);
    return (compact ? this.uvarint(v.length + 1) : this.int32(v.length)).raw(v);
  }
  bytes(v: Uint8Array, compact = false): this {
    return this.nullableBytes(v, compact);
  }

  /** Array length: -1 (null) or the element count, compact or INT32. */
  arrayLength(compact: boolean, n: number): this {
    return compact ? this.uvarint(n + 1) : this.int32(n);
  }

  array<T>(compact: boolean, items: readonly T[] | null, writeItem: (item: T) => void): this {
    if (items === null) return this.arrayLength(compact, -1);
    this.arrayLength(compact, items.length);
    for (const item of items) writeItem(item);
    return this;
  }

  /** An empty TAG_BUFFER. */
  noTaggedFields(): this {
    return this.uint8(0);
  }
}
