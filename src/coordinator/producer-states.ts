/**
 * Idempotent appends: the ProducerStateManager of every partition log, built the first time an
 * idempotent batch (producer id ≥ 0) reaches the log by scanning its batch headers, and
 * consulted on every such append. Batches with producer id -1 go straight to the log.
 *
 * Check, append and record are one step per partition: with an engine whose appends are async,
 * the next idempotent append to the partition waits until the one before has its offsets, so
 * it is checked against the sequences that one left.
 */
import { type BatchHeader, CONTROL_BATCH, readBatchHeader } from "../codec/batch-header.ts";
import { batchSpans } from "../storage/record-batches.ts";
import { SerialQueue } from "../storage/serial-queue.ts";
import type { LogAppendInfo, PartitionLog } from "../storage/engine.ts";
import type { ProducerIdManager } from "./producer-id-manager.ts";
import { ProducerStateManager } from "./producer-state.ts";

/** Why an append was refused: OUT_OF_ORDER_SEQUENCE_NUMBER or INVALID_PRODUCER_EPOCH. */
export interface AppendRefusal {
  errorCode: number;
  errorMessage: string;
}

export class ProducerStates {
  private readonly states = new WeakMap<PartitionLog, ProducerStateManager>();
  private readonly appends = new WeakMap<PartitionLog, SerialQueue>();

  constructor(private readonly producerIds: ProducerIdManager) {}

  /**
   * Appends validated batches unless they repeat a batch the producer already wrote, which is
   * answered with the original offsets (and NONE, as Kafka does) without writing it again.
   */
  async appendAsLeader(log: PartitionLog, batches: Uint8Array): Promise<LogAppendInfo | AppendRefusal> {
    const headers = [...batchSpans(batches)].map((span) => readBatchHeader(batches, span.position));
    if (!headers.some((h) => h.producerId >= 0n)) return log.appendAsLeader(batches);
    let queue = this.appends.get(log);
    if (!queue) this.appends.set(log, (queue = new SerialQueue()));
    return queue.run(() => this.appendIdempotent(log, headers, batches));
  }

  private async appendIdempotent(log: PartitionLog, headers: BatchHeader[], batches: Uint8Array): Promise<LogAppendInfo | AppendRefusal> {
    const analysis = (await this.stateOf(log)).analyze(headers, (id) => this.producerIds.isAllocated(id));
    switch (analysis.kind) {
      case "error":
        return { errorCode: analysis.errorCode, errorMessage: analysis.message };
      case "duplicate": {
        const records = headers.reduce((n, h) => n + BigInt(h.lastOffsetDelta) + 1n, 0n);
        return { baseOffset: analysis.firstOffset, lastOffset: analysis.firstOffset + records - 1n };
      }
      case "append": {
        const appended = await log.appendAsLeader(batches);
        analysis.complete(appended.baseOffset);
        return appended;
      }
    }
  }

  private async stateOf(log: PartitionLog): Promise<ProducerStateManager> {
    let state = this.states.get(log);
    if (!state) {
      state = new ProducerStateManager();
      // Without Kafka's producer snapshots the whole log is replayed, batch headers only and a
      // bounded chunk at a time, once per partition.
      for await (const bytes of log.batches()) {
        const header = readBatchHeader(bytes);
        // Control batches (transaction markers) carry no producer sequence.
        if ((header.attributes & CONTROL_BATCH) === 0) state.load(header, header.baseOffset);
      }
      this.states.set(log, state);
    }
    return state;
  }
}
