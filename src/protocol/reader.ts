/**
 * A big-endian cursor over one Kafka message with a sticky error flag: a read past
 * the end (or a malformed length) sets `failed` and returns a zero value, so a
 * whole decode runs without try/catch and is checked once at the end.
 */

const textDecoder = new TextDecoder("utf-8", { fatal: false });

export const ZERO_UUID = "00000000-0000-0000-0000-000000000000";

export class Reader {
  pos: number;
  failed = false;
  readonly end: number;
  private readonly view: DataView;

  constructor(
    readonly buf: Uint8Array,
    pos = 0,
    end = buf.length,
  ) {
    this.pos = pos;
    this.end = end;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Reserves `n` bytes; returns their start, or -1 (and fails) when they are not there. */
  private take(n: number): number {
    if (this.failed || n < 0 || this.pos + n > this.end) {
      this.failed = true;
      return -1;
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  int8(): number {
    const at = this.take(1);
    return at < 0 ? 0 : this.view.getInt8(at);
  }
  uint8(): number {
    const at = this.take(1);
    return at < 0 ? 0 : this.buf[at];
  }
  bool(): boolean {
    return this.int8() !== 0;
  }
  int16(): number {
    const at = this.take(2);
    return at < 0 ? 0 : this.view.getInt16(at);
  }
  uint16(): number {
    const at = this.take(2);
    return at < 0 ? 0 : this.view.getUint16(at);
  }
  int32(): number {
    const at = this.take(4);
    return at < 0 ? 0 : this.view.getInt32(at);
  }
  uint32(): number {
    const at = this.take(4);
    return at < 0 ? 0 : this.view.getUint32(at);
  }
  int64(): bigint {
    const at = this.take(8);
    return at < 0 ? 0n : this.view.getBigInt64(at);
  }
  float64(): number {
    const at = this.take(8);
    return at < 0 ? 0 : this.view.getFloat64(at);
  }

  uuid(): string {
    const at = this.take(16);
    if (at < 0) return ZERO_UUID;
    let hex = "";
    for (let i = 0; i < 16; i++) {
      hex += HEX[this.buf[at + i]];
      if (i === 3 || i === 5 || i === 7 || i === 9) hex += "-";
    }
    return hex;
  }

  /** Unsigned LEB128, at most 5 bytes (32 bits). */
  uvarint(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.uint8();
      if (this.failed) return 0;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result > 0xffffffff ? this.fail() : result;
    }
    return this.fail();
  }

  /** Zig-zag LEB128, 32 bits. */
  varint(): number {
    const u = this.uvarint();
    return (u >>> 1) ^ -(u & 1);
  }

  /** Zig-zag LEB128, 64 bits. */
  varlong(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const b = this.uint8();
      if (this.failed) return 0n;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return (result >> 1n) ^ -(result & 1n);
    }
    this.fail();
    return 0n;
  }

  /** Marks the message malformed; returns 0 so callers can `return this.fail()`. */
  fail(): 0 {
    this.failed = true;
    return 0;
  }

  /** Length of a compact (flexible) field: `uvarint(n + 1)`, -1 for null. */
  compactLength(): number {
    return this.uvarint() - 1;
  }

  private utf8(length: number): string | null {
    if (length < 0) return null;
    const at = this.take(length);
    return at < 0 ? "" : textDecoder.decode(this.buf.subarray(at, at + length));
  }
  private slice(length: number): Uint8Array | null {
    if (length < 0) return null;
    const at = this.take(length);
    return at < 0 ? new Uint8Array(0) : this.buf.subarray(at, at + length);
  }

  /** `compact` selects the flexible-version encoding (uvarint length + 1). */
  nullableString(compact = false): string | null {
    const n = compact ? this.compactLength() : this.int16();
    return n < -1 ? this.failNull() : this.utf8(n);
  }
  string(compact = false): string {
    return this.nullableString(compact) ?? this.failString();
  }

  /** Bytes are views into the request buffer, never copies. */
  nullableBytes(compact = false): Uint8Array | null {
    const n = compact ? this.compactLength() : this.int32();
    return n < -1 ? this.failNull() : this.slice(n);
  }
  bytes(compact = false): Uint8Array {
    return this.nullableBytes(compact) ?? this.failBytes();
  }

  /** Element count of an array; -1 for null. Counts that cannot fit in what is left fail. */
  arrayLength(compact: boolean): number {
    const n = compact ? this.compactLength() : this.int32();
    if (n < -1 || n > this.remaining) return this.fail() - 1;
    return n;
  }

  nullableArray<T>(compact: boolean, readItem: () => T): T[] | null {
    const n = this.arrayLength(compact);
    if (n < 0) return null;
    const items: T[] = [];
    for (let i = 0; i < n && !this.failed; i++) items.push(readItem());
    return items;
  }
  array<T>(compact: boolean, readItem: () => T): T[] {
    return this.nullableArray(compact, readItem) ?? this.failArray();
  }

  /** Skips a TAG_BUFFER, handing each tag to `onTag` (which must consume exactly `size` bytes). */
  taggedFields(onTag?: (tag: number, size: number) => void): void {
    const count = this.uvarint();
    for (let i = 0; i < count && !this.failed; i++) {
      const tag = this.uvarint();
      const size = this.uvarint();
      const expectedEnd = this.pos + size;
      if (onTag) onTag(tag, size);
      if (this.pos > expectedEnd) this.fail();
      else this.pos = expectedEnd;
      if (this.pos > this.end) this.fail();
    }
  }

  private failNull(): null {
    this.failed = true;
    return null;
  }
  private failString(): string {
    this.failed = true;
    return "";
  }
  private failArray<T>(): T[] {
    this.failed = true;
    return [];
  }
  private failBytes(): Uint8Array {
    this.failed = true;
    return new Uint8Array(0);
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
