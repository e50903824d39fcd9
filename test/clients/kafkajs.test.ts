// kafkajs 2.2: admin CreateTopics, a GZIP producer with the Java-compatible (murmur2) partitioner,
// a consumer group reading from the beginning, and ListOffsets through admin.fetchTopicOffsets.
import { CompressionTypes, Kafka, logLevel, Partitioners } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBroker, type TestBroker } from "./support/broker.ts";
import { consumeWithGroup, offsetsByPartition } from "./support/kafkajs.ts";
import { assertDelivered, keyedMessages } from "./support/messages.ts";
import { storedCompressions } from "./support/stored-batches.ts";

const PARTITIONS = 3;
const COUNT = 1000;
const TOPIC = "kafkajs-gzip";

let broker: TestBroker;
let kafka: Kafka;

beforeAll(async () => {
  broker = await startTestBroker();
  kafka = new Kafka({ clientId: "kafkajs-test", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
});
afterAll(async () => {
  await broker?.dispose();
});

describe("kafkajs", () => {
  const sent = keyedMessages(COUNT, TOPIC);

  it("creates a 3-partition topic and produces 1,000 keyed GZIP messages with headers", async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }], waitForLeaders: true })).toBe(true);
      const { topics } = await admin.fetchTopicMetadata({ topics: [TOPIC] });
      expect(topics[0].partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);
    } finally {
      await admin.disconnect();
    }

    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      // In sends of 100, so each request carries multi-record compressed batches for several partitions.
      for (let i = 0; i < sent.length; i += 100) {
        const results = await producer.send({
          topic: TOPIC,
          compression: CompressionTypes.GZIP,
          messages: sent.slice(i, i + 100).map((m) => ({ key: m.key, value: m.value, headers: Object.fromEntries(m.headers) })),
        });
        for (const r of results) expect(r.errorCode).toBe(0);
      }
    } finally {
      await producer.disconnect();
    }
    expect(await storedCompressions(broker.port, TOPIC, PARTITIONS)).toEqual(new Set(["gzip"]));
  }, 30_000);

  it("reports each partition's earliest and latest offset (ListOffsets)", async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(TOPIC);
      expect(offsets.map((o) => o.partition).sort()).toEqual([0, 1, 2]);
      for (const o of offsets) expect(o.low).toBe("0");
      expect(offsets.reduce((sum, o) => sum + Number(o.high), 0)).toBe(COUNT);
      // Every partition got some of the 50 keys.
      for (const o of offsets) expect(Number(o.high)).toBeGreaterThan(0);
    } finally {
      await admin.disconnect();
    }
  });

  it("adds partitions (CreatePartitions) and deletes a topic with its records (DeleteTopics)", async () => {
    const topic = "kafkajs-admin";
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      await producer.send({ topic, messages: [{ key: "k", value: "before delete" }] });
      await admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] });
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(topics[0].partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2, 3]);

      await admin.deleteTopics({ topics: [topic] });
      expect(await admin.listTopics()).not.toContain(topic);
      // Created again under the same name, it starts empty.
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      expect(await admin.fetchTopicOffsets(topic)).toMatchObject([{ partition: 0, low: "0", high: "0" }]);
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  });

  it("reads every message back exactly once through a consumer group, and commits its position", async () => {
    const groupId = "kafkajs-readers";
    const received = await consumeWithGroup(kafka, groupId, TOPIC, COUNT, true);
    assertDelivered(sent, received, PARTITIONS);

    const admin = kafka.admin();
    await admin.connect();
    try {
      // The latest offset of each partition is the number of messages read from it; the group committed it.
      const latest = offsetsByPartition(await admin.fetchTopicOffsets(TOPIC));
      const counts = [0, 1, 2].map((p): [number, string] => [p, String(received.filter((m) => m.partition === p).length)]);
      expect(latest).toEqual(counts);
      const [committed] = await admin.fetchOffsets({ groupId, topics: [TOPIC] });
      expect(offsetsByPartition(committed.partitions)).toEqual(latest);
    } finally {
      await admin.disconnect();
    }
  }, 40_000);
});
