// Consuming-messages stages (§3, Fetch v16).
import { describe } from "vitest";
import { partitionLogBatches, type TopicSpec } from "../helpers/kafka-files.ts";
import { stage, useStageLifecycle, type StageContext } from "../helpers/stage.ts";
import { checkApiVersionsResponse, checkFetchedTopic, type ExpectedFetch } from "../helpers/tester-checks.ts";
import { API_FETCH, apiVersionsRequest, fetchRequest } from "../helpers/tester-requests.ts";
import { checkMessageSize, decodeFetchResponse, fail } from "../helpers/tester-responses.ts";

useStageLifecycle();

async function fetchTopic(s: StageContext, expected: ExpectedFetch): Promise<void> {
  const client = await s.connect();
  const correlationId = s.rng.correlationId();
  const response = await client.exchange(fetchRequest(correlationId, expected.topicId));
  checkMessageSize(response);
  checkFetchedTopic(decodeFetchResponse(response, correlationId, 1), expected);
}

function topicWith(s: StageContext, values: string[]): TopicSpec {
  return { name: s.rng.word(), id: s.rng.topicUUID(), partitions: [values] };
}

describe("Fetch", () => {
  stage("gs0", "Include Fetch in ApiVersions", async (s) => {
    await s.start();
    const client = await s.connect();
    const correlationId = s.rng.correlationId();
    checkApiVersionsResponse(await client.exchange(apiVersionsRequest(correlationId)), correlationId,
      [{ apiKey: API_FETCH, maxVersion: 16 }]);
  });

  stage("dh6", "Fetch with no topics", async (s) => {
    await s.start();
    const client = await s.connect();
    const correlationId = s.rng.correlationId();
    const response = await client.exchange(fetchRequest(correlationId, null));
    checkMessageSize(response);
    const topics = decodeFetchResponse(response, correlationId, 0);
    if (topics.length !== 0) fail(`Expected responses count to be 0, got ${topics.length}`);
  });

  stage("hn6", "Fetch with an unknown topic", async (s) => {
    const [knownId, unknownId] = s.rng.topicUUIDs(2);
    await s.start([{ name: s.rng.word(), id: knownId, partitions: [[s.rng.word()]] }]);
    await fetchTopic(s, { topicId: unknownId, errorCode: 100 });
  });

  stage("cm4", "Fetch with an empty topic", async (s) => {
    const topic = topicWith(s, []);
    await s.start([topic]);
    await fetchTopic(s, { topicId: topic.id, errorCode: 0 });
  });

  stage("eg2", "Fetch single message from disk", async (s) => {
    const topic = topicWith(s, [s.rng.word()]);
    await s.start([topic]);
    await fetchTopic(s, { topicId: topic.id, errorCode: 0, batches: partitionLogBatches(topic.partitions[0]) });
  });

  stage("fd8", "Fetch multiple messages from disk", async (s) => {
    const topic = topicWith(s, s.rng.words(s.rng.int(2, 3)));
    await s.start([topic]);
    await fetchTopic(s, { topicId: topic.id, errorCode: 0, batches: partitionLogBatches(topic.partitions[0]) });
  });
});
