/**
 * Kafka's TimeIndex (`<base offset>.timeindex`), 12 bytes an entry: a big-endian int64
 * timestamp and the int32 offset (relative to the segment's base offset) of the batch where
 * the segment's largest timestamp so far was reached. Sampled with the OffsetIndex; an entry is
 * added only when it raises the timestamp, and a final one when the segment is rolled or
 * closed, so the last entry holds the segment's largest timestamp.
 */
import { IndexFile } from "./index-file.ts";
import { searchLast } from "./offset-index.ts";

const ENTRY_SIZE = 12;
/** Kafka's RecordBatch.NO_TIMESTAMP. */
const NO_TIMESTAMP = -1n;

export interface TimestampOffset {
  timestamp: bigint;
  offset: bigint;
}

export class TimeIndex {
  private constructor(
    private readonly file: IndexFile,
    readonly baseOffset: bigint,
  ) {}

  static open(file: string, baseOffset: bigint): TimeIndex {
    return new TimeIndex(IndexFile.open(file, ENTRY_SIZE), baseOffset);
  }

  get index(): IndexFile {
    return this.file;
  }

  get entries(): number {
    return this.file.entries;
  }

  entry(i: number): TimestampOffset {
    return decode(this.file.entry(i), this.baseOffset);
  }

  lastEntry(): TimestampOffset | undefined {
    const last = this.file.lastEntry();
    return last && decode(last, this.baseOffset);
  }

  /** Adds the entry only if it raises the timestamp (an empty index counts as -1), as Kafka's maybeAppend does. */
  maybeAppend(timestamp: bigint, offset: bigint): void {
    if (timestamp <= (this.lastEntry()?.timestamp ?? NO_TIMESTAMP)) return;
    const entry = Buffer.alloc(ENTRY_SIZE);
    entry.writeBigInt64BE(timestamp, 0);
    entry.writeInt32BE(Number(offset - this.baseOffset), 8);
    this.file.append(entry);
  }

  /**
   * The offset from which a search for the first record stamped at or after `timestamp` may
   * start (every record up to it is older), or undefined for the segment start.
   */
  lookup(timestamp: bigint): bigint | undefined {
    const i = searchLast(this.file.entries, (j) => this.file.entry(j).readBigInt64BE(0) < timestamp);
    return i < 0 ? undefined : this.entry(i).offset;
  }

  /** Kafka's sanity check: whole entries, the last one's offset from the base on. */
  isSane(): boolean {
    const last = this.lastEntry();
    return !this.file.misaligned && (!last || last.offset >= this.baseOffset);
  }
}

function decode(entry: Buffer, baseOffset: bigint): TimestampOffset {
  return { timestamp: entry.readBigInt64BE(0), offset: baseOffset + BigInt(entry.readInt32BE(8)) };
}
