/**
 * Kafka's TransactionMetadata: what the coordinator knows of one transactional.id, and the
 * states of its transaction. The state ids are TransactionLogValue's transaction_status.
 */

export const TransactionState = {
  Empty: 0,
  Ongoing: 1,
  PrepareCommit: 2,
  PrepareAbort: 3,
  CompleteCommit: 4,
  CompleteAbort: 5,
  Dead: 6,
  PrepareEpochFence: 7,
} as const;

export type TransactionStateName = keyof typeof TransactionState;

const NAMES = Object.keys(TransactionState) as TransactionStateName[];

export function stateName(id: number): TransactionStateName | undefined {
  return NAMES.find((name) => TransactionState[name] === id);
}

/** The names DescribeTransactions and ListTransactions use, as Kafka's TransactionState.stateName. */
export function isTransactionStateName(name: string): name is TransactionStateName {
  return (NAMES as string[]).includes(name);
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TransactionMetadata {
  readonly transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  /** The epoch before the last bump, so a producer that missed the bump's answer is not fenced (KIP-360); -1 if none. */
  lastProducerEpoch: number;
  txnTimeoutMs: number;
  state: TransactionStateName;
  /** The partitions of the open transaction, as "topic\0partition"; cleared when it completes. */
  partitions: Set<string>;
  /** When the open transaction took its first partition; -1 with none open. */
  txnStartTimestamp: bigint;
  txnLastUpdateTimestamp: bigint;
}

export const partitionKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

export function topicPartitions(metadata: Pick<TransactionMetadata, "partitions">): TopicPartition[] {
  return [...metadata.partitions].map((key) => {
    const at = key.lastIndexOf("\u0000");
    return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
  });
}

/** The partitions grouped by topic, as the transaction log and DescribeTransactions list them. */
export function partitionsByTopic(metadata: Pick<TransactionMetadata, "partitions">): { topic: string; partitions: number[] }[] {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of topicPartitions(metadata)) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) }));
}
