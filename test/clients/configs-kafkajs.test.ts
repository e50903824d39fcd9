// Topic configs through KafkaJS admin: CreateTopics with configs (and INVALID_CONFIG), DescribeConfigs
// of a topic and of the broker, AlterConfigs, overrides surviving a restart, max.message.bytes
// enforced, retention by size and by time (the retention check triggered directly), and
// admin.deleteTopicRecords moving the earliest offset consumers start from.
import { ConfigResourceTypes, Kafka, logLevel, Partitioners } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FilesEngine } from "../../src/storage/files-engine.ts";
import { startTestBroker, type TestBroker } from "./support/broker.ts";
import { within } from "./support/wait.ts";

let broker: TestBroker;
let kafka: Kafka;

const connect = () => new Kafka({ clientId: "configs-test", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });

beforeAll(async () => {
  broker = await startTestBroker({ properties: { "log.retention.hours": "24" } });
  kafka = connect();
});
afterAll(async () => {
  await broker?.dispose();
});

async function withAdmin<T>(use: (admin: ReturnType<Kafka["admin"]>) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

async function topicConfigs(topic: string): Promise<Map<string, { value: string; source: number }>> {
  const described = await withAdmin((admin) =>
    admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }], includeSynonyms: false }),
  );
  return new Map(described.resources[0].configEntries.map((e) => [e.configName, { value: e.configValue, source: (e as { configSource?: number }).configSource ?? -1 }]));
}

/** One batch per send, so a small segment.bytes gives one segment per message. */
async function produceEach(topic: string, values: string[], timestamp?: number): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    for (const value of values) await producer.send({ topic, messages: [{ value, timestamp: timestamp?.toString() }] });
  } finally {
    await producer.disconnect();
  }
}

async function earliest(topic: string): Promise<number> {
  const offsets = await withAdmin((admin) => admin.fetchTopicOffsets(topic));
  return Number(offsets[0].low);
}

/** The first message a new consumer group reading from the beginning receives. */
async function firstFromBeginning(topic: string, groupId: string): Promise<{ offset: number; value: string }> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let resolve!: (m: { offset: number; value: string }) => void;
    const first = new Promise<{ offset: number; value: string }>((r) => (resolve = r));
    await consumer.run({ eachMessage: async ({ message }) => resolve({ offset: Number(message.offset), value: message.value!.toString() }) });
    return await within(first, 20_000, `a message of ${topic}`);
  } finally {
    await consumer.disconnect();
  }
}

const retentionCheck = () => (broker.running.broker.storage as FilesEngine).cleanupLogs();

describe("topic configs through KafkaJS", () => {
  it("creates a topic with configs, describes them with their source, and refuses a bad value with INVALID_CONFIG", async () => {
    await withAdmin(async (admin) => {
      await admin.createTopics({
        topics: [{ topic: "configured", configEntries: [{ name: "max.message.bytes", value: "2000" }, { name: "cleanup.policy", value: "delete" }] }],
      });
      await expect(admin.createTopics({ topics: [{ topic: "bad", configEntries: [{ name: "retention.ms", value: "soon" }] }] })).rejects.toMatchObject({
        errors: [expect.objectContaining({ type: "INVALID_CONFIG" })],
      });
      await expect(admin.createTopics({ topics: [{ topic: "bad", configEntries: [{ name: "no.such.config", value: "1" }] }] })).rejects.toThrow();
    });
    const configs = await topicConfigs("configured");
    expect(configs.get("max.message.bytes")).toEqual({ value: "2000", source: 1 }); // TOPIC_CONFIG
    expect(configs.get("retention.ms")).toEqual({ value: "86400000", source: 4 }); // STATIC_BROKER_CONFIG: log.retention.hours=24
    expect(configs.get("segment.bytes")).toEqual({ value: "1073741824", source: 5 }); // DEFAULT_CONFIG
    expect((await withAdmin((admin) => admin.fetchTopicMetadata({ topics: ["bad"] })).catch(() => undefined))?.topics ?? []).toEqual([]);
  });

  it("describes the broker's configs", async () => {
    const described = await withAdmin((admin) => admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: "1" }], includeSynonyms: false }));
    const entries = new Map(described.resources[0].configEntries.map((e) => [e.configName, e]));
    expect(entries.get("log.retention.hours")).toMatchObject({ configValue: "24", readOnly: true });
    expect(entries.get("message.max.bytes")).toMatchObject({ configValue: "1048588" });
  });

  it("enforces max.message.bytes with MESSAGE_TOO_LARGE", async () => {
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, retry: { retries: 0 } });
    await producer.connect();
    try {
      await producer.send({ topic: "configured", messages: [{ value: "small" }] });
      await expect(producer.send({ topic: "configured", messages: [{ value: "x".repeat(5000) }] })).rejects.toMatchObject({ type: "MESSAGE_TOO_LARGE" });
    } finally {
      await producer.disconnect();
    }
  });

  it("alters a topic's configs, and the overrides survive a restart", async () => {
    await withAdmin((admin) =>
      admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: "configured", configEntries: [{ name: "max.message.bytes", value: "9000" }, { name: "retention.bytes", value: "123456" }] }],
      }),
    );
    await broker.restart();
    kafka = connect();
    const configs = await topicConfigs("configured");
    expect(configs.get("max.message.bytes")?.value).toBe("9000");
    expect(configs.get("retention.bytes")?.value).toBe("123456");
    // cleanup.policy was not given again: AlterConfigs replaces the whole set of overrides.
    expect(configs.get("cleanup.policy")?.source).toBe(5);
    await produceEach("configured", ["x".repeat(5000)]);
  });

  it("deletes the oldest segments beyond retention.bytes; consumers from the beginning start at the new earliest offset", async () => {
    await withAdmin((admin) =>
      admin.createTopics({ topics: [{ topic: "by-size", configEntries: [{ name: "segment.bytes", value: "100" }, { name: "retention.bytes", value: "250" }] }] }),
    );
    await produceEach("by-size", Array.from({ length: 8 }, (_, i) => `value-${i}`));
    expect(await earliest("by-size")).toBe(0);
    expect(retentionCheck()).toBeGreaterThan(0);
    const start = await earliest("by-size");
    expect(start).toBeGreaterThan(0);
    expect(await firstFromBeginning("by-size", "by-size-reader")).toEqual({ offset: start, value: `value-${start}` });
  });

  it("deletes the segments whose newest record is older than retention.ms", async () => {
    await withAdmin((admin) =>
      admin.createTopics({ topics: [{ topic: "by-time", configEntries: [{ name: "segment.bytes", value: "100" }, { name: "retention.ms", value: "3600000" }] }] }),
    );
    const twoHoursAgo = Date.now() - 2 * 3_600_000;
    await produceEach("by-time", ["old-0", "old-1", "old-2"], twoHoursAgo);
    await produceEach("by-time", ["new-3"]);
    retentionCheck();
    expect(await earliest("by-time")).toBe(3);
    expect(await firstFromBeginning("by-time", "by-time-reader")).toEqual({ offset: 3, value: "new-3" });
  });

  it("moves the earliest offset with admin.deleteTopicRecords", async () => {
    await withAdmin((admin) => admin.createTopics({ topics: [{ topic: "trimmed" }] }));
    await produceEach("trimmed", Array.from({ length: 10 }, (_, i) => `value-${i}`));
    await withAdmin(async (admin) => {
      // KafkaJS looks the partition leaders up in metadata it must have loaded first.
      await admin.fetchTopicMetadata({ topics: ["trimmed"] });
      await admin.deleteTopicRecords({ topic: "trimmed", partitions: [{ partition: 0, offset: "6" }] });
    });
    expect(await earliest("trimmed")).toBe(6);
    expect(await firstFromBeginning("trimmed", "trimmed-reader")).toEqual({ offset: 6, value: "value-6" });
  });
});
