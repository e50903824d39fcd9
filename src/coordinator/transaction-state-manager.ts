/**
 * Kafka's TransactionStateManager: every change of a transactional.id's metadata is appended to
 * the internal `__transaction_state` topic as a TransactionLogKey / TransactionLogValue record
 * (written before the change is answered), and the topic is replayed at start-up, the last
 * record of each transactional.id winning and a tombstone removing it.
 */
import type { Codec } from "../codec/types.ts";
import { decodeTransactionLogKey, encodeTransactionLogKey } from "../protocol/generated/transaction/transaction-log-key.ts";
import { decodeTransactionLogValue, encodeTransactionLogValue } from "../protocol/generated/transaction/transaction-log-value.ts";
import { type CoordinatorLogs, CoordinatorLog, readVersioned, versioned } from "./coordinator-log.ts";
import { type TransactionMetadata, TransactionState, partitionKey, partitionsByTopic, stateName } from "./transaction-metadata.ts";

export const TRANSACTION_STATE_TOPIC_NAME = "__transaction_state";

const KEY_VERSION = 0;
/** Version 0 is what a broker without transaction version 2 (KIP-890) writes. */
const VALUE_VERSION = 0;

export class TransactionStateManager {
  private readonly log: CoordinatorLog;

  constructor(logs: CoordinatorLogs, codec: Pick<Codec, "encodeRecordBatch" | "decodeRecordBatch">, numPartitions: number) {
    this.log = new CoordinatorLog(logs, codec, TRANSACTION_STATE_TOPIC_NAME, numPartitions);
  }

  /** Every transactional.id the log knows, as its last record left it. */
  async load(): Promise<Map<string, TransactionMetadata>> {
    const loaded = new Map<string, TransactionMetadata>();
    for await (const batch of this.log.load()) {
      if (batch.kind !== "records") continue;
      for (const record of batch.records) {
        const key = readVersioned(record.key);
        if (key.version !== KEY_VERSION) continue;
        const { transactionalId } = decodeTransactionLogKey(key.reader, key.version);
        if (key.reader.failed) continue;
        if (!record.value) {
          loaded.delete(transactionalId);
          continue;
        }
        const v = readVersioned(record.value);
        if (v.version < 0 || v.version > 1) continue;
        const value = decodeTransactionLogValue(v.reader, v.version);
        const state = stateName(value.transactionStatus);
        if (v.reader.failed || !state) continue;
        loaded.set(transactionalId, {
          transactionalId,
          producerId: value.producerId,
          producerEpoch: value.producerEpoch,
          lastProducerEpoch: -1,
          txnTimeoutMs: value.transactionTimeoutMs,
          state,
          partitions: new Set((value.transactionPartitions ?? []).flatMap((t) => t.partitionIds.map((p) => partitionKey(t.topic, p)))),
          txnStartTimestamp: value.transactionStartTimestampMs,
          txnLastUpdateTimestamp: value.transactionLastUpdateTimestampMs,
        });
      }
    }
    return loaded;
  }

  /** Appends the metadata as it is now; it is in the log when this resolves. */
  append(metadata: TransactionMetadata): Promise<void> {
    const { transactionalId } = metadata;
    const partitions = partitionsByTopic(metadata);
    const key = versioned(KEY_VERSION, (w) => encodeTransactionLogKey(w, KEY_VERSION, { transactionalId }));
    const value = versioned(VALUE_VERSION, (w) =>
      encodeTransactionLogValue(w, VALUE_VERSION, {
        producerId: metadata.producerId,
        producerEpoch: metadata.producerEpoch,
        transactionTimeoutMs: metadata.txnTimeoutMs,
        transactionStatus: TransactionState[metadata.state],
        transactionPartitions: partitions.length === 0 ? null : partitions.map((t) => ({ topic: t.topic, partitionIds: t.partitions })),
        transactionLastUpdateTimestampMs: metadata.txnLastUpdateTimestamp,
        transactionStartTimestampMs: metadata.txnStartTimestamp,
      }),
    );
    return this.log.append(this.log.partitionFor(transactionalId), [{ key, value }]);
  }
}
