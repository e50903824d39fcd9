// The test kit's broker: its own temporary log dir (never shared, removed on close), memory
// storage, and the helpers a suite uses, checked against what KafkaJS sees.
import { existsSync, readdirSync } from "node:fs";
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBroker, type TestBroker } from "../../src/testing/index.ts";
import { consumeWithGroup } from "../clients/support/kafkajs.ts";

describe("startBroker() without a log dir", () => {
  it("gives each broker a fresh temporary dir, never shared, removed by close()", async () => {
    const brokers = await Promise.all([startBroker(), startBroker()]);
    const dirs = brokers.map((b) => b.broker.config.logDirs);
    expect(dirs.every((d) => d.length === 1)).toBe(true);
    expect(dirs[0][0]).not.toBe(dirs[1][0]);
    await brokers[0].createTopics("only-in-the-first");
    expect(readdirSync(dirs[0][0])).toContain("only-in-the-first-0");
    expect(readdirSync(dirs[1][0])).not.toContain("only-in-the-first-0");
    expect(brokers[1].broker.metadata.topicByName("only-in-the-first")).toBeUndefined();
    await Promise.all(brokers.map((b) => b.close()));
    for (const [dir] of dirs) expect(existsSync(dir)).toBe(false);
  });

  it("keeps a log dir it was given", async () => {
    const given = await startBroker();
    const dir = given.broker.config.logDirs[0];
    const again = await startBroker({ logDirs: [dir] });
    await again.close();
    expect(existsSync(dir)).toBe(true);
    await given.close();
  });
});

describe.each(["memory", "files"] as const)("the helpers (%s storage)", (storage) => {
  let broker: TestBroker;
  let kafka: Kafka;
  beforeAll(async () => {
    broker = await startBroker({ storage });
    kafka = new Kafka({ clientId: "kit", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  });
  afterAll(async () => {
    await broker?.close();
  });

  it("creates topics, produces records where the Java partitioner puts them, and reads them back", async () => {
    await broker.createTopics({ topic: "orders", partitions: 3 }, "audit");
    const sent = Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, headers: { n: String(i) } }));
    const placed = await broker.produce("orders", sent);
    const partitioner = Partitioners.DefaultPartitioner();
    const partitionMetadata = [0, 1, 2].map((partitionId) => ({ partitionId, leader: 1 }));
    placed.forEach((p, i) => expect(p.partition).toBe(partitioner({ topic: "orders", partitionMetadata, message: { key: Buffer.from(`k${i}`) } } as never)));

    const read = await broker.readRecords("orders");
    expect(read).toHaveLength(30);
    const sorted = [...read].sort((a, b) => Number(a.headers[0].value) - Number(b.headers[0].value));
    sorted.forEach((r, i) => {
      expect([r.key?.toString(), r.value?.toString(), r.partition, r.offset]).toEqual([`k${i}`, `v${i}`, placed[i].partition, placed[i].offset]);
    });
    expect((await broker.readRecords("orders", { partition: placed[5].partition, fromOffset: placed[5].offset, limit: 1 }))[0].value?.toString()).toBe("v5");

    // What a real consumer sees is what readRecords said.
    const consumed = await consumeWithGroup(kafka, "readers", "orders", 30, true);
    expect(consumed.map((m) => m.value).sort()).toEqual(sent.map((m) => m.value).sort());
  });

  it("lists a group's committed offsets and waits for a group to be stable", async () => {
    await broker.createTopics("commits");
    await broker.produce("commits", [{ value: "a" }, { value: "b" }, { value: "c" }]);
    const consumer = kafka.consumer({ groupId: "stable-group", maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: "commits", fromBeginning: true });
    let seen = 0;
    await consumer.run({ eachMessage: async () => void seen++ });
    await broker.waitForGroup("stable-group", { members: 1 });
    await expect(broker.waitForGroup("stable-group", { members: 2, timeoutMs: 50 })).rejects.toThrow(/Stable with 1 members/);
    await consumer.disconnect();
    await broker.waitForGroup("stable-group", { state: "Empty" });
    expect(seen).toBe(3);
    expect(broker.committedOffsets("stable-group")).toEqual([{ topic: "commits", partition: 0, offset: 3n, metadata: "" }]);
  });

  it("reset() deletes every topic and group, and the names can be used again", async () => {
    await broker.reset();
    expect(broker.broker.metadata.topics()).toEqual([]);
    expect(broker.broker.groupCoordinator.listGroups()).toEqual([]);
    expect(broker.committedOffsets("stable-group")).toEqual([]);
    await broker.createTopics("orders");
    expect(await broker.readRecords("orders")).toEqual([]);
    await broker.produce("orders", [{ value: "fresh" }]);
    expect((await broker.readRecords("orders")).map((r) => [r.offset, r.value?.toString()])).toEqual([[0n, "fresh"]]);
  });

  it("reset() refuses while a group still has members", async () => {
    const consumer = kafka.consumer({ groupId: "still-here", maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: "orders", fromBeginning: true });
    await consumer.run({ eachMessage: async () => {} });
    await broker.waitForGroup("still-here");
    await expect(broker.reset()).rejects.toThrow(/still-here is Stable/);
    await consumer.disconnect();
    await broker.reset();
  });
});
