/**
 * Kafka's OffsetIndex, kept in memory: a sparse, ascending map from offsets (stored relative
 * to the segment's base offset) to the file position of the batch that starts there. The
 * segment adds an entry every `log.index.interval.bytes`, so finding any offset costs a
 * binary search plus a walk over at most that many bytes of batch headers.
 */

export interface OffsetPosition {
  offset: bigint;
  position: number;
}

export class OffsetIndex {
  private readonly relativeOffsets: number[] = [];
  private readonly positions: number[] = [];

  constructor(readonly baseOffset: bigint) {}

  get entries(): number {
    return this.positions.length;
  }

  entry(i: number): OffsetPosition {
    return { offset: this.baseOffset + BigInt(this.relativeOffsets[i]), position: this.positions[i] };
  }

  /** Entries must come in increasing offset and position order, as batches are appended. */
  append(offset: bigint, position: number): void {
    const relative = Number(offset - this.baseOffset);
    const last = this.positions.length - 1;
    if (last >= 0 && (relative <= this.relativeOffsets[last] || position <= this.positions[last])) {
      throw new RangeError(`index entry ${offset}@${position} does not follow ${this.entry(last).offset}@${this.positions[last]}`);
    }
    this.relativeOffsets.push(relative);
    this.positions.push(position);
  }

  /** The greatest entry at or before `offset`; the segment start when there is none. */
  lookup(offset: bigint): OffsetPosition {
    const relative = Number(offset - this.baseOffset);
    const i = searchLast(this.positions.length, (j) => this.relativeOffsets[j] <= relative);
    return i < 0 ? { offset: this.baseOffset, position: 0 } : this.entry(i);
  }
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
