/**
 * The storage interface behind the handlers and coordinators. An engine keeps partition logs
 * (the client topics' and the broker's own: `__cluster_metadata`, `__consumer_offsets`), the
 * cluster id and the producer-id state. The "files" engine is Kafka's log directory; others keep
 * the same bytes elsewhere.
 *
 * Every operation that may reach a database or the network returns `Awaitable`: the files engine
 * answers synchronously, and callers always `await`, so an engine that goes async changes no
 * caller. Reads of a partition's offsets stay synchronous: an engine keeps them in memory and
 * updates them on its own appends (and, across brokers, on what it hears of others').
 *
 * An engine's promises for appends to one partition resolve in call order. What must happen
 * between reading state and appending (idempotent producers' sequence checks) is serialised per
 * partition above the engine, in ProducerStates.
 */
import type { LogConfig } from "./log-config.ts";
import type { BrokerEndpoint, BrokerRegistry, LeaseConfig } from "../cluster/broker-registry.ts";
import type { AppendRefusal, FetchDataInfo, LogAppendInfo, OFFSET_OUT_OF_RANGE, TimestampAndOffset } from "./unified-log.ts";
import type { AbortedTxn } from "./transaction-index.ts";

export type { AppendRefusal, FetchDataInfo, LogAppendInfo, TimestampAndOffset } from "./unified-log.ts";
export type { AbortedTxn } from "./transaction-index.ts";
export { OFFSET_OUT_OF_RANGE } from "./unified-log.ts";

export type Awaitable<T> = T | Promise<T>;

/** One partition's log: Kafka's UnifiedLog, as the handlers and coordinators see it. */
export interface PartitionLog {
  readonly logStartOffset: bigint;
  /** The offset the next appended record gets. */
  readonly logEndOffset: bigint;
  readonly highWatermark: bigint;
  /** Bytes the log holds (Kafka's Log Size metric). */
  readonly size: number;
  /** Why the topic's configs refuse these batches (max.message.bytes, segment.bytes, timestamp bounds), if they do. */
  analyzeAndValidate(batches: Uint8Array): AppendRefusal | undefined;
  /**
   * Appends whole batches the caller has validated, rewriting each base_offset in place so
   * batch i starts where batch i-1 ended; resolves once the batches are in the log (durable as
   * the engine's flush policy says), with the offsets assigned.
   */
  appendAsLeader(batches: Uint8Array): Awaitable<LogAppendInfo>;
  /**
   * Engines whose log can grow without this broker knowing at once (brokers sharing storage):
   * appends as appendAsLeader does only if the log still ends at `logEndOffset`, else resolves
   * undefined. Where it is absent, the log end this broker sees is the log's.
   */
  appendIfEndIs?(batches: Uint8Array, logEndOffset: bigint): Awaitable<LogAppendInfo | undefined>;
  /** Re-reads the log start and end from shared storage (where they can move without this broker knowing at once). */
  refresh?(): Awaitable<void>;
  /**
   * Whole batches from the one holding `fetchOffset`, up to `maxBytes` (at least one batch with `minOneBatch`).
   * An engine that copies the bytes out may put them in `buffers` instead of a new buffer.
   */
  read(fetchOffset: bigint, maxBytes: number, minOneBatch: boolean, buffers?: ReadBuffers): Awaitable<FetchDataInfo | typeof OFFSET_OUT_OF_RANGE>;
  /** Every whole batch from the one holding `fromOffset` to the log end: how the broker replays its own logs. */
  batches(fromOffset?: bigint): Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
  /**
   * Like batches(), but a data batch may come as its 61-byte header alone (a control batch comes
   * whole): what producer state is rebuilt from, for engines where reading the records costs.
   */
  batchHeaders?(fromOffset?: bigint): Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
  /**
   * Every batch from the log start, each checked (CRC): how the broker replays its internal logs. A
   * damaged batch ends the log there (the engine cuts it off and says where), so start-up goes on.
   * Engines that cannot hold a damaged batch replay with batches().
   */
  replay?(): Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
  /** ListOffsets' lookup, special timestamps (-1 latest, -2 earliest, -3 max timestamp, -4 earliest local) included. */
  offsetForTimestamp(timestamp: bigint): Awaitable<TimestampAndOffset | undefined>;
  /** Calls `listener` after every append until the returned function is called: what wakes a waiting Fetch. */
  onAppend(listener: () => void): () => void;
  /** Records a transaction aborted by the marker at txn.lastOffset (Kafka's .txnindex); one already recorded is skipped. */
  appendAbortedTransaction(txn: AbortedTxn): Awaitable<void>;
  /** The aborted transactions overlapping [fetchOffset, upperBoundOffset): what a read_committed Fetch lists with its records. */
  collectAbortedTransactions(fetchOffset: bigint, upperBoundOffset: bigint): Awaitable<AbortedTxn[]>;
  /** Makes everything appended so far durable (fsync; a no-op where appends are durable on their own). */
  flush(): Awaitable<void>;
  /** DeleteRecords: moves the log start offset forward to `offset` (at most the high watermark); resolves with the new start. */
  maybeIncrementLogStartOffset(offset: bigint): Awaitable<bigint>;
}

/** Where a read may put the bytes it copies (a connection's recycled buffers). */
export interface ReadBuffers {
  /** A buffer of exactly `size` bytes the caller may fill. */
  allocate(size: number): Uint8Array;
}

/** InitProducerId's state: the next producer id (transactional ids live in __transaction_state). */
export interface ProducerIdState {
  nextProducerId: bigint;
}

/**
 * Where ProducerIdManager keeps its state. `save` stores `state` only if the store still holds
 * `expected` (what `load` returned), so two brokers sharing it never hand out one id: it resolves
 * true once the state survives a crash, false when another broker saved first.
 */
export interface ProducerIdStore {
  load(): Awaitable<ProducerIdState | undefined>;
  save(state: ProducerIdState, expected: ProducerIdState | undefined): Awaitable<boolean>;
}

export type StorageEngineName = "files" | "memory" | "postgres";

/** One place partition logs live (a log dir), as DescribeLogDirs reports it. */
export interface LogDirDescription {
  path: string;
  /** Bytes of record batches in each partition log kept there. */
  partitions: { topic: string; partition: number; size: number }[];
  /** The capacity and free space where the dir lives; undefined when it cannot be read (an offline dir). */
  space: { totalBytes: bigint; usableBytes: bigint } | undefined;
}

export interface StorageEngine {
  readonly name: StorageEngineName;
  /** cluster.id, the same for every broker sharing this storage. */
  readonly clusterId: string;
  /** The directory id PartitionRecords name for this broker's replicas (Kafka's directory.id). */
  readonly directoryId: string;
  readonly producerIds: ProducerIdStore;
  /** The partition's log if it exists. */
  getLog(topic: string, partition: number): Awaitable<PartitionLog | undefined>;
  /** Creates the partition's log (recording `topicId` with it); an existing log is returned as it is. */
  createLog(topic: string, partition: number, topicId: string): Awaitable<PartitionLog>;
  /** Removes every partition log of `topic` (from partition `fromPartition` on). */
  deleteLogs(topic: string, fromPartition?: number): Awaitable<void>;
  /**
   * Removes the logs of topics `currentTopicId` does not know, or whose recorded topic id is not the
   * current one (left by a crash during a deletion): the broker calls it once the metadata log is
   * replayed. Engines whose deletions are atomic have none.
   */
  removeStrayLogs?(currentTopicId: (topic: string) => string | undefined): Awaitable<void>;
  /** Where the partition logs are: DescribeLogDirs, AlterReplicaLogDirs. */
  describeLogDirs(): Awaitable<LogDirDescription[]>;
  /**
   * Where topics' configs come from (the broker's metadata over its defaults, Kafka's
   * ConfigRepository): logs opened from now on get theirs from `logConfig`.
   */
  useConfigRepository(logConfig: (topic: string) => LogConfig): void;
  /** The topic's configs changed (AlterConfigs): its logs read them again. */
  updateConfig(topic: string): Awaitable<void>;
  /**
   * The retention check at `nowMs` (it also runs every log.retention.check.interval.ms): every
   * log with cleanup.policy=delete loses, oldest first, what is past retention.ms or beyond
   * retention.bytes (log-retention.ts), and its log start moves past it. Resolves with how many
   * segments (batches, for an engine without segments) were deleted.
   */
  cleanupLogs(nowMs?: number): Awaitable<number>;
  /**
   * Engines that brokers share (each a cluster of its own otherwise): registers `self` with a lease
   * renewed until the registry is closed; the registry tells who else is live.
   */
  registerBroker?(self: BrokerEndpoint, lease: LeaseConfig, onError: (err: Error) => void): Awaitable<BrokerRegistry>;
  /** Flushes and releases everything; the engine is not used afterwards. */
  close(): Awaitable<void>;
}
