/**
 * Kafka's OffsetIndex (`<base offset>.index`): a sparse, ascending map from offsets to the file
 * position of a batch, 8 bytes an entry — the offset relative to the segment's base offset and
 * the position, both big-endian int32. Like Kafka, an entry names the last offset of the batch
 * that starts at its position, and the segment adds one every `log.index.interval.bytes`, so
 * finding any offset costs a binary search plus a walk over at most that many bytes of batch headers.
 */
import { IndexFile } from "./index-file.ts";

export interface OffsetPosition {
  offset: bigint;
  position: number;
}

const ENTRY_SIZE = 8;

export class OffsetIndex {
  private constructor(
    private readonly file: IndexFile,
    readonly baseOffset: bigint,
  ) {}

  static open(file: string, baseOffset: bigint): OffsetIndex {
    return new OffsetIndex(IndexFile.open(file, ENTRY_SIZE), baseOffset);
  }

  get index(): IndexFile {
    return this.file;
  }

  get entries(): number {
    return this.file.entries;
  }

  entry(i: number): OffsetPosition {
    return decode(this.file.entry(i), this.baseOffset);
  }

  lastEntry(): OffsetPosition | undefined {
    const last = this.file.lastEntry();
    return last && decode(last, this.baseOffset);
  }

  /** Entries must come in increasing offset and position order, as batches are appended. */
  append(offset: bigint, position: number): void {
    const last = this.lastEntry();
    if (last && (offset <= last.offset || position <= last.position)) {
      throw new RangeError(`index entry ${offset}@${position} does not follow ${last.offset}@${last.position}`);
    }
    const entry = Buffer.alloc(ENTRY_SIZE);
    entry.writeInt32BE(Number(offset - this.baseOffset), 0);
    entry.writeInt32BE(position, 4);
    this.file.append(entry);
  }

  /** The greatest entry at or before `offset`; the segment start when there is none. */
  lookup(offset: bigint): OffsetPosition {
    const relative = Number(offset - this.baseOffset);
    const i = searchLast(this.file.entries, (j) => this.file.entry(j).readInt32BE(0) <= relative);
    return i < 0 ? { offset: this.baseOffset, position: 0 } : this.entry(i);
  }

  /**
   * Kafka's sanity check, from the last entry alone: it must lie in the segment
   * (offset from the base on, position inside `segmentSize`).
   */
  isSane(segmentSize: number): boolean {
    const last = this.lastEntry();
    return !this.file.misaligned && (!last || (last.offset >= this.baseOffset && last.position >= 0 && last.position < segmentSize));
  }
}

function decode(entry: Buffer, baseOffset: bigint): OffsetPosition {
  return { offset: baseOffset + BigInt(entry.readInt32BE(0)), position: entry.readInt32BE(4) };
}

/** Binary search over `count` entries sorted so that `atOrBefore` holds for a prefix: the last index of that prefix, or -1. */
export function searchLast(count: number, atOrBefore: (i: number) => boolean): number {
  let lo = 0;
  let hi = count - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (atOrBefore(mid)) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
