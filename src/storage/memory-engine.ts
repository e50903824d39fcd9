/**
 * The "memory" storage engine (`storage: "memory"`): partition logs as arrays of batches in the
 * process, nothing on disk. For test suites that want no files, and for an in-process cluster
 * whose brokers share one instance (what they would share in a database). Data lives as long as
 * the engine object; close() keeps it, so a broker restarted on the same engine finds it again.
 */
import { uuidToBase64 } from "./uuid-base64.ts";
import { randomUUID } from "node:crypto";
import { freemem, totalmem } from "node:os";
import type { BatchHeader } from "../codec/batch-header.ts";
import type { Codec } from "../codec/types.ts";
import { type AbortedTxn, AbortedTxnList } from "./transaction-index.ts";
import type {
  AppendRefusal,
  FetchDataInfo,
  LogDirDescription,
  LogAppendInfo,
  PartitionLog,
  ProducerIdState,
  ProducerIdStore,
  StorageEngine,
  TimestampAndOffset,
} from "./engine.ts";
import { DEFAULT_LOG_CONFIG, type LogConfig } from "./log-config.ts";
import { analyzeAndValidate, maybeStampLogAppendTime } from "./log-validator.ts";
import { UNASSIGNED_DIRECTORY_ID } from "./files-engine.ts";
import { CLUSTER_METADATA_TOPIC, logConfigOf, partitionDirName } from "./log-manager.ts";
import { deletableCount, retentionLimits, scheduleRetentionCheck } from "./log-retention.ts";
import { assignOffsets, lastOffsetOf, recordAtOrAfter } from "./record-batches.ts";
import { OFFSET_OUT_OF_RANGE, resolveOffsetForTimestamp } from "./unified-log.ts";
import { searchLast } from "./offset-index.ts";

interface StoredBatch {
  header: BatchHeader;
  lastOffset: bigint;
  bytes: Uint8Array;
}

const EMPTY = new Uint8Array(0);
/** What DescribeLogDirs names the memory engine's one place. */
export const MEMORY_LOG_DIR = "memory";

export class MemoryLog implements PartitionLog {
  private readonly stored: StoredBatch[] = [];
  private readonly listeners = new Set<() => void>();
  /** Rebuilt, were the engine new, by ProducerStates' scan of the log, which offers every abort marker again. */
  private readonly abortedTxns = new AbortedTxnList();
  private endOffset = 0n;
  private maxTimestamp = -1n;
  private bytes = 0;
  private _logStartOffset = 0n;

  constructor(
    readonly topicId: string,
    private readonly codec: Pick<Codec, "crc32c" | "decodeRecordBatch">,
    /** The topic's configs: the size, timestamp, LogAppendTime and retention ones apply (there are no segments to roll). */
    public config: LogConfig = DEFAULT_LOG_CONFIG,
  ) {}

  get logStartOffset(): bigint {
    return this._logStartOffset;
  }

  get logEndOffset(): bigint {
    return this.endOffset;
  }

  get highWatermark(): bigint {
    return this.endOffset;
  }

  get size(): number {
    return this.bytes;
  }

  analyzeAndValidate(batches: Uint8Array): AppendRefusal | undefined {
    return analyzeAndValidate(this.config, batches, Date.now());
  }

  /** Keeps a copy of each batch: the caller's buffer (a request frame) is not ours to hold. */
  appendAsLeader(batches: Uint8Array): LogAppendInfo {
    const baseOffset = this.endOffset;
    const assigned = assignOffsets(batches, baseOffset);
    const logAppendTime = maybeStampLogAppendTime(this.config, assigned, batches, Date.now(), this.codec.crc32c);
    for (const { position, size, header } of assigned.batches) {
      this.stored.push({ header, lastOffset: lastOffsetOf(header), bytes: batches.slice(position, position + size) });
      if (header.maxTimestamp > this.maxTimestamp) this.maxTimestamp = header.maxTimestamp;
    }
    this.bytes += batches.length;
    this.endOffset = assigned.lastOffset + 1n;
    for (const listener of [...this.listeners]) listener();
    return { baseOffset, lastOffset: assigned.lastOffset, logAppendTime };
  }

  read(fetchOffset: bigint, maxBytes: number, minOneBatch: boolean): FetchDataInfo | typeof OFFSET_OUT_OF_RANGE {
    if (fetchOffset < this.logStartOffset || fetchOffset > this.endOffset) return OFFSET_OUT_OF_RANGE;
    const parts: Uint8Array[] = [];
    let size = 0;
    for (let i = this.indexFor(fetchOffset); i < this.stored.length; i++) {
      const { bytes } = this.stored[i];
      if (size + bytes.length > maxBytes && !(minOneBatch && parts.length === 0)) break;
      parts.push(bytes);
      size += bytes.length;
    }
    const records = parts.length === 0 ? EMPTY : parts.length === 1 ? parts[0] : new Uint8Array(Buffer.concat(parts));
    return { records, highWatermark: this.highWatermark, logStartOffset: this.logStartOffset };
  }

  *batches(fromOffset = this.logStartOffset): Generator<Uint8Array> {
    for (let i = this.indexFor(fromOffset); i < this.stored.length; i++) yield this.stored[i].bytes;
  }

  offsetForTimestamp(timestamp: bigint): TimestampAndOffset | undefined {
    return resolveOffsetForTimestamp(timestamp, this, this.maxTimestamp, (t) => {
      const batch = this.stored.find((b) => b.header.maxTimestamp >= t);
      return batch && recordAtOrAfter(this.codec, batch.header, () => batch.bytes, t);
    });
  }

  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  appendAbortedTransaction(txn: AbortedTxn): void {
    this.abortedTxns.add(txn);
  }

  collectAbortedTransactions(fetchOffset: bigint, upperBoundOffset: bigint): AbortedTxn[] {
    return this.abortedTxns.collect(fetchOffset, upperBoundOffset);
  }

  flush(): void {}

  /** DeleteRecords: the batches wholly below the new start are dropped at once. */
  maybeIncrementLogStartOffset(offset: bigint): bigint {
    if (offset > this.highWatermark) throw new RangeError(`offset ${offset} is past the high watermark ${this.highWatermark}`);
    if (offset <= this._logStartOffset) return this._logStartOffset;
    this._logStartOffset = offset;
    const below = this.indexFor(offset);
    for (const { bytes } of this.stored.splice(0, below)) this.bytes -= bytes.length;
    if (below > 0) this.maxTimestamp = this.stored.reduce((max, b) => (b.header.maxTimestamp > max ? b.header.maxTimestamp : max), -1n);
    return offset;
  }

  /**
   * The retention check, each batch weighed as Kafka weighs a segment (log-retention.ts): the log
   * start moves past the batches deleted, to the log end when all go. Returns how many went.
   */
  deleteOldBatches(nowMs: number): number {
    const units = this.stored.map(({ header, bytes }) => ({ size: bytes.length, largestTimestamp: header.maxTimestamp >= 0n ? Number(header.maxTimestamp) : undefined }));
    const count = deletableCount(retentionLimits(this.config, nowMs), this.bytes, units);
    if (count > 0) this.maybeIncrementLogStartOffset(count < this.stored.length ? this.stored[count].header.baseOffset : this.endOffset);
    return count;
  }

  /** The first batch whose last offset is at least `offset` (stored.length when none). */
  private indexFor(offset: bigint): number {
    return searchLast(this.stored.length, (i) => this.stored[i].lastOffset < offset) + 1;
  }
}

class MemoryProducerIds implements ProducerIdStore {
  private state: ProducerIdState | undefined;

  load(): ProducerIdState | undefined {
    return this.state && copy(this.state);
  }

  /** Brokers of an in-process cluster share this store; each load-then-save races the others'. */
  save(state: ProducerIdState, expected: ProducerIdState | undefined): boolean {
    if (this.state?.nextProducerId !== expected?.nextProducerId) return false;
    this.state = copy(state);
    return true;
  }
}

function copy(state: ProducerIdState): ProducerIdState {
  return { nextProducerId: state.nextProducerId };
}

export class MemoryEngine implements StorageEngine {
  readonly name = "memory";
  readonly clusterId = uuidToBase64(randomUUID());
  readonly directoryId = UNASSIGNED_DIRECTORY_ID;
  readonly producerIds: ProducerIdStore = new MemoryProducerIds();
  private readonly logs = new Map<string, { topic: string; partition: number; log: MemoryLog }>();

  private configRepository: ((topic: string) => LogConfig) | undefined;
  private readonly retentionTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly codec: Pick<Codec, "crc32c" | "decodeRecordBatch">,
    /** log.retention.check.interval.ms; no periodic check when not given (call cleanupLogs). */
    retentionCheckIntervalMs?: number,
  ) {
    if (retentionCheckIntervalMs !== undefined) this.retentionTimer = scheduleRetentionCheck(retentionCheckIntervalMs, () => this.cleanupLogs());
  }

  useConfigRepository(logConfig: (topic: string) => LogConfig): void {
    this.configRepository = logConfig;
  }

  updateConfig(topic: string): void {
    for (const entry of this.logs.values()) if (entry.topic === topic) entry.log.config = logConfigOf(topic, this.configRepository);
  }

  getLog(topic: string, partition: number): MemoryLog | undefined {
    return this.logs.get(partitionDirName(topic, partition))?.log;
  }

  createLog(topic: string, partition: number, topicId: string): MemoryLog {
    const existing = this.getLog(topic, partition);
    if (existing) return existing;
    const log = new MemoryLog(topicId, this.codec, logConfigOf(topic, this.configRepository));
    this.logs.set(partitionDirName(topic, partition), { topic, partition, log });
    return log;
  }

  deleteLogs(topic: string, fromPartition = 0): void {
    for (const [key, entry] of this.logs) if (entry.topic === topic && entry.partition >= fromPartition) this.logs.delete(key);
  }

  /** One "log dir", the process's memory, with the machine's memory as its space. */
  describeLogDirs(): LogDirDescription[] {
    const partitions = [...this.logs.values()]
      .filter(({ topic }) => topic !== CLUSTER_METADATA_TOPIC)
      .map(({ topic, partition, log }) => ({ topic, partition, size: log.size }));
    return [{ path: MEMORY_LOG_DIR, partitions, space: { totalBytes: BigInt(totalmem()), usableBytes: BigInt(freemem()) } }];
  }

  /** The retention check, at once (it also runs every log.retention.check.interval.ms); returns how many batches were deleted. */
  cleanupLogs(nowMs = Date.now()): number {
    let deleted = 0;
    for (const { log } of this.logs.values()) deleted += log.deleteOldBatches(nowMs);
    return deleted;
  }

  /** The data stays (see above); only the retention check stops. */
  close(): void {
    clearInterval(this.retentionTimer);
  }
}
