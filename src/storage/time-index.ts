/**
 * Kafka's TimeIndex, kept in memory and sampled at the same batch boundaries as the
 * OffsetIndex. An entry (timestamp T, offset O) says every record before offset O has a
 * timestamp of at most T, so a search for the first record with timestamp >= t may start
 * at the O of the last entry whose T is below t. Timestamps only ever increase.
 */
import { searchLast } from "./offset-index.ts";

export class TimeIndex {
  private readonly timestamps: bigint[] = [];
  private readonly offsets: bigint[] = [];

  /** Adds the entry only if it raises the timestamp, as Kafka's maybeAppend does. */
  maybeAppend(maxTimestampBefore: bigint, offset: bigint): void {
    const last = this.timestamps.length - 1;
    if (last >= 0 && maxTimestampBefore <= this.timestamps[last]) return;
    this.timestamps.push(maxTimestampBefore);
    this.offsets.push(offset);
  }

  /** The offset from which a search for `timestamp` may start, or undefined for the segment start. */
  lookup(timestamp: bigint): bigint | undefined {
    const i = searchLast(this.offsets.length, (j) => this.timestamps[j] < timestamp);
    return i < 0 ? undefined : this.offsets[i];
  }
}
