// kafka-python: KafkaAdminClient CreateTopics, 1,000 keyed messages per compression codec this
// install supports, read back by partition assignment from the beginning (no consumer group).
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestBroker, type TestBroker } from "./support/broker.ts";
import { assertDelivered, keyedMessages } from "./support/messages.ts";
import { pythonClient } from "./support/python.ts";
import { expectCompressedWith } from "./support/stored-batches.ts";
import { describeWith } from "../support/system-clients.ts";

const PARTITIONS = 3;
const COUNT = 1000;
// python3-snappy, python3-lz4 and python3-zstandard are installed: kafka-python must offer all four.
const CODECS = ["gzip", "snappy", "lz4", "zstd"] as const;
const client = pythonClient("kafka_python_client.py");

let broker: TestBroker;

beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(async () => {
  await broker?.dispose();
});

describeWith(["kafka-python"], "kafka-python", () => {
  it("supports every compression codec with the installed Debian modules", async () => {
    expect(JSON.parse(await client.run(["codecs"]))).toEqual([...CODECS]);
  }, 30_000);

  it.each(CODECS)("produces 1,000 keyed messages with compression_type=%s and reads them back by assignment", async (codec) => {
    const topic = `kafka-python-${codec}`;
    await client.createTopic(broker.bootstrap, topic, PARTITIONS);
    const sent = keyedMessages(COUNT, topic);
    await client.produce(broker.bootstrap, topic, codec, sent);
    await expectCompressedWith(broker.port, topic, PARTITIONS, codec);
    assertDelivered(sent, await client.consume(broker.bootstrap, topic, PARTITIONS), PARTITIONS);
  }, 90_000);
});
