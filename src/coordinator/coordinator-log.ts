/**
 * The internal topic a coordinator keeps its state in (`__consumer_offsets` for groups,
 * `__transaction_state` for transactions): records keyed by what they describe, appended as
 * batches written before append returns, and replayed at start-up so the latest value of each
 * key is known again. Such topics never enter the cluster metadata: clients do not see them in
 * Metadata, and only their coordinator reads or writes them.
 */
import { randomUUID } from "node:crypto";
import { type BatchHeader, readBatchHeader } from "../codec/batch-header.ts";
import type { Codec } from "../codec/types.ts";
import { Reader } from "../protocol/reader.ts";
import { Writer } from "../protocol/writer.ts";
import { type EndTransactionMarker, endTransactionMarkerBatch, isControlBatch, readEndTransactionMarker } from "../storage/end-transaction-marker.ts";
import type { PartitionLog, StorageEngine } from "../storage/engine.ts";
import { brokerBatch } from "../storage/record-batches.ts";

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
    const log = await this.log(partition);
    await log.appendAsLeader(brokerBatch(this.codec, records, 0, producer && { ...producer, transactional: true }));
  }

  async appendEndTxnMarker(partition: number, marker: EndTransactionMarker): Promise<void> {
    const log = await this.log(partition);
    await log.appendAsLeader(endTransactionMarkerBatch(this.codec, marker));
  }

  /**
   * Every batch of every partition, oldest first within a partition, through the log's checked
   * replay: a damaged batch ends that partition's log there, and loading goes on.
   */
  async *load(): AsyncGenerator<LoadedBatch> {
    for (let partition = 0; partition < this.numPartitions; partition++) {
      const log = await this.logs.getLog(this.topic, partition);
      if (!log) continue;
      for await (const bytes of log.replay?.() ?? log.batches()) {
        const header = readBatchHeader(bytes);
        if (isControlBatch(header)) {
          const marker = readEndTransactionMarker(this.codec, bytes);
          if (marker) yield { kind: "marker", partition, marker };
          continue;
        }
        const records = this.codec.decodeRecordBatch(bytes).records.flatMap((r) => (r.key ? [{ key: r.key, value: r.value }] : []));
        yield { kind: "records", partition, header, records };
      }
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
