// A broker closed and started again on the same log dir keeps everything: topics (with their ids
// and partitions, created explicitly or automatically), every record, the offsets it continues
// from, and a consumer group's committed offsets.
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from "@platformatic/kafka";
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBroker, type TestBroker } from "./support/broker.ts";
import { consumeWithGroup, offsetsByPartition } from "./support/kafkajs.ts";
import { assertDelivered, keyedMessages, type SentMessage } from "./support/messages.ts";
import { fetchAll, type StringConsumer } from "./support/platformatic.ts";

const PARTITIONS = 3;
const COUNT = 1000;
const CREATED = "restart-created";
const AUTO = "restart-auto";

let broker: TestBroker;

beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(async () => {
  await broker?.dispose();
});

/** Clients of the broker as it runs now (its port changes on restart); closed by `end`. */
function connect() {
  const options = { bootstrapBrokers: [broker.bootstrap], retries: 2, timeout: 10_000 };
  const admin = new Admin({ clientId: "restart-admin", ...options });
  const producer = new Producer({ clientId: "restart-producer", serializers: stringSerializers, autocreateTopics: true, ...options });
  const consumer: StringConsumer = new Consumer({ clientId: "restart-consumer", groupId: "unused", deserializers: stringDeserializers, ...options });
  return {
    admin,
    producer,
    consumer,
    async send(topic: string, messages: SentMessage[]) {
      await producer.send({ acks: -1, messages: messages.map((m) => ({ topic, key: m.key, value: m.value, headers: new Map(m.headers) })) });
    },
    /** Topic name → [topic id, partition count], as Metadata reports them. */
    async topics() {
      const metadata = await admin.metadata({ topics: [CREATED, AUTO], forceUpdate: true });
      return [...metadata.topics].map(([name, t]) => [name, t.id, t.partitionsCount]).sort();
    },
    async latestOffsets() {
      return [...(await consumer.listOffsets({ topics: [CREATED, AUTO] }))].sort();
    },
    async end() {
      await Promise.all([admin.close(), producer.close(), consumer.close()]);
    },
  };
}

describe("broker restart", () => {
  it("keeps topics, records and offsets across close and start on the same log dir", async () => {
    const sent = keyedMessages(COUNT, CREATED);
    const autoSent = keyedMessages(10, AUTO);
    const half = COUNT / 2;

    const before = connect();
    await before.admin.createTopics({ topics: [CREATED], partitions: PARTITIONS, replicas: 1 });
    await before.send(CREATED, sent.slice(0, half));
    await before.send(AUTO, autoSent); // auto-created by the producer's Metadata request, num.partitions = 1
    const topicsBefore = await before.topics();
    const offsetsBefore = await before.latestOffsets();
    await before.end();

    await broker.restart();

    const after = connect();
    try {
      expect(await after.topics()).toEqual(topicsBefore);
      expect(await after.latestOffsets()).toEqual(offsetsBefore);
      // Appends continue from where the log ended.
      await after.send(CREATED, sent.slice(half));
      assertDelivered(sent, await fetchAll(after.consumer, CREATED, PARTITIONS), PARTITIONS);
      assertDelivered(autoSent, await fetchAll(after.consumer, AUTO, 1), 1);
    } finally {
      await after.end();
    }
  }, 40_000);

  it("lets a consumer group resume from the offsets it committed before the restart", async () => {
    const topic = "restart-group";
    const groupId = "restart-readers";
    const sent = keyedMessages(600, topic);
    const [before, after] = [sent.slice(0, 300), sent.slice(300)];
    // A new client each time: the broker's port changes on restart.
    const kafka = () => new Kafka({ clientId: "restart-kafkajs", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
    const send = async (client: Kafka, messages: SentMessage[]) => {
      const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      try {
        await producer.send({ topic, messages: messages.map((m) => ({ key: m.key, value: m.value, headers: Object.fromEntries(m.headers) })) });
      } finally {
        await producer.disconnect();
      }
    };
    const committed = async (client: Kafka) => {
      const admin = client.admin();
      await admin.connect();
      try {
        const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
        return offsetsByPartition(offsets.partitions);
      } finally {
        await admin.disconnect();
      }
    };

    const first = kafka();
    const admin = first.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
    await admin.disconnect();
    await send(first, before);
    assertDelivered(before, await consumeWithGroup(first, groupId, topic, before.length, true), PARTITIONS);
    const committedBefore = await committed(first);
    expect(committedBefore.reduce((sum, [, offset]) => sum + Number(offset), 0)).toBe(before.length);

    await broker.restart();

    const second = kafka();
    expect(await committed(second)).toEqual(committedBefore);
    await send(second, after);
    // Exactly the new messages: anything read before the restart would come first and be caught.
    assertDelivered(
      after,
      await consumeWithGroup(second, groupId, topic, after.length, true),
      PARTITIONS,
      committedBefore.map(([, offset]) => Number(offset)),
    );
  }, 60_000);
});
