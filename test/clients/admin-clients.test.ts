// The admin calls tools make, through real clients: KafkaJS admin (DeleteGroups, committed offsets
// read back), @platformatic/kafka Admin (offsets committed for an empty group, DeleteGroups,
// OffsetDelete, DescribeLogDirs, AlterClientQuotas / DescribeClientQuotas) and kafka-python's KafkaAdminClient (DeleteGroups).
// The Debian python3-confluent-kafka here (1.7) has none of these admin calls, and no installed
// client sends DescribeCluster: test/handlers/admin-apis.test.ts covers it at protocol level.
import { Admin } from "@platformatic/kafka";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";
import { startTestBroker, type TestBroker } from "./support/broker.ts";
import { jsonLines, pythonClient } from "./support/python.ts";

const TOPIC = "admin-clients";

let broker: TestBroker;
let kafka: Kafka;

beforeAll(async () => {
  broker = await startTestBroker();
  await broker.running.broker.createTopic(TOPIC, 3);
  kafka = new Kafka({ clientId: "kafkajs-admin", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
});
afterAll(async () => {
  await broker?.dispose();
});

async function withKafkaJsAdmin<T>(use: (admin: ReturnType<Kafka["admin"]>) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

async function withPlatformaticAdmin<T>(use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Admin({ clientId: "platformatic-admin", bootstrapBrokers: [broker.bootstrap], retries: 2, timeout: 10_000 });
  try {
    return await use(admin);
  } finally {
    await admin.close();
  }
}

/** Commits offsets for a group without members (KafkaJS's setOffsets would join the group first). */
const setOffsets = (groupId: string, offsets: [number, string][]) =>
  withPlatformaticAdmin((admin) =>
    admin.alterConsumerGroupOffsets({
      groupId,
      topics: [{ name: TOPIC, partitionOffsets: offsets.map(([partition, offset]) => ({ partition, offset: BigInt(offset) })) }],
    }),
  );

const committed = (groupId: string) =>
  withKafkaJsAdmin(async (admin) => {
    const [topic] = await admin.fetchOffsets({ groupId, topics: [TOPIC] });
    return topic.partitions.filter((p) => p.offset !== "-1").map((p) => [p.partition, p.offset]);
  });

describe("KafkaJS admin", () => {
  it("deletes a group with its committed offsets, and names a group that does not exist", async () => {
    await setOffsets("kafkajs-doomed", [[0, "5"], [1, "7"]]);
    expect(await committed("kafkajs-doomed")).toEqual([[0, "5"], [1, "7"]]);
    await withKafkaJsAdmin((admin) => admin.deleteGroups(["kafkajs-doomed"]));
    expect(await committed("kafkajs-doomed")).toEqual([]);
    const failure = await withKafkaJsAdmin((admin) => admin.deleteGroups(["kafkajs-never-existed"])).catch((e: unknown) => e);
    expect(failure).toMatchObject({ name: "KafkaJSDeleteGroupsError", groups: [{ groupId: "kafkajs-never-existed", errorCode: ErrorCode.GROUP_ID_NOT_FOUND }] });
  });
});

describe("@platformatic/kafka Admin", () => {
  it("deletes one partition's committed offsets (OffsetDelete), then the whole group (DeleteGroups)", async () => {
    await setOffsets("platformatic-doomed", [[0, "3"], [2, "9"]]);
    await withPlatformaticAdmin((admin) => admin.deleteConsumerGroupOffsets({ groupId: "platformatic-doomed", topics: [{ name: TOPIC, partitionIndexes: [0] }] }));
    expect(await committed("platformatic-doomed")).toEqual([[2, "9"]]);
    await withPlatformaticAdmin((admin) => admin.deleteGroups({ groups: ["platformatic-doomed"] }));
    expect(await committed("platformatic-doomed")).toEqual([]);
  });

  it("describes the log dir with a size per partition", async () => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: TOPIC, messages: [{ partition: 1, value: "x".repeat(1000) }] });
    await producer.disconnect();
    const [described] = await withPlatformaticAdmin((admin) => admin.describeLogDirs({ topics: [{ name: TOPIC, partitions: [0, 1, 2] }] }));
    expect(described.broker).toBe(1);
    const [dir] = described.results;
    expect(dir.logDir).toBe(broker.logDir);
    const sizes = dir.topics.find((t) => t.name === TOPIC)!.partitions.map((p) => [p.partitionIndex, Number(p.partitionSize)]);
    expect(sizes.map(([p]) => p)).toEqual([0, 1, 2]);
    expect(sizes.find(([p]) => p === 1)![1]).toBeGreaterThan(1000);
    expect(sizes.find(([p]) => p === 0)![1]).toBe(0);
  });

  it("sets a client quota and reads it back", async () => {
    const entity = [{ entityType: "client-id", entityName: "greedy-app" } as const];
    await withPlatformaticAdmin((admin) => admin.alterClientQuotas({ entries: [{ entities: entity, ops: [{ key: "consumer_byte_rate", value: 4096, remove: false }] }] }));
    const entries = await withPlatformaticAdmin((admin) =>
      admin.describeClientQuotas({ components: [{ entityType: "client-id", matchType: 0, match: "greedy-app" }] }),
    );
    expect(entries).toEqual([{ entity, values: [{ key: "consumer_byte_rate", value: 4096 }] }]);
  });
});

describe("kafka-python KafkaAdminClient", () => {
  it("deletes an empty group and reports one that does not exist", async () => {
    await setOffsets("python-doomed", [[0, "1"]]);
    const [results] = jsonLines<Record<string, number>>(await pythonClient("kafka_python_client.py").run(["delete-groups", broker.bootstrap, "python-doomed", "python-missing"]));
    expect(results).toEqual({ "python-doomed": ErrorCode.NONE, "python-missing": ErrorCode.GROUP_ID_NOT_FOUND });
    expect(await committed("python-doomed")).toEqual([]);
  });
});
