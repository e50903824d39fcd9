// @platformatic/kafka (ApiVersions v3+, Metadata 9-12, Produce 7-11, Fetch v17 by topic id,
// ListOffsets 5-9, CreateTopics v7): create, produce keyed messages in every codec it has, read back
// through a consumer group and through group-free fetches, ListOffsets by time, and a long-poll
// Fetch that must wake on the append.
import {
  Admin,
  Consumer,
  MessagesStreamModes,
  Producer,
  stringDeserializers,
  stringSerializers,
  type Message,
} from "@platformatic/kafka";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiLog, logApiVersions } from "./support/api-log.ts";
import { startTestBroker, type TestBroker } from "./support/broker.ts";
import { assertDelivered, keyedMessages, type ReceivedMessage } from "./support/messages.ts";
import { fetchAll, fetchPartition, recordsOf, type StringConsumer, topicId } from "./support/platformatic.ts";
import { storedCompressions } from "./support/stored-batches.ts";
import { signal, within } from "./support/wait.ts";

const PARTITIONS = 3;
const COUNT = 1000;
const TOPIC = "platformatic-keyed";
// zstd needs node:zlib's zstd (Node >= 22.15); the library marks it unavailable on Node 20.
const CODECS = ["none", "gzip", "snappy", "lz4"] as const;
const EARLIEST = -2n;
const LATEST = -1n;

let broker: TestBroker;
let apiLog: ApiLog;
const clients: { close(): Promise<unknown> }[] = [];

beforeAll(async () => {
  broker = await startTestBroker();
  apiLog = logApiVersions(broker.running.broker);
});
afterAll(async () => {
  for (const client of clients.splice(0)) await client.close();
  await broker?.dispose();
});

const base = () => ({ bootstrapBrokers: [broker.bootstrap], retries: 2, timeout: 10_000 });

function admin(): Admin {
  const a = new Admin({ clientId: "platformatic-admin", ...base() });
  clients.push(a);
  return a;
}

function producer(): Producer<string, string, string, string> {
  const p = new Producer({ clientId: "platformatic-producer", serializers: stringSerializers, ...base() });
  clients.push(p);
  return p;
}

function consumer(groupId: string): StringConsumer {
  const c = new Consumer({ clientId: "platformatic-consumer", groupId, deserializers: stringDeserializers, ...base() });
  clients.push(c);
  return c;
}

function received(m: Message<string, string, string, string>): ReceivedMessage {
  return { partition: m.partition, offset: Number(m.offset), key: m.key, value: m.value, headers: [...m.headers.entries()] };
}

describe("@platformatic/kafka", () => {
  const sent = keyedMessages(COUNT, TOPIC);

  it("creates a 3-partition topic and produces 1,000 keyed messages with headers in every codec", async () => {
    const created = await admin().createTopics({ topics: [TOPIC], partitions: PARTITIONS, replicas: 1 });
    expect(created).toMatchObject([{ name: TOPIC, partitions: PARTITIONS, replicas: 1 }]);
    expect(created[0].id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

    const p = producer();
    for (let i = 0; i < sent.length; i += 100) {
      const compression = CODECS[(i / 100) % CODECS.length];
      const result = await p.send({
        acks: -1,
        compression,
        messages: sent.slice(i, i + 100).map((m) => ({ topic: TOPIC, key: m.key, value: m.value, headers: new Map(m.headers) })),
      });
      expect(result.offsets?.length).toBeGreaterThan(0);
    }
    expect(await storedCompressions(broker.port, TOPIC, PARTITIONS)).toEqual(new Set(CODECS));
  }, 30_000);

  it("reads every message back with group-free Fetch v17 requests", async () => {
    assertDelivered(sent, await fetchAll(consumer("unused-fetch-only"), TOPIC, PARTITIONS), PARTITIONS);
  });

  it("reads every message back exactly once through a consumer group from the earliest offset", async () => {
    const c = consumer("platformatic-readers");
    const stream = await c.consume({ topics: [TOPIC], mode: MessagesStreamModes.EARLIEST, autocommit: false, maxWaitTime: 500 });
    const messages: ReceivedMessage[] = [];
    const all = signal();
    stream.on("data", (m: Message<string, string, string, string>) => {
      messages.push(received(m));
      if (messages.length === COUNT) all.resolve();
    });
    try {
      await within(all.promise, 20_000, `${COUNT} messages (got ${messages.length})`);
    } finally {
      await stream.close();
    }
    assertDelivered(sent, messages, PARTITIONS);
  }, 30_000);

  it("answers ListOffsets earliest, latest and by timestamp for a partition with known content", async () => {
    const topic = "platformatic-offsets";
    await admin().createTopics({ topics: [topic], partitions: 1, replicas: 1 });
    const p = producer();
    // Five sends (five batches) with timestamps 1000, 2000, ..., 5000.
    for (let i = 1; i <= 5; i++) {
      await p.send({ acks: -1, messages: [{ topic, partition: 0, key: "k", value: `v${i}`, timestamp: BigInt(i * 1000) }] });
    }
    const c = consumer("unused-offsets");
    const at = async (timestamp: bigint) => (await c.listOffsets({ topics: [topic], timestamp })).get(topic)![0];
    expect(await at(EARLIEST)).toBe(0n);
    expect(await at(LATEST)).toBe(5n);
    expect(await at(2500n)).toBe(2n);
    expect(await at(3000n)).toBe(2n);
    expect(await at(1n)).toBe(0n);
  });

  it("answers a Fetch waiting on an empty partition as soon as a message is produced", async () => {
    const topic = "platformatic-long-poll";
    await admin().createTopics({ topics: [topic], partitions: 1, replicas: 1 });
    const c = consumer("unused-long-poll");
    const id = await topicId(c, topic);
    // Connected and holding metadata before the clock starts, so only the produce is timed.
    const p = producer();
    await p.metadata({ topics: [topic] });

    // The broker parks a Fetch by subscribing to the log's appends: that is the moment to produce.
    const log = (await broker.running.broker.partitionLog(topic, 0))!;
    const parked = signal();
    const onAppend = log.onAppend;
    log.onAppend = function (listener) {
      parked.resolve();
      return onAppend.call(this, listener);
    };
    try {
      const fetched = fetchPartition(c, id, 0, 0n, { maxWaitTime: 10_000, minBytes: 1 });
      await within(parked.promise, 5_000, "the Fetch to wait for data");

      const start = performance.now();
      await p.send({ acks: -1, messages: [{ topic, partition: 0, key: "late", value: "arrival" }] });
      const data = await fetched;
      const latencyMs = performance.now() - start;

      expect(recordsOf(0, data.records ?? [], 0n)).toMatchObject([{ offset: 0, key: "late", value: "arrival" }]);
      expect(latencyMs).toBeLessThan(1000);
    } finally {
      log.onAppend = onAppend;
    }
  });

  it("spoke the versions it needs: topic-id Fetch, flexible Metadata/Produce/ListOffsets, CreateTopics v7", () => {
    expect(apiLog.max("ApiVersions")).toBeGreaterThanOrEqual(3);
    expect(apiLog.max("Metadata")).toBeGreaterThanOrEqual(9);
    expect(apiLog.max("Produce")).toBeGreaterThanOrEqual(7);
    expect(apiLog.max("Fetch")).toBeGreaterThanOrEqual(13);
    expect(apiLog.max("ListOffsets")).toBeGreaterThanOrEqual(5);
    expect(apiLog.max("CreateTopics")).toBe(7);
  });
});
