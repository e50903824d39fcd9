/**
 * Kafka's SharePartition (KIP-932): the records of one topic partition as a share group sees them.
 * Everything below the start offset is done with; from it, the in-flight window holds each
 * record's state (AVAILABLE, ACQUIRED by a member under a time-limited lock, ACKNOWLEDGED,
 * ARCHIVED) and delivery count; past the window's end lie records nobody has fetched yet. A lock
 * that runs out, or a RELEASE, makes a record available again, unless it has been delivered
 * `group.share.delivery.count.limit` times: then it is archived, like a REJECT.
 */
import { schedule } from "./timers.ts";

export const RecordState = { AVAILABLE: 0, ACQUIRED: 1, ACKNOWLEDGED: 2, ARCHIVED: 4 } as const;
export type RecordState = (typeof RecordState)[keyof typeof RecordState];

/** AcknowledgeTypes of ShareFetch / ShareAcknowledge. */
export const AcknowledgeType = { GAP: 0, ACCEPT: 1, RELEASE: 2, REJECT: 3 } as const;

export interface SharePartitionConfig {
  /** group.share.record.lock.duration.ms */
  recordLockDurationMs: number;
  /** group.share.delivery.count.limit */
  deliveryCountLimit: number;
  /** group.share.partition.max.record.locks: the most records acquired at once. */
  maxRecordLocks: number;
}

interface InFlightRecord {
  state: RecordState;
  deliveryCount: number;
  memberId: string | null;
  lock: NodeJS.Timeout | undefined;
}

export interface AcquiredRecords {
  firstOffset: bigint;
  lastOffset: bigint;
  deliveryCount: number;
}

/** What is persisted: the start offset and the in-flight window's records. */
export interface SharePartitionSnapshot {
  startOffset: bigint;
  records: { offset: bigint; state: RecordState; deliveryCount: number }[];
}

export class SharePartition {
  private startOffset: bigint;
  /** Offsets in [startOffset, endOffset) that have been fetched at least once (or acknowledged as gaps). */
  private endOffset: bigint;
  private readonly inFlight = new Map<bigint, InFlightRecord>();

  constructor(
    private readonly config: SharePartitionConfig,
    startOffset: bigint,
    /** Called whenever the state worth persisting changes (not for acquisitions alone). */
    private readonly onChange: () => void,
  ) {
    this.startOffset = startOffset;
    this.endOffset = startOffset;
  }

  static restore(config: SharePartitionConfig, snapshot: SharePartitionSnapshot, onChange: () => void): SharePartition {
    const partition = new SharePartition(config, snapshot.startOffset, onChange);
    for (const r of snapshot.records) {
      // Locks do not survive a restart: what was acquired is available again.
      const state = r.state === RecordState.ACQUIRED ? RecordState.AVAILABLE : r.state;
      partition.inFlight.set(r.offset, { state, deliveryCount: r.deliveryCount, memberId: null, lock: undefined });
      if (r.offset + 1n > partition.endOffset) partition.endOffset = r.offset + 1n;
    }
    partition.advanceStartOffset();
    return partition;
  }

  get start(): bigint {
    return this.startOffset;
  }

  /** Every in-flight record has been delivered at least once, so all of them are state worth keeping. */
  snapshot(): SharePartitionSnapshot {
    const records = [...this.inFlight]
      .map(([offset, r]) => ({ offset, state: r.state, deliveryCount: r.deliveryCount }))
      .sort((a, b) => (a.offset < b.offset ? -1 : 1));
    return { startOffset: this.startOffset, records };
  }

  /** Where a fetch for this partition should read from: the first record available to acquire. */
  nextFetchOffset(logEndOffset: bigint): bigint | undefined {
    for (let offset = this.startOffset; offset < logEndOffset; offset++) {
      const record = this.inFlight.get(offset);
      if (offset >= this.endOffset || record?.state === RecordState.AVAILABLE) return offset;
    }
    return undefined;
  }

  /**
   * Acquires for `memberId` the available records below `logEndOffset`: redeliveries first (in
   * offset order), then records never fetched, up to the lock limit. Returns them as ranges of
   * consecutive offsets with one delivery count each.
   */
  acquire(memberId: string, logEndOffset: bigint, maxRecords: number): AcquiredRecords[] {
    let budget = Math.min(maxRecords, this.config.maxRecordLocks - this.lockedCount());
    const acquired: bigint[] = [];
    for (let offset = this.startOffset; offset < logEndOffset && budget > 0; offset++) {
      const record = this.inFlight.get(offset) ?? (offset >= this.endOffset ? this.newRecord(offset) : undefined);
      if (!record || record.state !== RecordState.AVAILABLE) continue;
      record.state = RecordState.ACQUIRED;
      record.deliveryCount++;
      record.memberId = memberId;
      record.lock = schedule(this.config.recordLockDurationMs, () => this.lockExpired(offset, record));
      acquired.push(offset);
      budget--;
    }
    if (acquired.length > 0) this.onChange();
    return this.ranges(acquired);
  }

  /**
   * Applies a member's acknowledgements of [firstOffset, lastOffset]: one type for the whole range,
   * or one per offset. Every record must be acquired by the member (false: INVALID_RECORD_STATE,
   * and nothing changes).
   */
  acknowledge(memberId: string, firstOffset: bigint, lastOffset: bigint, types: number[]): boolean {
    if (lastOffset < firstOffset || (types.length !== 1 && BigInt(types.length) !== lastOffset - firstOffset + 1n)) return false;
    const typeOf = (offset: bigint) => (types.length === 1 ? types[0] : types[Number(offset - firstOffset)]);
    for (let offset = firstOffset; offset <= lastOffset; offset++) {
      const type = typeOf(offset);
      if (type < AcknowledgeType.GAP || type > AcknowledgeType.REJECT) return false;
      const record = this.inFlight.get(offset);
      if (type === AcknowledgeType.GAP) continue;
      if (!record || record.state !== RecordState.ACQUIRED || record.memberId !== memberId) return false;
    }
    for (let offset = firstOffset; offset <= lastOffset; offset++) {
      const type = typeOf(offset);
      const record = this.inFlight.get(offset);
      // A gap is an offset with no record (compacted away, or a transaction marker): done with.
      if (type === AcknowledgeType.GAP) {
        if (record && record.state === RecordState.ACQUIRED && record.memberId === memberId) this.settle(record, RecordState.ARCHIVED);
        continue;
      }
      if (type === AcknowledgeType.ACCEPT) this.settle(record!, RecordState.ACKNOWLEDGED);
      else if (type === AcknowledgeType.REJECT) this.settle(record!, RecordState.ARCHIVED);
      else this.release(record!);
    }
    this.advanceStartOffset();
    this.onChange();
    return true;
  }

  /** A member that leaves gives back what it holds. */
  releaseAll(memberId: string): void {
    let released = false;
    for (const record of this.inFlight.values()) {
      if (record.state === RecordState.ACQUIRED && record.memberId === memberId) {
        this.release(record);
        released = true;
      }
    }
    if (released) this.onChange();
  }

  close(): void {
    for (const record of this.inFlight.values()) clearTimeout(record.lock);
  }

  private newRecord(offset: bigint): InFlightRecord {
    const record: InFlightRecord = { state: RecordState.AVAILABLE, deliveryCount: 0, memberId: null, lock: undefined };
    this.inFlight.set(offset, record);
    this.endOffset = offset + 1n;
    return record;
  }

  private lockExpired(offset: bigint, record: InFlightRecord): void {
    if (this.inFlight.get(offset) !== record || record.state !== RecordState.ACQUIRED) return;
    this.release(record);
    this.advanceStartOffset();
    this.onChange();
  }

  /** Available again, or archived once it has been delivered as often as allowed. */
  private release(record: InFlightRecord): void {
    this.settle(record, record.deliveryCount >= this.config.deliveryCountLimit ? RecordState.ARCHIVED : RecordState.AVAILABLE);
  }

  private settle(record: InFlightRecord, state: RecordState): void {
    clearTimeout(record.lock);
    record.lock = undefined;
    record.memberId = null;
    record.state = state;
  }

  /** The start offset moves past every record that is done with. */
  private advanceStartOffset(): void {
    for (;;) {
      const record = this.inFlight.get(this.startOffset);
      if (!record || (record.state !== RecordState.ACKNOWLEDGED && record.state !== RecordState.ARCHIVED)) break;
      this.inFlight.delete(this.startOffset);
      this.startOffset++;
    }
    if (this.endOffset < this.startOffset) this.endOffset = this.startOffset;
  }

  private lockedCount(): number {
    let n = 0;
    for (const r of this.inFlight.values()) if (r.state === RecordState.ACQUIRED) n++;
    return n;
  }

  private ranges(offsets: bigint[]): AcquiredRecords[] {
    const ranges: AcquiredRecords[] = [];
    for (const offset of offsets) {
      const deliveryCount = this.inFlight.get(offset)!.deliveryCount;
      const last = ranges[ranges.length - 1];
      if (last && last.lastOffset + 1n === offset && last.deliveryCount === deliveryCount) last.lastOffset = offset;
      else ranges.push({ firstOffset: offset, lastOffset: offset, deliveryCount });
    }
    return ranges;
  }
}
