/**
 * Kafka's UnifiedLog for one partition directory: its segments, offsets, appends as leader,
 * reads for Fetch, timestamp lookups for ListOffsets, the flush policy and recovery point, and
 * wake-ups for fetches waiting on new data. This broker is the only replica, so the high
 * watermark is always the log end offset.
 */
import { mkdirSync, readdirSync, rmSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { readBatchHeader } from "../codec/batch-header.ts";
import type { Codec } from "../codec/types.ts";
import type { Logger } from "../logger.ts";
import { DEFAULT_LOG_CONFIG, type LogConfig } from "./log-config.ts";
import { MAX_TIMER_MS, type RetentionUnit, deletableCount, retentionLimits } from "./log-retention.ts";
import {
  CLEANED_FILE_SUFFIX,
  DELETED_FILE_SUFFIX,
  INDEX_FILE_SUFFIX,
  LOG_FILE_SUFFIX,
  SWAP_FILE_SUFFIX,
  TIME_INDEX_FILE_SUFFIX,
  TXN_INDEX_FILE_SUFFIX,
  offsetFileName,
  parseOffsetFileName,
} from "./log-file-utils.ts";
import { type AppendRefusal, analyzeAndValidate, maybeStampLogAppendTime } from "./log-validator.ts";
import { LogSegment, type LogSegmentConfig, type TimestampAndOffset } from "./log-segment.ts";
import { syncDirectory } from "./offset-checkpoint-file.ts";
import { searchLast } from "./offset-index.ts";
import { writePartitionMetadata } from "./partition-metadata.ts";
import { assignOffsets, batchSpans, lastOffsetOf } from "./record-batches.ts";
import { onFile } from "./storage-error.ts";
import type { PartitionLog, ReadBuffers } from "./engine.ts";
import type { AbortedTxn } from "./transaction-index.ts";

export type { TimestampAndOffset } from "./log-segment.ts";

export type { LogConfig } from "./log-config.ts";
export type { AppendRefusal } from "./log-validator.ts";

export interface LogOptions {
  codec: Pick<Codec, "crc32c" | "decodeRecordBatch">;
  /** The topic's configs (segment.bytes, retention.ms, flush.messages, ...); Kafka's defaults if not given. */
  config?: LogConfig;
  /** Told about damaged data cut off at open or replay. */
  log?: Pick<Logger, "warn">;
}


/** What the log dir knows about a log from its last run (Kafka's LogLoader inputs). */
export interface LogRecoveryState {
  /** The log dir held Kafka's clean-shutdown marker: no segment needs recovery. */
  hadCleanShutdown: boolean;
  /** From recovery-point-offset-checkpoint: everything before it was flushed. */
  recoveryPoint?: bigint;
  /** From log-start-offset-checkpoint, when it is past the first segment's base offset. */
  logStartOffset?: bigint;
}

/** With nothing known, every segment is recovered. */
const UNKNOWN_STATE: LogRecoveryState = { hadCleanShutdown: false };

/** What Fetch answers when the fetch offset is outside [logStartOffset, logEndOffset]. */
export const OFFSET_OUT_OF_RANGE = "OFFSET_OUT_OF_RANGE";

export interface FetchDataInfo {
  /** Whole batches, exactly as stored. */
  records: Uint8Array;
  highWatermark: bigint;
  logStartOffset: bigint;
}

export interface LogAppendInfo {
  /** Offset assigned to the first record. */
  baseOffset: bigint;
  /** Offset assigned to the last record. */
  lastOffset: bigint;
  /** The time the batches were stamped with under message.timestamp.type=LogAppendTime, else -1. */
  logAppendTime: bigint;
}

/** ListOffsets' special timestamps. */
export const LATEST_TIMESTAMP = -1n;
export const EARLIEST_TIMESTAMP = -2n;
export const MAX_TIMESTAMP = -3n;
export const EARLIEST_LOCAL_TIMESTAMP = -4n;

/**
 * ListOffsets' timestamps as every engine answers them: -2 and -4 the log start, -1 the log end,
 * -3 the first record stamped with the largest timestamp (`maxTimestamp`, -1 for none), any
 * other negative nothing; `search(t)` finds the first record stamped at or after `t`.
 */
export function resolveOffsetForTimestamp(
  timestamp: bigint,
  log: { logStartOffset: bigint; logEndOffset: bigint },
  maxTimestamp: bigint,
  search: (timestamp: bigint) => TimestampAndOffset | undefined,
): TimestampAndOffset | undefined {
  if (timestamp === EARLIEST_TIMESTAMP || timestamp === EARLIEST_LOCAL_TIMESTAMP) return { timestamp: -1n, offset: log.logStartOffset };
  if (timestamp === LATEST_TIMESTAMP) return { timestamp: -1n, offset: log.logEndOffset };
  if (timestamp === MAX_TIMESTAMP) return maxTimestamp < 0n ? undefined : search(maxTimestamp);
  return timestamp < 0n ? undefined : search(timestamp);
}

const REPLAY_CHUNK_BYTES = 1024 * 1024;

export class UnifiedLog implements PartitionLog {
  private readonly segments: LogSegment[];
  private readonly listeners = new Set<() => void>();
  private _config: LogConfig;
  private unflushedMessages = 0;
  private dirty = false;
  private lastFlushMs = Date.now();
  private flushTimer: NodeJS.Timeout | undefined;
  private _recoveryPoint: bigint;
  private _logStartOffset: bigint;
  /** Segments renamed to .deleted whose files are removed once file.delete.delay.ms has passed. */
  private readonly pendingDeletes = new Map<LogSegment, NodeJS.Timeout>();

  private constructor(
    readonly dir: string,
    segments: LogSegment[],
    private segmentConfig: LogSegmentConfig,
    config: LogConfig,
    state: LogRecoveryState,
  ) {
    this.segments = segments;
    const first = segments[0].baseOffset;
    this._recoveryPoint = bigMin(state.recoveryPoint ?? first, this.logEndOffset);
    this._logStartOffset = bigMax(first, bigMin(state.logStartOffset ?? first, this.logEndOffset));
    this._config = config;
  }

  /**
   * Opens every segment in `dir` (an empty one at offset 0 if there is none), as Kafka's
   * LogLoader does: after a clean shutdown every segment is trusted (its indexes are read, not
   * its batches, unless an index is missing or corrupt); after a crash the segments from the one
   * holding the recovery point on are recovered from their batch headers. Files of a deletion a
   * crash interrupted (`.deleted`) are removed first.
   */
  static open(dir: string, options: LogOptions, state: LogRecoveryState = UNKNOWN_STATE): UnifiedLog {
    const config = options.config ?? DEFAULT_LOG_CONFIG;
    const segmentConfig = UnifiedLog.segmentConfig(config, options);
    for (const name of readdirSync(dir)) if (parseOffsetFileName(name)?.state === DELETED_FILE_SUFFIX) rmSync(join(dir, name), { force: true });
    completeInterruptedSwaps(dir, segmentConfig);
    const baseOffsets = onFile(dir, () => readdirSync(dir))
      .map((name) => parseOffsetFileName(name))
      .filter((f) => f !== undefined && f.suffix === LOG_FILE_SUFFIX && f.state === undefined)
      .map((f) => f!.offset)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (baseOffsets.length === 0) baseOffsets.push(0n);
    const firstUnflushed = state.hadCleanShutdown
      ? baseOffsets.length
      : Math.max(0, searchLast(baseOffsets.length, (i) => baseOffsets[i] <= (state.recoveryPoint ?? 0n)));
    const segments: LogSegment[] = [];
    try {
      baseOffsets.forEach((baseOffset, i) => {
        const active = i === baseOffsets.length - 1;
        // A cleanly closed log's recovery point is its end offset, so the active segment's tail need not be read.
        const nextOffset = active && state.recoveryPoint !== undefined && state.recoveryPoint >= baseOffset ? state.recoveryPoint : undefined;
        const recoveryPoint = i === firstUnflushed ? state.recoveryPoint : undefined;
        segments.push(LogSegment.open(dir, baseOffset, segmentConfig, { recover: i >= firstUnflushed, nextOffset, recoveryPoint }));
      });
      segments[segments.length - 1].makeActive();
    } catch (err) {
      for (const segment of segments) segment.close();
      throw err;
    }
    return new UnifiedLog(dir, segments, segmentConfig, config, state);
  }

  /** Creates the directory and its partition.metadata (if needed), then opens the log. */
  static create(dir: string, topicId: string, options: LogOptions): UnifiedLog {
    onFile(dir, () => {
      mkdirSync(dir, { recursive: true });
      writePartitionMetadata(dir, topicId);
    });
    return UnifiedLog.open(dir, options);
  }

  private static segmentConfig(config: LogConfig, { codec, log }: Pick<LogSegmentConfig, "codec" | "log">): LogSegmentConfig {
    return { indexIntervalBytes: config.indexIntervalBytes, maxIndexSize: config.segmentIndexBytes, codec, log };
  }

  /** The topic's configs this log runs by. */
  get config(): LogConfig {
    return this._config;
  }

  /** Applies changed topic configs (AlterConfigs) to the next append, roll and retention check (index settings: to new segments). */
  updateConfig(config: LogConfig): void {
    this._config = config;
    this.segmentConfig = UnifiedLog.segmentConfig(config, this.segmentConfig);
  }

  /** The first offset consumers can read: moved forward by retention and DeleteRecords, never back. */
  get logStartOffset(): bigint {
    return this._logStartOffset;
  }

  /** The offset up to which the log is known to be on disk: a crash recovers only what follows. */
  get recoveryPoint(): bigint {
    return this._recoveryPoint;
  }

  /** The segments the LogCleaner may rewrite: all but the active one, oldest first. */
  get inactiveSegments(): readonly LogSegment[] {
    return this.segments.slice(0, -1);
  }

  get activeSegmentBaseOffset(): bigint {
    return this.activeSegment.baseOffset;
  }

  /** A new segment with `.cleaned` files beside the log's own, for the LogCleaner to fill (any stale one is replaced). */
  openCleanedSegment(baseOffset: bigint): LogSegment {
    removeSegmentFiles(this.dir, baseOffset, CLEANED_FILE_SUFFIX);
    return LogSegment.open(this.dir, baseOffset, this.segmentConfig, { recover: true, fileSuffix: CLEANED_FILE_SUFFIX });
  }

  /**
   * Kafka's replaceSegments: puts a filled `.cleaned` segment in place of the consecutive
   * inactive segments it was built from. The cleaned files become `.swap` files, the old
   * segments are deleted, and the swap files take the final names; a crash at any step leaves
   * either the old segments or the swap files, which the next open completes. Returns false
   * (and deletes the cleaned segment) when the old segments are no longer all in the log.
   */
  replaceSegments(cleaned: LogSegment, old: readonly LogSegment[]): boolean {
    const first = this.segments.indexOf(old[0]);
    const stillThere = first >= 0 && first + old.length < this.segments.length && old.every((s, i) => this.segments[first + i] === s);
    if (!stillThere) {
      cleaned.deleteFiles();
      return false;
    }
    cleaned.seal();
    cleaned.flush();
    cleaned.changeFileSuffixes(CLEANED_FILE_SUFFIX, SWAP_FILE_SUFFIX);
    syncDirectory(this.dir);
    for (const segment of old) segment.deleteFiles();
    cleaned.changeFileSuffixes(SWAP_FILE_SUFFIX, "");
    syncDirectory(this.dir);
    this.segments.splice(first, old.length, cleaned);
    return true;
  }

  /** The first segment's base offset: the log start offset needs checkpointing only when past it. */
  get firstSegmentBaseOffset(): bigint {
    return this.segments[0].baseOffset;
  }

  /** The offset the next appended record gets. */
  get logEndOffset(): bigint {
    return this.activeSegment.nextOffset;
  }

  /** Bytes of record batches in all segments (Kafka's UnifiedLog.size, what DescribeLogDirs reports). */
  get size(): number {
    return this.segments.reduce((total, segment) => total + segment.size, 0);
  }

  get highWatermark(): bigint {
    return this.logEndOffset;
  }

  private get activeSegment(): LogSegment {
    return this.segments[this.segments.length - 1];
  }

  /** Why the topic's configs refuse these batches (LogValidator), if they do. */
  analyzeAndValidate(batches: Uint8Array, nowMs = Date.now()): AppendRefusal | undefined {
    return analyzeAndValidate(this._config, batches, nowMs);
  }

  /**
   * Appends back-to-back batches the caller has validated, rewriting each base_offset in place
   * so batch i starts where batch i-1 ended (and, under LogAppendTime, each max_timestamp and
   * CRC); the bytes are in the file when this returns.
   */
  appendAsLeader(batches: Uint8Array, nowMs = Date.now()): LogAppendInfo {
    const baseOffset = this.logEndOffset;
    const assigned = assignOffsets(batches, baseOffset);
    const logAppendTime = maybeStampLogAppendTime(this._config, assigned, batches, nowMs, this.segmentConfig.codec.crc32c);
    this.maybeRoll(batches.length, assigned.lastOffset, nowMs);
    this.activeSegment.append(batches, nowMs);
    this.dirty = true;
    this.unflushedMessages += assigned.records;
    this.maybeFlush();
    this.notifyAppend();
    return { baseOffset, lastOffset: assigned.lastOffset, logAppendTime };
  }

  /**
   * Whole batches from the one holding `fetchOffset`, up to `maxBytes` (or one batch, however
   * large, with `minOneBatch`); empty at the log end. Like Kafka, one read never spans segments.
   */
  read(fetchOffset: bigint, maxBytes: number, minOneBatch: boolean, buffers?: ReadBuffers): FetchDataInfo | typeof OFFSET_OUT_OF_RANGE {
    if (fetchOffset < this.logStartOffset || fetchOffset > this.logEndOffset) return OFFSET_OUT_OF_RANGE;
    // A segment holds nothing at or after the offset when it ends before it (or compaction emptied its tail): try the next.
    for (let i = this.segmentIndexFor(fetchOffset); i < this.segments.length; i++) {
      const records = this.segments[i].read(fetchOffset, maxBytes, minOneBatch, buffers);
      if (records) return { records, highWatermark: this.highWatermark, logStartOffset: this.logStartOffset };
    }
    return { records: new Uint8Array(0), highWatermark: this.highWatermark, logStartOffset: this.logStartOffset };
  }

  /** Records a transaction aborted by the marker at txn.lastOffset, in the .txnindex of that marker's segment (once). */
  appendAbortedTransaction(txn: AbortedTxn): void {
    this.segments[this.segmentIndexFor(txn.lastOffset)].txnIndex.append(txn);
  }

  /**
   * The aborted transactions overlapping [fetchOffset, upperBoundOffset), from the .txnindex of
   * the segment holding fetchOffset and the ones after it (an entry lives with its marker).
   */
  collectAbortedTransactions(fetchOffset: bigint, upperBoundOffset: bigint): AbortedTxn[] {
    const found: AbortedTxn[] = [];
    for (let i = this.segmentIndexFor(fetchOffset); i < this.segments.length; i++) {
      found.push(...this.segments[i].txnIndex.collectAbortedTxns(fetchOffset, upperBoundOffset));
      if (this.segments[i].nextOffset >= upperBoundOffset) break;
    }
    return found;
  }

  /**
   * Each whole batch (a view of its bytes) from the one holding `fromOffset` to the log end, read a
   * bounded chunk at a time: how the broker replays its own logs (metadata, offsets, producer state).
   */
  *batches(fromOffset = this.logStartOffset): Generator<Uint8Array> {
    let offset = fromOffset;
    while (offset < this.logEndOffset) {
      const read = this.read(offset, REPLAY_CHUNK_BYTES, true);
      if (read === OFFSET_OUT_OF_RANGE) return;
      let next = offset;
      for (const span of batchSpans(read.records)) {
        const batch = read.records.subarray(span.position, span.position + span.size);
        next = lastOffsetOf(readBatchHeader(batch)) + 1n;
        yield batch;
      }
      // A read that moved nothing forward (an empty or unreadable tail) ends the walk.
      if (next <= offset) return;
      offset = next;
    }
  }

  /**
   * Every batch from the first segment with its CRC checked: how the broker replays its own logs
   * (cluster metadata, committed offsets, later transactions). At the first batch that fails the
   * check the log is truncated there, with one warning naming the file, the byte position and the
   * bytes cut, and the replay ends: what follows a damaged batch cannot be trusted to apply.
   */
  *replay(): Generator<Uint8Array> {
    for (let i = 0; i < this.segments.length; i++) {
      const corruptAt = yield* this.segments[i].checkedBatches();
      if (corruptAt !== undefined) return this.truncateAt(i, corruptAt);
    }
  }

  /**
   * ListOffsets: -2 (earliest) and -4 (earliest local) give the log start offset, -1 (latest)
   * the log end offset, -3 the record with the largest timestamp; any other timestamp gives
   * the first record stamped at or after it (batch granularity for compressed batches).
   * Undefined when nothing matches.
   */
  offsetForTimestamp(timestamp: bigint): TimestampAndOffset | undefined {
    const maxTimestamp = this.segments.reduce((max, s) => (s.maxTimestamp > max ? s.maxTimestamp : max), -1n);
    return resolveOffsetForTimestamp(timestamp, this, maxTimestamp, (t) => {
      for (const segment of this.segments) {
        const found = segment.findOffsetByTimestamp(t);
        if (found) return found;
      }
      return undefined;
    });
  }

  /** Calls `listener` after every append until the returned function is called. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** fsyncs the active segment if anything was appended since the last flush. */
  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.dirty) this.activeSegment.flush();
    this._recoveryPoint = this.logEndOffset;
    this.dirty = false;
    this.unflushedMessages = 0;
    this.lastFlushMs = Date.now();
  }

  /** Flushes (as Kafka does on a clean shutdown) and closes the segment files; deleted segments are removed now. */
  close(): void {
    this.activeSegment.seal();
    // The sealed indexes are fsynced too, before the checkpoints call the log clean.
    this.dirty = true;
    this.flush();
    this.listeners.clear();
    for (const [segment, timer] of this.pendingDeletes) {
      clearTimeout(timer);
      segment.deleteFiles();
    }
    this.pendingDeletes.clear();
    for (const segment of this.segments) segment.close();
  }

  /** Closes the log and removes its directory. */
  delete(): void {
    this.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Cuts segment `i` at byte `position` and removes every later segment. */
  private truncateAt(i: number, position: number): void {
    const segment = this.segments[i];
    const later = this.segments.splice(i + 1);
    const cut = segment.size - position + later.reduce((sum, s) => sum + s.size, 0);
    this.segmentConfig.log?.warn(`${segment.file}: corrupt record batch at byte ${position}; log truncated there, ${cut} bytes cut`);
    for (const s of later) {
      s.close();
      onFile(s.file, () => unlinkSync(s.file));
    }
    segment.cutAndClose(position);
    const reopened = LogSegment.open(this.dir, segment.baseOffset, this.segmentConfig, { recover: true });
    reopened.makeActive();
    this.segments[i] = reopened;
    this._recoveryPoint = bigMin(this._recoveryPoint, this.logEndOffset);
    this._logStartOffset = bigMin(this._logStartOffset, this.logEndOffset);
  }

  get numberOfSegments(): number {
    return this.segments.length;
  }

  /**
   * DeleteRecords: moves the log start offset forward to `offset` (at most the high watermark);
   * segments wholly below it are deleted by the next retention check. Returns the new start.
   */
  maybeIncrementLogStartOffset(offset: bigint): bigint {
    if (offset > this.highWatermark) throw new RangeError(`offset ${offset} is past the high watermark ${this.highWatermark}`);
    if (offset > this._logStartOffset) this._logStartOffset = offset;
    return this._logStartOffset;
  }

  /**
   * The retention check (Kafka's deleteOldSegments): deletes, oldest first, the segments wholly
   * below the log start offset and, with cleanup.policy=delete, those whose newest timestamp is
   * older than retention.ms or that put the log over retention.bytes. The active segment goes
   * too when it qualifies (a new empty one is rolled first), so an idle topic empties. Returns
   * how many segments were deleted.
   */
  deleteOldSegments(nowMs = Date.now()): number {
    const count = deletableCount(retentionLimits(this._config, nowMs), this.size, this.retentionUnits());
    if (count === 0) return 0;
    if (count === this.segments.length) this.roll();
    for (const segment of this.segments.splice(0, count)) this.asyncDeleteSegment(segment);
    if (this.segments[0].baseOffset > this._logStartOffset) this._logStartOffset = this.segments[0].baseOffset;
    return count;
  }

  /** The segments oldest first, as retention weighs them (each looked at only if the check gets that far). */
  private *retentionUnits(): Generator<RetentionUnit> {
    for (let i = 0; i < this.segments.length; i++) {
      const segment = this.segments[i];
      const upperBound = i + 1 < this.segments.length ? this.segments[i + 1].baseOffset : this.logEndOffset;
      yield { size: segment.size, largestTimestamp: segment.largestTimestamp(), belowStart: upperBound <= this._logStartOffset };
    }
  }

  /** Renames the segment's files to .deleted at once and removes them after file.delete.delay.ms, as Kafka does. */
  private asyncDeleteSegment(segment: LogSegment): void {
    segment.changeFileSuffixes("", DELETED_FILE_SUFFIX);
    const timer = setTimeout(() => {
      this.pendingDeletes.delete(segment);
      segment.deleteFiles();
    }, Math.min(this._config.fileDeleteDelayMs, MAX_TIMER_MS));
    timer.unref();
    this.pendingDeletes.set(segment, timer);
  }

  private segmentIndexFor(offset: bigint): number {
    return Math.max(0, searchLast(this.segments.length, (i) => this.segments[i].baseOffset <= offset));
  }

  /**
   * Rolls before an append that would grow the active segment past segment.bytes, once it is
   * older than segment.ms, or when its indexes cannot take the batches.
   */
  private maybeRoll(incomingBytes: number, lastOffset: bigint, nowMs: number): void {
    const active = this.activeSegment;
    if (active.size === 0) return;
    const { segmentBytes, segmentMs, segmentJitterMs } = this._config;
    const full = active.size + incomingBytes > segmentBytes || active.needsRoll(lastOffset);
    const old = active.timeWaitedForRoll(nowMs) > segmentMs - this.rollJitterMs(segmentMs, segmentJitterMs);
    if (full || old) this.roll();
  }

  /** Kafka's per-segment jitter: a stable share of segment.jitter.ms (never more than segment.ms), by base offset. */
  private rollJitterMs(segmentMs: number, segmentJitterMs: number): number {
    const jitter = Math.min(segmentJitterMs, segmentMs);
    return jitter <= 0 ? 0 : Number(this.activeSegment.baseOffset % BigInt(Math.floor(jitter)));
  }

  /** Starts a new active segment at the log end; the rolled one is never written again, so it is made durable once. */
  private roll(): void {
    const active = this.activeSegment;
    active.seal();
    active.flush();
    this._recoveryPoint = active.nextOffset;
    const next = LogSegment.open(this.dir, active.nextOffset, this.segmentConfig, { recover: true });
    next.makeActive();
    this.segments.push(next);
  }

  private maybeFlush(): void {
    const sinceFlush = Date.now() - this.lastFlushMs;
    const { flushMessages, flushMs } = this._config;
    if (this.unflushedMessages >= flushMessages || sinceFlush >= flushMs) {
      this.flush();
    } else if (this.flushTimer === undefined && flushMs <= MAX_TIMER_MS) {
      // A longer flush.ms than a timer can wait means "never by time".
      this.flushTimer = setTimeout(() => this.flush(), flushMs - sinceFlush);
      this.flushTimer.unref();
    }
  }

  private notifyAppend(): void {
    if (this.listeners.size === 0) return;
    // A listener may unsubscribe others (a waiting fetch drops all of its subscriptions at once).
    for (const listener of [...this.listeners]) listener();
  }
}

function bigMin(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function bigMax(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/** Removes a segment's log and index files that carry `suffix` ("" for the segment's own). */
function removeSegmentFiles(dir: string, baseOffset: bigint, suffix: string): void {
  for (const type of [LOG_FILE_SUFFIX, INDEX_FILE_SUFFIX, TIME_INDEX_FILE_SUFFIX, TXN_INDEX_FILE_SUFFIX]) rmSync(join(dir, offsetFileName(baseOffset, type) + suffix), { force: true });
}

/**
 * What Kafka's LogLoader does with the LogCleaner's leftovers: `.cleaned` files (a clean that
 * never finished) are removed, and each `.log.swap` segment (a swap that did) replaces every
 * segment whose base offset lies in its offset range, its indexes rebuilt from its batches.
 */
function completeInterruptedSwaps(dir: string, config: LogSegmentConfig): void {
  const files = readdirSync(dir).map((name) => ({ name, parsed: parseOffsetFileName(name) }));
  const swaps = files.filter(({ parsed }) => parsed?.state === SWAP_FILE_SUFFIX && parsed.suffix === LOG_FILE_SUFFIX).map(({ parsed }) => parsed!.offset);
  for (const { name, parsed } of files) {
    if ((parsed?.state !== CLEANED_FILE_SUFFIX && parsed?.state !== SWAP_FILE_SUFFIX) || parsed.suffix === LOG_FILE_SUFFIX) continue;
    // A swap's .txnindex (renamed before its .log) cannot be rebuilt from offsets alone; the other indexes are rebuilt.
    const keep = parsed.state === SWAP_FILE_SUFFIX && parsed.suffix === TXN_INDEX_FILE_SUFFIX && swaps.includes(parsed.offset);
    if (!keep) rmSync(join(dir, name));
  }
  for (const { name, parsed } of files) if (parsed?.state === CLEANED_FILE_SUFFIX && parsed.suffix === LOG_FILE_SUFFIX) rmSync(join(dir, name));
  for (const baseOffset of swaps) {
    const swap = LogSegment.open(dir, baseOffset, config, { recover: true, fileSuffix: SWAP_FILE_SUFFIX });
    const replaced = files.filter(({ parsed }) => parsed?.suffix === LOG_FILE_SUFFIX && parsed.state === undefined && parsed.offset >= baseOffset && parsed.offset < swap.nextOffset);
    for (const { parsed } of replaced) removeSegmentFiles(dir, parsed!.offset, "");
    swap.changeFileSuffixes(SWAP_FILE_SUFFIX, "");
    swap.close();
  }
  if (swaps.length > 0) syncDirectory(dir);
}
