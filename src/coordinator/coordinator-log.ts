/**
 * The internal topic a coordinator keeps its state in (`__consumer_offsets` for groups,
 * `__transaction_state` for transactions): records keyed by what they describe, appended as
 * batches written before append returns, and replayed at start-up so the latest value of each
 * key is known again; brokers sharing the storage also read what the others append (a coordinator
 * taking over from one that died serves its latest state). Such topics never enter the cluster metadata: clients do not see them in
 * Metadata, and only their coordinator reads or writes them.
 */
import { randomUUID } from "node:crypto";
import { type BatchHeader, readBatchHeader } from "../codec/batch-header.ts";
import type { Codec } from "../codec/types.ts";
import { Reader } from "../protocol/reader.ts";
import { Writer } from "../protocol/writer.ts";
import { type EndTransactionMarker, endTransactionMarkerBatch, isControlBatch, readEndTransactionMarker } from "../storage/end-transaction-marker.ts";
import type { PartitionLog, StorageEngine } from "../storage/engine.ts";
import { brokerBatch, lastOffsetOf } from "../storage/record-batches.ts";

export interface CoordinatorRecord {
  key: Uint8Array;
  /** null: a tombstone, the key is gone. */
  value: Uint8Array | null;
}

/** A batch read back at start-up: its records, or the transaction marker it is. */
export type LoadedBatch =
  | { kind: "records"; partition: number; header: BatchHeader; records: CoordinatorRecord[] }
  | { kind: "marker"; partition: number; marker: EndTransactionMarker };

export type CoordinatorLogs = Pick<StorageEngine, "getLog" | "createLog">;

export class CoordinatorLog {
  /** Per partition, the offset after the last batch read back or written here. */
  private readonly loadedEnd = new Map<number, bigint>();

  constructor(
    private readonly logs: CoordinatorLogs,
    private readonly codec: Pick<Codec, "encodeRecordBatch" | "decodeRecordBatch">,
    readonly topic: string,
    /** offsets.topic.num.partitions / transaction.state.log.num.partitions */
    readonly numPartitions: number,
  ) {}

  /** Kafka's partitionFor: abs(key.hashCode()) % partitions, with Java's String.hashCode. */
  partitionFor(key: string): number {
    let hash = 0;
    for (let i = 0; i < key.length; i++) hash = (Math.imul(hash, 31) + key.charCodeAt(i)) | 0;
    return (hash & 0x7fffffff) % this.numPartitions;
  }

  /** Appends the records as one batch (in the log when this resolves); with `producer`, a transactional batch of that producer. */
  async append(partition: number, records: CoordinatorRecord[], producer?: { producerId: bigint; producerEpoch: number }): Promise<void> {
    if (records.length === 0) return;
    await this.appendAsLeader(partition, brokerBatch(this.codec, records, 0, producer && { ...producer, transactional: true }));
  }

  async appendEndTxnMarker(partition: number, marker: EndTransactionMarker): Promise<void> {
    await this.appendAsLeader(partition, endTransactionMarkerBatch(this.codec, marker));
  }

  private async appendAsLeader(partition: number, batch: Uint8Array): Promise<void> {
    const log = await this.log(partition);
    const appended = await log.appendAsLeader(batch);
    // The writer applied its own batch; only one that follows another broker's must still be read back.
    if (this.loadedEnd.get(partition) === appended.baseOffset) this.loadedEnd.set(partition, appended.lastOffset + 1n);
  }

  /**
   * Every batch of every partition not read back or written here yet, oldest first within a
   * partition: at start-up the whole log, later what other brokers sharing the storage appended. The
   * start-up read goes through the log's checked replay: a damaged batch ends that partition's log
   * there, and loading goes on. With `current`, the storage is read even where the log end this
   * broker knows says nothing is new: another broker's append may not have been heard of yet.
   * With `only`, that one partition.
   */
  async *load(current = false, only?: number): AsyncGenerator<LoadedBatch> {
    for (const partition of only === undefined ? Array.from({ length: this.numPartitions }, (_, p) => p) : [only]) {
      const log = await this.logs.getLog(this.topic, partition);
      if (!log) continue;
      const loaded = this.loadedEnd.get(partition);
      if (!current && loaded !== undefined && loaded >= log.logEndOffset) continue;
      for await (const bytes of loaded === undefined ? (log.replay?.() ?? log.batches()) : log.batches(loaded)) {
        const header = readBatchHeader(bytes);
        this.loadedEnd.set(partition, lastOffsetOf(header) + 1n);
        if (isControlBatch(header)) {
          const marker = readEndTransactionMarker(this.codec, bytes);
          if (marker) yield { kind: "marker", partition, marker };
          continue;
        }
        const records = this.codec.decodeRecordBatch(bytes).records.flatMap((r) => (r.key ? [{ key: r.key, value: r.value }] : []));
        yield { kind: "records", partition, header, records };
      }
      if (!this.loadedEnd.has(partition)) this.loadedEnd.set(partition, log.logStartOffset);
    }
  }

  /**
   * Calls `appended` after each append to any partition (by this broker or another sharing the
   * storage), for the owner to `load` what is new. The partitions' logs are created now, so that
   * one first written by another broker is followed too.
   */
  async follow(appended: () => void): Promise<void> {
    for (let partition = 0; partition < this.numPartitions; partition++) {
      const log = await this.log(partition);
      if (!this.loadedEnd.has(partition) && log.logEndOffset === log.logStartOffset) this.loadedEnd.set(partition, log.logStartOffset);
      log.onAppend(appended);
    }
  }

  private async log(partition: number): Promise<PartitionLog> {
    return (await this.logs.getLog(this.topic, partition)) ?? this.logs.createLog(this.topic, partition, randomUUID());
  }
}

/** A record key or value as coordinators write them: an int16 schema version, then the message. */
export function versioned(version: number, encode: (w: Writer) => void): Uint8Array {
  const w = new Writer(64).int16(version);
  encode(w);
  return w.finish();
}

/** Reads the int16 version of a record key or value; the reader is left at the message. */
export function readVersioned(bytes: Uint8Array): { version: number; reader: Reader } {
  const reader = new Reader(bytes);
  return { version: reader.int16(), reader };
}
