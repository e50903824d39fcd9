// Producing-messages stages (§3, Produce v11), with the on-disk CRC check.
import { describe } from "vitest";
import type { TopicSpec } from "../helpers/kafka-files.ts";
import { encodeRecordBatch } from "../helpers/record-batch.ts";
import { stage, useStageLifecycle, type StageContext } from "../helpers/stage.ts";
import {
  PRODUCE_SUCCESS, PRODUCE_UNKNOWN, checkApiVersionsResponse, checkLogFileOnDisk, checkProducedTopics,
  type ExpectedProducePartition,
} from "../helpers/tester-checks.ts";
import type { TesterClient } from "../helpers/tester-client.ts";
import {
  API_PRODUCE, apiVersionsRequest, produceBatch, produceRequest, type ProduceTopic,
} from "../helpers/tester-requests.ts";
import { checkMessageSize, decodeProduceResponse } from "../helpers/tester-responses.ts";

useStageLifecycle();

/** Topics whose partitions all have empty logs (every Produce stage but zf2). */
function emptyTopic(s: StageContext, name: string, partitionCount: number): TopicSpec {
  return { name, id: s.rng.topicUUID(), partitions: Array.from({ length: partitionCount }, () => []) };
}

/** One batch of 2–3 distinct words per partition (ct4, ov0). */
function produceToAll(s: StageContext, topics: TopicSpec[]): ProduceTopic[] {
  return topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((_, index) => ({ index, values: s.rng.words(s.rng.int(2, 3)) })),
  }));
}

async function produce(
  s: StageContext, client: TesterClient, topics: ProduceTopic[], expected: ExpectedProducePartition, checkDisk: boolean,
): Promise<void> {
  const correlationId = s.rng.correlationId();
  const response = await client.exchange(produceRequest(correlationId, topics));
  checkMessageSize(response);
  checkProducedTopics(decodeProduceResponse(response, correlationId), topics, expected);
  if (!checkDisk) return;
  for (const topic of topics) {
    for (const { index, values } of topic.partitions) {
      const sentCrc = encodeRecordBatch(produceBatch(values)).readUInt32BE(17);
      await checkLogFileOnDisk(s.logDir, topic.name, index, sentCrc);
    }
  }
}

describe("Produce", () => {
  stage("xz1", "Include Produce in ApiVersions", async (s) => {
    await s.start();
    const client = await s.connect();
    const correlationId = s.rng.correlationId();
    checkApiVersionsResponse(await client.exchange(apiVersionsRequest(correlationId)), correlationId,
      [{ apiKey: API_PRODUCE, maxVersion: 11 }]);
  });

  stage("zf2", "Respond for invalid topic or partition", async (s) => {
    const [existing, missing] = s.rng.words(2);
    await s.start([{ name: existing, id: s.rng.topicUUID(), partitions: [[s.rng.word()]] }]);
    const client = await s.connect();
    const unknownPartition = { index: s.rng.int(100, 999), values: [s.rng.word()] };
    await produce(s, client, [{ name: existing, partitions: [unknownPartition] }], PRODUCE_UNKNOWN, false);
    await produce(s, client, [{ name: missing, partitions: [{ index: 0, values: [s.rng.word()] }] }], PRODUCE_UNKNOWN, false);
  });

  stage("gg1", "Respond for valid topic and partition", async (s) => {
    const topic = emptyTopic(s, s.rng.word(), 1);
    await s.start([topic]);
    const request = [{ name: topic.name, partitions: [{ index: 0, values: [s.rng.word()] }] }];
    await produce(s, await s.connect(), request, PRODUCE_SUCCESS, false);
  });

  stage("ls8", "Produce a single record", async (s) => {
    const topic = emptyTopic(s, s.rng.word(), 1);
    await s.start([topic]);
    const request = [{ name: topic.name, partitions: [{ index: 0, values: [s.rng.word()] }] }];
    await produce(s, await s.connect(), request, PRODUCE_SUCCESS, true);
  });

  stage("yd8", "Produce multiple records", async (s) => {
    const topic = emptyTopic(s, s.rng.word(), 1);
    await s.start([topic]);
    const request = [{ name: topic.name, partitions: [{ index: 0, values: s.rng.words(s.rng.int(2, 3)) }] }];
    await produce(s, await s.connect(), request, PRODUCE_SUCCESS, true);
  });

  stage("ct4", "Produce to multiple partitions", async (s) => {
    const topics = [emptyTopic(s, s.rng.word(), s.rng.int(2, 3))];
    await s.start(topics);
    await produce(s, await s.connect(), produceToAll(s, topics), PRODUCE_SUCCESS, true);
  });

  stage("ov0", "Produce to multiple partitions of multiple topics", async (s) => {
    const topics = s.rng.words(2).map((name) => emptyTopic(s, name, s.rng.int(1, 2)));
    await s.start(topics);
    await produce(s, await s.connect(), produceToAll(s, topics), PRODUCE_SUCCESS, true);
  });
});
