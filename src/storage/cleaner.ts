/**
 * Kafka's Cleaner: one compaction of one log. It maps every key of the dirty section (from the
 * first dirty offset to the first uncleanable one) to its last offset, then rewrites the
 * inactive segments below that point, a group at a time, keeping each key's last record:
 *
 * - a retained batch keeps its base offset, partition leader epoch, producer id, epoch and base
 *   sequence; only records are dropped (their offsets and timestamps unchanged), so offsets only
 *   ever disappear, never move or repeat. A batch with nothing left is dropped, unless it is its
 *   producer's last batch in the cleaned range, which stays as an empty batch (Kafka's
 *   RETAIN_EMPTY) so the producer's last sequence survives.
 * - a tombstone (null value) is kept the first time it is cleaned, and its batch gets Kafka's
 *   delete horizon (attribute bit 6, first timestamp = now + delete.retention.ms); a clean after
 *   the horizon drops it. Records without a key are dropped, as Kafka does.
 * - transactions: a batch of an aborted transaction (per the .txnindex files) is copied as it is
 *   and its keys supersede nothing; a transaction without its marker yet may still abort, so the
 *   clean stops at the segment where it starts; the aborted-transaction entries of the cleaned
 *   segments move to the cleaned one with their markers.
 * - control batches (transaction markers) are copied as they are. A compressed batch is read
 *   through its codec (record-compression.ts) and what it keeps is written with the same codec
 *   (zstd's uncompressed: no compressor here). One that cannot be decompressed (damaged, or past
 *   record-compression's bound) is copied as it is, its keys unmapped; while such a batch is in
 *   the cleaned range no tombstone is removed, since the value it deletes could be inside.
 *
 * The work yields to the event loop between chunks, so the broker keeps serving; the active
 * segment is never read or written.
 */
import { COMPRESSION_MASK, TIMESTAMP_TYPE_LOG_APPEND_TIME } from "../codec/batch-header.ts";
import type { Codec, Record } from "../codec/types.ts";
import { compressBatch, decodeDataBatch, keyOf } from "./record-compression.ts";
import { isControlBatch, isTransactionalBatch } from "./end-transaction-marker.ts";
import type { FileBatch, LogSegment } from "./log-segment.ts";
import type { AbortedTxn } from "./transaction-index.ts";
import { lastOffsetOf } from "./record-batches.ts";
import type { UnifiedLog } from "./unified-log.ts";

/** A topic's compaction settings, Kafka's names. */
export interface CompactionConfig {
  /** delete.retention.ms: how long a cleaned tombstone stays readable. */
  deleteRetentionMs: number;
  /** min.compaction.lag.ms: a segment holding records younger than this is not cleaned. */
  minCompactionLagMs: number;
  /** max.compaction.lag.ms: a dirty segment older than this is cleaned whatever the dirty ratio. */
  maxCompactionLagMs: number;
  /** min.cleanable.dirty.ratio: dirty bytes / (clean + dirty bytes) that makes a log worth cleaning. */
  minCleanableDirtyRatio: number;
}

export const DEFAULT_COMPACTION_CONFIG: CompactionConfig = {
  deleteRetentionMs: 86_400_000,
  minCompactionLagMs: 0,
  maxCompactionLagMs: Number.MAX_SAFE_INTEGER,
  minCleanableDirtyRatio: 0.5,
};

/** attributes bit 6 (KIP-534): first_timestamp holds the delete horizon. */
export const DELETE_HORIZON_FLAG = 0x40;
/** How many batches are handled between two yields to the event loop. */
const BATCHES_PER_YIELD = 256;
/** Cleaned batches are written to the cleaned segment in writes of about this size. */
const WRITE_CHUNK_BYTES = 1024 * 1024;

export interface CleanerOptions {
  codec: Pick<Codec, "decodeRecordBatch" | "encodeRecordBatch" | "crc32c">;
  /** The dedupe map holds at most this many keys (Kafka's log.cleaner.dedupe.buffer.size, in entries); the dirty section is cut at a segment boundary when it would hold more. */
  maxMapEntries: number;
  /** Checked after every yield: a log closed or deleted meanwhile ends the clean, its cleaned files removed. */
  cancelled?: () => boolean;
}

/** What the dirty ratio is computed from (Kafka's LogToClean). */
export interface CleanableSection {
  firstDirtyOffset: bigint;
  firstUncleanableOffset: bigint;
  cleanBytes: number;
  dirtyBytes: number;
  /** max.compaction.lag.ms has passed for the oldest dirty segment. */
  overdue: boolean;
}

export interface CleanResult {
  /** Where the next clean's dirty section starts. */
  endOffset: bigint;
  /** The earliest delete horizon set or seen on a retained tombstone: a clean after it can drop them. */
  nextDeleteHorizonMs: number | undefined;
}

/**
 * The dirty section of `log`: from `firstDirtyOffset` (clamped to the log) to the first segment
 * that is active or holds records younger than min.compaction.lag.ms.
 */
export function cleanableSection(log: UnifiedLog, firstDirtyOffset: bigint, config: CompactionConfig, now: number): CleanableSection {
  const segments = log.inactiveSegments;
  const firstDirty = firstDirtyOffset < log.logStartOffset || firstDirtyOffset > log.activeSegmentBaseOffset ? log.logStartOffset : firstDirtyOffset;
  const tooYoung = config.minCompactionLagMs > 0 ? segments.find((s) => s.baseOffset >= firstDirty && s.maxTimestamp > BigInt(now - config.minCompactionLagMs)) : undefined;
  const firstUncleanableOffset = tooYoung?.baseOffset ?? log.activeSegmentBaseOffset;
  let cleanBytes = 0;
  let dirtyBytes = 0;
  let oldestDirty: LogSegment | undefined;
  for (const [i, segment] of segments.entries()) {
    const end = segments[i + 1]?.baseOffset ?? log.activeSegmentBaseOffset;
    if (end <= firstDirty) cleanBytes += segment.size;
    else if (segment.baseOffset < firstUncleanableOffset) {
      dirtyBytes += segment.size;
      oldestDirty ??= segment;
    }
  }
  const firstBatch = oldestDirty?.batchesFrom(0).next().value;
  const overdue = firstBatch !== undefined && now - Number(firstBatch.header.maxTimestamp) > config.maxCompactionLagMs;
  return { firstDirtyOffset: firstDirty, firstUncleanableOffset, cleanBytes, dirtyBytes, overdue };
}

/** Cleans `log` up to the end of its dirty section (or less, when the dedupe map fills); undefined if cancelled. */
export async function cleanLog(log: UnifiedLog, section: CleanableSection, config: CompactionConfig, now: number, options: CleanerOptions): Promise<CleanResult | undefined> {
  const run = new CleanRun(log, config, now, options);
  return run.clean(section);
}

class CleanRun {
  /** Each mapped key (bytes as a latin1 string) to its last offset in the dirty section. */
  private readonly offsetMap = new Map<string, bigint>();
  /** Each producer's last batch in the cleaned range, by its base offset. */
  private readonly lastBatchOfProducer = new Map<bigint, bigint>();
  private batchesSinceYield = 0;
  private nextDeleteHorizonMs: number | undefined;
  /** The aborted transactions of the cleanable range (from the .txnindex files), by producer id. */
  private readonly abortedTransactions = new Map<bigint, AbortedTxn[]>();
  /** A compressed data batch that cannot be decompressed lies in the cleaned range: its keys are unknown, so no tombstone may go (the value it deletes could be in there). */
  private unmappedKeys = false;
  private readonly crc32c = (bytes: Uint8Array) => this.options.codec.crc32c(bytes);

  constructor(
    private readonly log: UnifiedLog,
    private readonly config: CompactionConfig,
    private readonly now: number,
    private readonly options: CleanerOptions,
  ) {}

  async clean(section: CleanableSection): Promise<CleanResult | undefined> {
    const stableEnd = await this.scanBatchHeaders(section.firstUncleanableOffset);
    if (stableEnd === undefined) return undefined;
    const endOffset = await this.buildOffsetMap({ ...section, firstUncleanableOffset: stableEnd });
    if (endOffset === undefined) return undefined;
    const segments = this.log.inactiveSegments.filter((s, i, all) => s.baseOffset < endOffset && (all[i + 1]?.baseOffset ?? this.log.activeSegmentBaseOffset) <= endOffset);
    for (const group of groupSegments(segments, this.log.config.segmentBytes)) {
      if (!(await this.cleanInto(group))) return undefined;
    }
    return { endOffset, nextDeleteHorizonMs: this.nextDeleteHorizonMs };
  }

  /**
   * Walks the batch headers below `firstUncleanableOffset`: each producer's last batch, whether a
   * compressed batch is there, and the transactions still open at its end (no marker yet). Those
   * may still abort, so the clean stops at the segment holding the first one's start, as Kafka's
   * stops at the first unstable offset. Returns where the clean may go up to.
   */
  private async scanBatchHeaders(firstUncleanableOffset: bigint): Promise<bigint | undefined> {
    const openTransactions = new Map<bigint, bigint>();
    const segments = this.log.inactiveSegments.filter((s) => s.baseOffset < firstUncleanableOffset);
    for (const segment of segments) {
      for (const batch of segment.batchesFrom(0)) {
        const { header } = batch;
        const { attributes, producerId } = header;
        if (producerId >= 0n) this.lastBatchOfProducer.set(producerId, header.baseOffset);
        if (isControlBatch(header)) openTransactions.delete(producerId);
        else if (isTransactionalBatch(header) && !openTransactions.has(producerId)) openTransactions.set(producerId, header.baseOffset);
        if ((attributes & COMPRESSION_MASK) !== 0 && !isControlBatch(header) && !decodeDataBatch(segment.readBatch(batch), this.options.codec)) this.unmappedKeys = true;
        if (!(await this.maybeYield())) return undefined;
      }
    }
    for (const txn of this.log.collectAbortedTransactions(this.log.logStartOffset, firstUncleanableOffset)) {
      const list = this.abortedTransactions.get(txn.producerId) ?? [];
      list.push(txn);
      this.abortedTransactions.set(txn.producerId, list);
    }
    const firstUnstable = [...openTransactions.values()].reduce<bigint | undefined>((a, b) => (a === undefined || b < a ? b : a), undefined);
    if (firstUnstable === undefined) return firstUncleanableOffset;
    return segments.filter((s) => s.baseOffset <= firstUnstable).pop()?.baseOffset ?? firstUncleanableOffset;
  }

  /** A batch of a transaction that was aborted: never compacted, and its keys supersede nothing. */
  private isAborted({ header }: FileBatch): boolean {
    if (!isTransactionalBatch(header) || isControlBatch(header)) return false;
    return (this.abortedTransactions.get(header.producerId) ?? []).some((t) => header.baseOffset >= t.firstOffset && header.baseOffset <= t.lastOffset);
  }

  /** Maps the dirty section's keys; returns where the mapped part ends (a segment boundary). */
  private async buildOffsetMap(section: CleanableSection): Promise<bigint | undefined> {
    const segments = this.log.inactiveSegments;
    for (const [i, segment] of segments.entries()) {
      const end = segments[i + 1]?.baseOffset ?? this.log.activeSegmentBaseOffset;
      if (end <= section.firstDirtyOffset) continue;
      if (segment.baseOffset >= section.firstUncleanableOffset) return segment.baseOffset;
      // A full map ends the section before this segment, once at least one segment is mapped.
      if (this.offsetMap.size >= this.options.maxMapEntries && segment.baseOffset > section.firstDirtyOffset) return segment.baseOffset;
      for (const batch of segment.batchesFrom(0)) {
        const decoded = lastOffsetOf(batch.header) >= section.firstDirtyOffset && !this.isAborted(batch) ? decodeDataBatch(segment.readBatch(batch), this.options.codec) : undefined;
        if (decoded) {
          for (const record of decoded.records) {
            const offset = decoded.baseOffset + BigInt(record.offsetDelta);
            if (record.key && offset >= section.firstDirtyOffset) this.offsetMap.set(keyOf(record.key), offset);
          }
        }
        if (!(await this.maybeYield())) return undefined;
      }
    }
    return section.firstUncleanableOffset;
  }

  /** Writes the retained batches of `group` into one cleaned segment and swaps it in. */
  private async cleanInto(group: LogSegment[]): Promise<boolean> {
    const cleaned = this.log.openCleanedSegment(group[0].baseOffset);
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    const writePending = () => {
      if (pendingBytes > 0) cleaned.append(Buffer.concat(pending));
      pending = [];
      pendingBytes = 0;
    };
    try {
      for (const segment of group) {
        for (const batch of segment.batchesFrom(0)) {
          const retained = this.retainedBatch(segment, batch);
          if (retained) {
            pending.push(retained);
            pendingBytes += retained.length;
            if (pendingBytes >= WRITE_CHUNK_BYTES) writePending();
          }
          if (!(await this.maybeYield())) {
            cleaned.deleteFiles();
            return false;
          }
        }
      }
      writePending();
      // Markers are kept, so the aborted transactions they end stay listed, now with the cleaned segment.
      for (const segment of group) for (const txn of segment.txnIndex.allAbortedTxns) cleaned.txnIndex.append(txn);
    } catch (err) {
      cleaned.deleteFiles();
      throw err;
    }
    return this.log.replaceSegments(cleaned, group);
  }

  /** The bytes to keep of one batch: the original, a re-encoded batch of fewer records, an empty batch, or nothing. */
  private retainedBatch(segment: LogSegment, batch: FileBatch): Uint8Array | undefined {
    const bytes = segment.readBatch(batch);
    const { header } = batch;
    const decoded = this.isAborted(batch) ? undefined : decodeDataBatch(bytes, this.options.codec);
    if (!decoded) return bytes;
    const hasHorizon = (header.attributes & DELETE_HORIZON_FLAG) !== 0;
    const horizonPassed = hasHorizon && BigInt(this.now) >= header.firstTimestamp;
    const kept = decoded.records.filter((record) => {
      if (!record.key) return false;
      const latest = this.offsetMap.get(keyOf(record.key));
      const offset = header.baseOffset + BigInt(record.offsetDelta);
      if (latest !== undefined && offset < latest) return false;
      return record.value !== null || !horizonPassed || this.unmappedKeys;
    });
    const keepsTombstone = kept.some((r) => r.value === null);
    const newHorizon = keepsTombstone && !hasHorizon ? BigInt(this.now + this.config.deleteRetentionMs) : undefined;
    if (keepsTombstone) this.noteHorizon(Number(newHorizon ?? header.firstTimestamp));
    if (kept.length === decoded.records.length && newHorizon === undefined) return bytes;
    if (kept.length === 0) return this.lastBatchOfProducer.get(header.producerId) === header.baseOffset ? this.emptyBatch(batch) : undefined;
    const timestampOf = (r: Record) => header.firstTimestamp + r.timestampDelta;
    const firstTimestamp = newHorizon ?? (hasHorizon ? header.firstTimestamp : timestampOf(kept[0]));
    const logAppendTime = (header.attributes & TIMESTAMP_TYPE_LOG_APPEND_TIME) !== 0;
    const encoded = this.options.codec.encodeRecordBatch({
      baseOffset: header.baseOffset,
      partitionLeaderEpoch: header.partitionLeaderEpoch,
      attributes: (header.attributes & ~COMPRESSION_MASK) | (newHorizon !== undefined ? DELETE_HORIZON_FLAG : 0),
      lastOffsetDelta: kept[kept.length - 1].offsetDelta,
      firstTimestamp,
      maxTimestamp: logAppendTime ? header.maxTimestamp : kept.map(timestampOf).reduce((a, b) => (b > a ? b : a)),
      producerId: header.producerId,
      producerEpoch: header.producerEpoch,
      baseSequence: header.baseSequence,
      records: kept.map((r) => ({ ...r, timestampDelta: timestampOf(r) - firstTimestamp })),
    });
    return compressBatch(encoded, header.attributes & COMPRESSION_MASK, this.crc32c);
  }

  /** Kafka's empty header for a producer's last batch: its offsets, producer fields and max timestamp, no records. */
  private emptyBatch({ header }: FileBatch): Uint8Array {
    return this.options.codec.encodeRecordBatch({
      ...header,
      attributes: header.attributes & ~COMPRESSION_MASK,
      firstTimestamp: header.maxTimestamp,
      records: [],
    });
  }

  private noteHorizon(horizonMs: number): void {
    if (this.nextDeleteHorizonMs === undefined || horizonMs < this.nextDeleteHorizonMs) this.nextDeleteHorizonMs = horizonMs;
  }

  /** Yields to the event loop every few batches; false once the clean is cancelled. */
  private async maybeYield(): Promise<boolean> {
    if (++this.batchesSinceYield < BATCHES_PER_YIELD) return true;
    this.batchesSinceYield = 0;
    await new Promise((resolve) => setImmediate(resolve));
    return !this.options.cancelled?.();
  }
}

/** Consecutive segments packed into groups of at most `maxBytes` whose offsets fit one segment's int32 index entries. */
function groupSegments(segments: LogSegment[], maxBytes: number): LogSegment[][] {
  const groups: LogSegment[][] = [];
  let current: LogSegment[] = [];
  let bytes = 0;
  for (const [i, segment] of segments.entries()) {
    const end = segments[i + 1]?.baseOffset ?? segment.nextOffset;
    const fits = current.length > 0 && bytes + segment.size <= maxBytes && end - current[0].baseOffset <= 2n ** 31n - 1n;
    if (!fits && current.length > 0) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(segment);
    bytes += segment.size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

