// storage: "memory": a broker that writes nothing to disk serves KafkaJS end to end, and a broker
// started again on the same engine instance finds the topics, records and committed offsets.
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { afterEach, describe, expect, it } from "vitest";
import { type RunningBroker, startBroker } from "../../src/index.ts";
import { MemoryEngine } from "../../src/storage/memory-engine.ts";
import { loadCodec } from "../../src/codec/index.ts";
import { consumeWithGroup, offsetsByPartition } from "./support/kafkajs.ts";
import { assertDelivered, keyedMessages } from "./support/messages.ts";

const running: RunningBroker[] = [];
afterEach(async () => {
  for (const b of running.splice(0)) await b.close();
});

async function start(options: Parameters<typeof startBroker>[0]): Promise<RunningBroker> {
  const broker = await startBroker({ groupInitialRebalanceDelayMs: 0, ...options });
  running.push(broker);
  return broker;
}

const kafkaFor = (b: RunningBroker) => new Kafka({ clientId: "memory", brokers: [`127.0.0.1:${b.port}`], logLevel: logLevel.NOTHING });

describe('storage: "memory"', () => {
  it("serves a producer and a consumer group without touching the log dir", async () => {
    const logDir = join(tmpdir(), `never-created-${process.pid}-${Date.now()}`);
    const broker = await start({ storage: "memory", logDirs: [logDir] });
    const kafka = kafkaFor(broker);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "m", numPartitions: 2 }] });
    await admin.disconnect();
    const sent = keyedMessages(200, "m");
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic: "m", messages: sent.map((m) => ({ key: m.key, value: m.value, headers: Object.fromEntries(m.headers) })) });
    await producer.disconnect();
    assertDelivered(sent, await consumeWithGroup(kafka, "g", "m", sent.length, true), 2);
    expect(existsSync(logDir)).toBe(false);
  }, 30_000);

  it("keeps topics, records and committed offsets for a broker started again on the same engine", async () => {
    const engine = new MemoryEngine(await loadCodec("js"));
    const first = await start({ storage: engine });
    const producer = kafkaFor(first).producer();
    await producer.connect();
    await producer.send({ topic: "kept", messages: [{ value: "a" }, { value: "b" }] });
    await producer.disconnect();
    await consumeWithGroup(kafkaFor(first), "keeper", "kept", 2, true);
    await first.close();
    running.splice(running.indexOf(first), 1);

    const second = await start({ storage: engine });
    const admin = kafkaFor(second).admin();
    await admin.connect();
    try {
      expect(offsetsByPartition(await admin.fetchTopicOffsets("kept"))).toEqual([[0, "2"]]);
      const [committed] = await admin.fetchOffsets({ groupId: "keeper", topics: ["kept"] });
      expect(offsetsByPartition(committed.partitions)).toEqual([[0, "2"]]);
    } finally {
      await admin.disconnect();
    }
    expect(second.broker.clusterId).toBe(engine.clusterId);
  }, 30_000);
});
