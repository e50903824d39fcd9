// confluent-kafka for Python (librdkafka 2.0): AdminClient CreateTopics, 1,000 keyed messages per
// compression codec, read back by partition assignment from the beginning (no consumer group).
import { afterAll, beforeAll, it } from "vitest";
import { startTestBroker, type TestBroker } from "./support/broker.ts";
import { assertDelivered, keyedMessages } from "./support/messages.ts";
import { pythonClient } from "./support/python.ts";
import { expectCompressedWith } from "./support/stored-batches.ts";
import { describeWith } from "../support/system-clients.ts";

const PARTITIONS = 3;
const COUNT = 1000;
const CODECS = ["gzip", "snappy", "lz4", "zstd"] as const;
const client = pythonClient("confluent_kafka_client.py");

let broker: TestBroker;

beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(async () => {
  await broker?.dispose();
});

describeWith(["confluent-kafka"], "confluent-kafka (python)", () => {
  it.each(CODECS)("produces 1,000 keyed messages with compression.type=%s and reads them back by assignment", async (codec) => {
    const topic = `confluent-${codec}`;
    await client.createTopic(broker.bootstrap, topic, PARTITIONS);
    const sent = keyedMessages(COUNT, topic);
    await client.produce(broker.bootstrap, topic, codec, sent);
    await expectCompressedWith(broker.port, topic, PARTITIONS, codec);
    assertDelivered(sent, await client.consume(broker.bootstrap, topic, PARTITIONS), PARTITIONS);
  }, 90_000);
});
