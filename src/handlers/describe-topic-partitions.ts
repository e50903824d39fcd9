import { defineApi } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { ZERO_UUID } from "../protocol/reader.ts";
import {
  DESCRIBE_TOPIC_PARTITIONS_REQUEST,
  decodeDescribeTopicPartitionsRequest,
} from "../protocol/generated/describe-topic-partitions-request.ts";
import {
  type Cursor,
  type DescribeTopicPartitionsResponse,
  type DescribeTopicPartitionsResponseTopic,
  encodeDescribeTopicPartitionsResponse,
} from "../protocol/generated/describe-topic-partitions-response.ts";
import { authorizedOperations } from "./authorized-operations.ts";
import { mayDescribeTopic } from "./resource-access.ts";

/**
 * Topics sorted by name, partitions ascending, at most `responsePartitionLimit` partitions;
 * when the limit cuts a listing short, `nextCursor` says where the next request resumes.
 */
export const describeTopicPartitions = defineApi(
  "DescribeTopicPartitions",
  DESCRIBE_TOPIC_PARTITIONS_REQUEST,
  [0, 0],
  decodeDescribeTopicPartitionsRequest,
  encodeDescribeTopicPartitionsResponse,
  (ctx, req): DescribeTopicPartitionsResponse => {
    const metadata = ctx.broker.metadata;
    // Listing every topic shows only the describable ones; a topic asked for by name is refused instead.
    const requested =
      req.topics.length > 0 ? req.topics.map((t) => t.name) : metadata.topics().map((t) => t.name).filter((n) => mayDescribeTopic(ctx, n));
    const names = [...new Set(requested)].sort(byteOrder).filter((n) => !req.cursor || byteOrder(n, req.cursor.topicName) >= 0);
    let budget = Math.max(1, req.responsePartitionLimit);
    let nextCursor: Cursor | null = null;
    const topics: DescribeTopicPartitionsResponseTopic[] = [];
    for (const name of names) {
      const topic = metadata.topicByName(name);
      const refused = !mayDescribeTopic(ctx, name);
      if (!topic || refused) {
        topics.push({ errorCode: refused ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name, topicId: ZERO_UUID, isInternal: false,
          partitions: [], topicAuthorizedOperations: authorizedOperations(ctx, "TOPIC", name) });
        continue;
      }
      if (budget === 0) {
        nextCursor = { topicName: name, partitionIndex: 0 };
        break;
      }
      const first = req.cursor && req.cursor.topicName === name ? req.cursor.partitionIndex : 0;
      const partitions = [...topic.partitions.values()]
        .filter((p) => p.partitionId >= first)
        .sort((a, b) => a.partitionId - b.partitionId);
      const shown = partitions.slice(0, budget);
      budget -= shown.length;
      if (shown.length < partitions.length) nextCursor = { topicName: name, partitionIndex: partitions[shown.length].partitionId };
      topics.push({
        errorCode: ErrorCode.NONE,
        name,
        topicId: topic.topicId,
        isInternal: false,
        partitions: shown.map((p) => ({
          errorCode: ErrorCode.NONE,
          partitionIndex: p.partitionId,
          leaderId: ctx.broker.leaderOf(name, p),
          leaderEpoch: p.leaderEpoch,
          replicaNodes: p.replicas,
          isrNodes: p.isr,
          eligibleLeaderReplicas: [],
          lastKnownElr: [],
          offlineReplicas: [],
        })),
        topicAuthorizedOperations: authorizedOperations(ctx, "TOPIC", name),
      });
      if (nextCursor) break;
    }
    return { throttleTimeMs: 0, topics, nextCursor };
  },
);

/** Kafka (and the tester) order topic names by their bytes, not by locale. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
