/**
 * Idempotent and transactional appends: the ProducerStateManager of every partition log, built
 * the first time the log is used for producer state (an append of a producer's batch, a
 * marker, or the last stable offset a Fetch reports) by scanning its batch headers, and kept up
 * to date by every append that goes through here. Batches with producer id -1 go straight to
 * the log.
 *
 * Check, append and record are one step per partition: with an engine whose appends are async,
 * the next producer append (or marker) to the partition waits until the one before has its
 * offsets, so it is checked against the state that one left.
 */
import { type BatchHeader, readBatchHeader } from "../codec/batch-header.ts";
import type { Codec } from "../codec/types.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { type EndTransactionMarker, endTransactionMarkerBatch, isControlBatch, readEndTransactionMarker } from "../storage/end-transaction-marker.ts";
import { batchSpans } from "../storage/record-batches.ts";
import { SerialQueue } from "../storage/serial-queue.ts";
import type { AppendRefusal, LogAppendInfo, PartitionLog } from "../storage/engine.ts";
import type { ProducerIdManager } from "./producer-id-manager.ts";
import { type ActiveProducer, ProducerStateManager } from "./producer-state.ts";

export class ProducerStates {
  private readonly states = new WeakMap<PartitionLog, Promise<ProducerStateManager>>();
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
    if (!headers.some((h) => h.producerId >= 0n)) return log.appendAsLeader(batches);
    return this.queueOf(log).run(() => this.appendIdempotent(log, headers, batches));
  }

  /**
   * Writes the COMMIT or ABORT marker of the producer's transaction (Kafka's WriteTxnMarkers,
   * for a single broker); an abort is recorded in the log's aborted-transaction index.
   */
  appendEndTxnMarker(log: PartitionLog, marker: EndTransactionMarker): Promise<number> {
    return this.queueOf(log).run(async () => {
      const state = await this.stateOf(log);
      const error = state.checkMarker(marker.producerId, marker.producerEpoch);
      if (error !== ErrorCode.NONE) return error;
      const { baseOffset } = await log.appendAsLeader(endTransactionMarkerBatch(this.codec, marker));
      const completed = state.completeTxn(marker.producerId, marker.producerEpoch, marker.coordinatorEpoch, baseOffset, BigInt(Date.now()));
      if (completed && !marker.commit) await log.appendAbortedTransaction(completed);
      return ErrorCode.NONE;
    });
  }

  /** Where read_committed reads stop: the first offset of the oldest open transaction, else the high watermark. */
  async lastStableOffset(log: PartitionLog): Promise<bigint> {
    return (await this.stateOf(log)).firstUnstableOffset() ?? log.highWatermark;
  }

  async activeProducers(log: PartitionLog): Promise<ActiveProducer[]> {
    return (await this.stateOf(log)).activeProducers();
  }

  private queueOf(log: PartitionLog): SerialQueue {
    let queue = this.appends.get(log);
    if (!queue) this.appends.set(log, (queue = new SerialQueue()));
    return queue;
  }

  private async appendIdempotent(log: PartitionLog, headers: BatchHeader[], batches: Uint8Array): Promise<LogAppendInfo | AppendRefusal> {
    const analysis = (await this.stateOf(log)).analyze(headers, (id) => this.producerIds.isAllocated(id));
    switch (analysis.kind) {
      case "error":
        return { errorCode: analysis.errorCode, errorMessage: analysis.message };
      case "duplicate": {
        const records = headers.reduce((n, h) => n + BigInt(h.lastOffsetDelta) + 1n, 0n);
        return { baseOffset: analysis.firstOffset, lastOffset: analysis.firstOffset + records - 1n, logAppendTime: -1n };
      }
      case "append": {
        const appended = await log.appendAsLeader(batches);
        analysis.complete(appended.baseOffset);
        return appended;
      }
    }
  }

  /** One scan per log, however many callers ask while it runs. */
  private stateOf(log: PartitionLog): Promise<ProducerStateManager> {
    let state = this.states.get(log);
    if (!state) {
      state = this.load(log);
      this.states.set(log, state);
    }
    return state;
  }

  /**
   * Without Kafka's producer snapshots the whole log is replayed, batch headers (and markers)
   * only, a bounded chunk at a time, once per partition. Every abort marker is offered to the
   * aborted-transaction index, which keeps the ones it lacks (the broker died between the two
   * writes).
   */
  private async load(log: PartitionLog): Promise<ProducerStateManager> {
    const state = new ProducerStateManager();
    for await (const bytes of log.batches()) {
      const header = readBatchHeader(bytes);
      if (!isControlBatch(header)) {
        state.load(header, header.baseOffset);
        continue;
      }
      const marker = readEndTransactionMarker(this.codec, bytes);
      if (!marker) continue;
      const completed = state.completeTxn(header.producerId, header.producerEpoch, marker.coordinatorEpoch, header.baseOffset, header.maxTimestamp);
      if (completed && !marker.commit) await log.appendAbortedTransaction(completed);
    }
    return state;
  }
}
