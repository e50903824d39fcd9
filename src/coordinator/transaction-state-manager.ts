/**
 * Kafka's TransactionStateManager: every change of a transactional.id's metadata is appended to
 * the internal `__transaction_state` topic as a TransactionLogKey / TransactionLogValue record
 * (written before the change is answered), and the topic is replayed at start-up, the last
 * record of each transactional.id winning and a tombstone removing it; brokers sharing the
 * storage read each other's records as they arrive.
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

  /**
   * Brings `transactions` up to what the log holds: at start-up every transactional.id, later
   * what other brokers' coordinators appended since. With `readThrough`, only its partition, read
   * from the storage even if this broker has not heard of an append yet. The last record of each
   * transactional.id wins and a tombstone removes it.
   */
  async load(transactions: Map<string, TransactionMetadata>, readThrough?: string): Promise<void> {
    const only = readThrough === undefined ? undefined : this.log.partitionFor(readThrough);
    for await (const batch of this.log.load(only !== undefined, only)) {
      if (batch.kind !== "records") continue;
      for (const record of batch.records) {
        const key = readVersioned(record.key);
        if (key.version !== KEY_VERSION) continue;
        const { transactionalId } = decodeTransactionLogKey(key.reader, key.version);
        if (key.reader.failed) continue;
        if (!record.value) {
          transactions.delete(transactionalId);
          continue;
        }
        const v = readVersioned(record.value);
        if (v.version < 0 || v.version > 1) continue;
        const value = decodeTransactionLogValue(v.reader, v.version);
        const state = stateName(value.transactionStatus);
        if (v.reader.failed || !state) continue;
        const previous = transactions.get(transactionalId);
        transactions.set(transactionalId, {
          transactionalId,
          producerId: value.producerId,
          producerEpoch: value.producerEpoch,
          lastProducerEpoch: lastProducerEpoch(previous, value),
          txnTimeoutMs: value.transactionTimeoutMs,
          state,
          partitions: new Set((value.transactionPartitions ?? []).flatMap((t) => t.partitionIds.map((p) => partitionKey(t.topic, p)))),
          txnStartTimestamp: value.transactionStartTimestampMs,
          txnLastUpdateTimestamp: value.transactionLastUpdateTimestampMs,
        });
      }
    }
  }

  /** Calls `appended` after each append to `__transaction_state`, by this broker or another sharing the storage. */
  follow(appended: () => void): Promise<void> {
    return this.log.follow(appended);
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

/**
 * Version 0 of the value keeps no previous epoch: a record whose epoch is above the one before of
 * the same producer id is a bump, so the epoch before it is what a KIP-360 retry may still name.
 */
function lastProducerEpoch(previous: TransactionMetadata | undefined, value: { producerId: bigint; producerEpoch: number }): number {
  if (previous?.producerId !== value.producerId) return -1;
  return value.producerEpoch > previous.producerEpoch ? previous.producerEpoch : previous.lastProducerEpoch;
}
