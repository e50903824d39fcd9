/**
 * Idempotent and transactional appends: the ProducerStateManager of every partition log, built
 * the first time the log is used for producer state (an append of a producer's batch, a
 * marker, or the last stable offset a Fetch reports) by scanning its batch headers, and kept up
 * to date by every append that goes through here. Batches with producer id -1 go straight to
 * the log. Batches another broker sharing the storage appended are taken in before the state
 * is next consulted.
 *
 * Check, append and record are one step per partition: with an engine whose appends are async,
 * the next producer append (or marker) to the partition waits until the one before has its
 * offsets, so it is checked against the state that one left.
 */
import { type BatchHeader, readBatchHeader } from "../codec/batch-header.ts";
import type { Codec } from "../codec/types.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { type EndTransactionMarker, endTransactionMarkerBatch, isControlBatch, readEndTransactionMarker } from "../storage/end-transaction-marker.ts";
import { batchSpans, lastOffsetOf } from "../storage/record-batches.ts";
import { SerialQueue } from "../storage/serial-queue.ts";
import type { AppendRefusal, LogAppendInfo, PartitionLog } from "../storage/engine.ts";
import type { ProducerIdManager } from "./producer-id-manager.ts";
import { type ActiveProducer, ProducerStateManager } from "./producer-state.ts";

/** A partition's producer state and the offset after the last batch it has taken in. */
interface TrackedState {
  state: ProducerStateManager;
  end: bigint;
}

/** How often an append may lose the race for a partition's end to other appenders before the producer is told to retry. */
const MAX_APPEND_ATTEMPTS = 8;

export class ProducerStates {
  private readonly states = new WeakMap<PartitionLog, Promise<TrackedState>>();
  private readonly appends = new WeakMap<PartitionLog, SerialQueue>();

  constructor(
    private readonly producerIds: Pick<ProducerIdManager, "isAllocated">,
    private readonly codec: Pick<Codec, "encodeRecordBatch" | "decodeRecordBatch">,
  ) {}

  /**
   * Appends validated batches unless they repeat a batch the producer already wrote, which is
   * answered with the original offsets (and NONE, as Kafka does) without writing it again.
   */
  async appendAsLeader(log: PartitionLog, batches: Uint8Array): Promise<LogAppendInfo | AppendRefusal> {
    const headers = [...batchSpans(batches)].map((span) => readBatchHeader(batches, span.position));
    if (!headers.some((h) => h.producerId >= 0n)) return this.followed(log, await log.appendAsLeader(batches));
    return this.queueOf(log).run(() => this.appendIdempotent(log, headers, batches));
  }

  /**
   * Writes the COMMIT or ABORT marker of the producer's transaction (Kafka's WriteTxnMarkers,
   * for a single broker); an abort is recorded in the log's aborted-transaction index.
   */
  appendEndTxnMarker(log: PartitionLog, marker: EndTransactionMarker): Promise<number> {
    return this.queueOf(log).run(async () => {
      const batch = endTransactionMarkerBatch(this.codec, marker);
      for (let attempt = 1; attempt <= MAX_APPEND_ATTEMPTS; attempt++) {
        const tracked = await this.caughtUp(log, attempt > 1);
        const error = tracked.state.checkMarker(marker.producerId, marker.producerEpoch);
        if (error !== ErrorCode.NONE) return error;
        const appended = await this.appendAtEnd(log, tracked, batch);
        if (!appended) continue;
        const completed = tracked.state.completeTxn(marker.producerId, marker.producerEpoch, marker.coordinatorEpoch, appended.baseOffset, BigInt(Date.now()));
        tracked.end = appended.lastOffset + 1n;
        if (completed && !marker.commit) await log.appendAbortedTransaction(completed);
        return ErrorCode.NONE;
      }
      return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    });
  }

  /**
   * Where read_committed reads stop: the first offset of the oldest open transaction, else the
   * high watermark. Only read_committed readers (`current`) wait for what other brokers appended.
   */
  async lastStableOffset(log: PartitionLog, current = true): Promise<bigint> {
    const tracked = current ? this.queueOf(log).run(() => this.caughtUp(log)) : this.states.get(log);
    // A read_uncommitted reader does not stop at it: not worth a scan of the whole log (a second read of it, on PostgreSQL) until the state is wanted.
    if (!tracked) return log.highWatermark;
    return (await tracked).state.firstUnstableOffset() ?? log.highWatermark;
  }

  async activeProducers(log: PartitionLog): Promise<ActiveProducer[]> {
    return (await this.queueOf(log).run(() => this.caughtUp(log))).state.activeProducers();
  }

  private queueOf(log: PartitionLog): SerialQueue {
    let queue = this.appends.get(log);
    if (!queue) this.appends.set(log, (queue = new SerialQueue()));
    return queue;
  }

  private async appendIdempotent(log: PartitionLog, headers: BatchHeader[], batches: Uint8Array): Promise<LogAppendInfo | AppendRefusal> {
    for (let attempt = 1; ; attempt++) {
      // After a refusal or a lost race, the log's end is read again from the storage itself.
      const tracked = await this.caughtUp(log, attempt > 1);
      const analysis = tracked.state.analyze(headers, (id) => this.producerIds.isAllocated(id));
      switch (analysis.kind) {
        case "error":
          // What another broker just appended may be what makes the sequence follow on.
          if (attempt === 1 && log.refresh) continue;
          return { errorCode: analysis.errorCode, errorMessage: analysis.message };
        case "duplicate": {
          const records = headers.reduce((n, h) => n + BigInt(h.lastOffsetDelta) + 1n, 0n);
          return { baseOffset: analysis.firstOffset, lastOffset: analysis.firstOffset + records - 1n, logAppendTime: -1n };
        }
        case "append": {
          const appended = await this.appendAtEnd(log, tracked, batches);
          if (!appended) {
            if (attempt < MAX_APPEND_ATTEMPTS) continue;
            return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, errorMessage: `${attempt} appends to this partition lost the race to other appenders` };
          }
          analysis.complete(appended.baseOffset);
          tracked.end = appended.lastOffset + 1n;
          return appended;
        }
      }
    }
  }

  /**
   * Appends only where the state was checked up to: a broker sharing the storage (or an append
   * without producer state on this one) that got in first makes the check start again.
   */
  private async appendAtEnd(log: PartitionLog, tracked: TrackedState, batches: Uint8Array): Promise<LogAppendInfo | undefined> {
    if (log.appendIfEndIs) return log.appendIfEndIs(batches, tracked.end);
    return log.logEndOffset === tracked.end ? log.appendAsLeader(batches) : undefined;
  }

  /** An append without producer state moves the tracked end along, if it follows on from it. */
  private async followed(log: PartitionLog, appended: LogAppendInfo): Promise<LogAppendInfo> {
    const tracked = await this.states.get(log);
    if (tracked?.end === appended.baseOffset) tracked.end = appended.lastOffset + 1n;
    return appended;
  }

  /**
   * The partition's state with every batch in the log taken in: brokers sharing the storage
   * append to one partition in turn (leadership moves when one dies), so a producer's retry of
   * a batch another broker wrote is seen as the duplicate it is, and its next sequence follows on.
   */
  private async caughtUp(log: PartitionLog, refresh = false): Promise<TrackedState> {
    const tracked = await this.stateOf(log);
    if (refresh) await log.refresh?.();
    if (tracked.end < log.logStartOffset) tracked.end = log.logStartOffset;
    if (log.logEndOffset > tracked.end) await this.takeIn(log, tracked);
    return tracked;
  }

  /** Takes in every batch from the tracked end on, batch headers (and markers) only, a bounded chunk at a time. */
  private async takeIn(log: PartitionLog, tracked: TrackedState): Promise<void> {
    for await (const bytes of headersFrom(log, tracked.end)) {
      const header = readBatchHeader(bytes);
      await this.apply(log, tracked.state, bytes, header);
      tracked.end = lastOffsetOf(header) + 1n;
    }
  }

  /** One scan per log, however many callers ask while it runs. */
  private stateOf(log: PartitionLog): Promise<TrackedState> {
    let state = this.states.get(log);
    if (!state) {
      state = this.load(log);
      this.states.set(log, state);
    }
    return state;
  }

  /** Without Kafka's producer snapshots the whole log is replayed, once per partition. */
  private async load(log: PartitionLog): Promise<TrackedState> {
    const tracked = { state: new ProducerStateManager(), end: log.logStartOffset };
    await this.takeIn(log, tracked);
    return tracked;
  }

  /**
   * Takes one batch already in the log into the state. Every abort marker is offered to the
   * aborted-transaction index, which keeps the ones it lacks (the broker died between the two
   * writes, or another broker wrote it).
   */
  private async apply(log: PartitionLog, state: ProducerStateManager, bytes: Uint8Array, header: BatchHeader): Promise<void> {
    if (!isControlBatch(header)) return state.load(header, header.baseOffset);
    const marker = readEndTransactionMarker(this.codec, bytes);
    if (!marker) return;
    const completed = state.completeTxn(header.producerId, header.producerEpoch, marker.coordinatorEpoch, header.baseOffset, header.maxTimestamp);
    if (completed && !marker.commit) await log.appendAbortedTransaction(completed);
  }
}

/** Batch headers (and markers) are all producer state needs; engines that can skip the records do. */
function headersFrom(log: PartitionLog, fromOffset?: bigint): Iterable<Uint8Array> | AsyncIterable<Uint8Array> {
  return log.batchHeaders?.(fromOffset) ?? log.batches(fromOffset);
}
