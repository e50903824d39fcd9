// Listing-partitions stages (§3, DescribeTopicPartitions v0).
import { describe } from "vitest";
import type { TopicSpec } from "../helpers/kafka-files.ts";
import { stage, useStageLifecycle, type StageContext } from "../helpers/stage.ts";
import { checkApiVersionsResponse, checkDescribedTopics } from "../helpers/tester-checks.ts";
import { API_DESCRIBE_TOPIC_PARTITIONS, apiVersionsRequest, describeTopicPartitionsRequest } from "../helpers/tester-requests.ts";
import { checkMessageSize, decodeDescribeTopicPartitionsResponse, type DescribedTopic } from "../helpers/tester-responses.ts";

useStageLifecycle();

const ZERO_UUID = "00000000-0000-0000-0000-000000000000";

/** A topic as the DTP stages write it: each partition's log holds one 6-word message. */
function topicWith(s: StageContext, name: string, id: string, partitionCount: number): TopicSpec {
  return { name, id, partitions: Array.from({ length: partitionCount }, () => [s.rng.sentence()]) };
}

function described(topic: TopicSpec): DescribedTopic {
  return {
    errorCode: 0, name: topic.name, topicId: topic.id,
    partitions: topic.partitions.map((_, i) => ({ errorCode: 0, partitionIndex: i })),
  };
}

async function describeTopics(s: StageContext, names: string[], limit: number, expected: DescribedTopic[]): Promise<void> {
  const client = await s.connect();
  const correlationId = s.rng.correlationId();
  const response = await client.exchange(describeTopicPartitionsRequest(correlationId, names, limit));
  checkMessageSize(response);
  checkDescribedTopics(decodeDescribeTopicPartitionsResponse(response, correlationId, expected.length), expected);
}

describe("DescribeTopicPartitions", () => {
  stage("yk1", "Include DescribeTopicPartitions in ApiVersions", async (s) => {
    await s.start();
    const client = await s.connect();
    const correlationId = s.rng.correlationId();
    checkApiVersionsResponse(await client.exchange(apiVersionsRequest(correlationId)), correlationId,
      [{ apiKey: API_DESCRIBE_TOPIC_PARTITIONS, maxVersion: 0 }]);
  });

  stage("vt6", "List for an unknown topic", async (s) => {
    await s.start([topicWith(s, s.rng.word(), s.rng.topicUUID(), 1)]);
    const unknown = `UNKNOWN_TOPIC_${s.rng.int(1, 99)}`;
    await describeTopics(s, [unknown], 1, [{ errorCode: 3, name: unknown, topicId: ZERO_UUID, partitions: [] }]);
  });

  stage("ea7", "List for a single partition", async (s) => {
    const topic = topicWith(s, s.rng.word(), s.rng.topicUUID(), 1);
    await s.start([topic]);
    await describeTopics(s, [topic.name], 1, [described(topic)]);
  });

  stage("ku4", "List for multiple partitions", async (s) => {
    const topic = topicWith(s, s.rng.word(), s.rng.topicUUID(), 2);
    await s.start([topic]);
    await describeTopics(s, [topic.name], 2, [described(topic)]);
  });

  stage("wq2", "List for multiple topics", async (s) => {
    const [first, second] = s.rng.words(2);
    const [firstId, secondId] = s.rng.topicUUIDs(2);
    const topics = [topicWith(s, first, firstId, 1), topicWith(s, second, secondId, 2)];
    await s.start(topics);
    // Requested in generation order; the response must come back sorted by name.
    await describeTopics(s, topics.map((t) => t.name), 3, topics.map(described));
  });
});
