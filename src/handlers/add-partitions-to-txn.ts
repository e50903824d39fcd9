import { defineApi, mapInOrder, type RequestContext } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import {
  ADD_PARTITIONS_TO_TXN_REQUEST,
  type AddPartitionsToTxnTopic,
  decodeAddPartitionsToTxnRequest,
} from "../protocol/generated/add-partitions-to-txn-request.ts";
import {
  type AddPartitionsToTxnResponse,
  type AddPartitionsToTxnTopicResult,
  encodeAddPartitionsToTxnResponse,
} from "../protocol/generated/add-partitions-to-txn-response.ts";
import { fencedForVersion } from "./producer-fenced.ts";
import { mayWriteTopic, mayWriteTransaction } from "./resource-access.ts";
import { type TopicPartition, partitionKey } from "../coordinator/transaction-metadata.ts";

interface Transaction {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  verifyOnly: boolean;
  topics: AddPartitionsToTxnTopic[];
}

/**
 * v0–v3 (clients) add the partitions of one transaction; v4+ (what brokers send) carry several
 * transactions, each either added or, with verify_only, checked. Partitions of unknown topics
 * fail with UNKNOWN_TOPIC_OR_PARTITION and the others of that transaction are not attempted.
 */
export const addPartitionsToTxn = defineApi(
  "AddPartitionsToTxn",
  ADD_PARTITIONS_TO_TXN_REQUEST,
  [0, 5],
  decodeAddPartitionsToTxnRequest,
  encodeAddPartitionsToTxnResponse,
  async (ctx, req): Promise<AddPartitionsToTxnResponse> => {
    if (ctx.apiVersion <= 3) {
      const transaction = {
        transactionalId: req.v3AndBelowTransactionalId ?? "",
        producerId: req.v3AndBelowProducerId ?? -1n,
        producerEpoch: req.v3AndBelowProducerEpoch ?? -1,
        verifyOnly: false,
        topics: req.v3AndBelowTopics ?? [],
      };
      return { throttleTimeMs: 0, resultsByTopicV3AndBelow: await addPartitions(ctx, transaction) };
    }
    const resultsByTransaction = await mapInOrder(req.transactions ?? [], async (t) => ({
      transactionalId: t.transactionalId ?? "",
      topicResults: await addPartitions(ctx, {
        transactionalId: t.transactionalId ?? "",
        producerId: t.producerId ?? -1n,
        producerEpoch: t.producerEpoch ?? -1,
        verifyOnly: t.verifyOnly ?? false,
        topics: t.topics ?? [],
      }),
    }));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction };
  },
);

async function addPartitions(ctx: RequestContext, t: Transaction): Promise<AddPartitionsToTxnTopicResult[]> {
  const coordinator = ctx.broker.transactionCoordinator;
  const results = (errorOf: (topic: string, partition: number) => number) =>
    t.topics.map((topic) => ({
      name: topic.name,
      resultsByPartition: topic.partitions.map((partition) => ({
        partitionIndex: partition,
        partitionErrorCode: fencedForVersion(errorOf(topic.name, partition), ctx.apiVersion, 2),
      })),
    }));
  if (!mayWriteTransaction(ctx, t.transactionalId)) return results(() => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  const writable = (topic: string) => mayWriteTopic(ctx, topic);
  if (t.topics.some((topic) => !writable(topic.name))) {
    return results((topic) => (writable(topic) ? ErrorCode.OPERATION_NOT_ATTEMPTED : ErrorCode.TOPIC_AUTHORIZATION_FAILED));
  }
  const partitions = t.topics.flatMap((topic) => topic.partitions.map((partition) => ({ topic: topic.name, partition })));
  if (t.verifyOnly) {
    const verify = async (p: TopicPartition) => [partitionKey(p.topic, p.partition), await coordinator.verifyTransaction(t.transactionalId, t.producerId, t.producerEpoch, p)] as const;
    const verified = new Map(await Promise.all(partitions.map(verify)));
    return results((topic, partition) => verified.get(partitionKey(topic, partition))!);
  }
  const unknown = new Set<string>();
  for (const p of partitions) if (!(await ctx.broker.hasPartition(p.topic, p.partition))) unknown.add(partitionKey(p.topic, p.partition));
  if (unknown.size > 0) {
    return results((topic, partition) => (unknown.has(partitionKey(topic, partition)) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED));
  }
  const error = await coordinator.addPartitionsToTxn(t.transactionalId, t.producerId, t.producerEpoch, partitions);
  return results(() => error);
}
