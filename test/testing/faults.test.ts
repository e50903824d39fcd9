// Fault injection as clients see it: each kind (an error code, latency, a dropped connection, no
// answer at all) against KafkaJS and against librdkafka (confluent-kafka). Retriable errors are retried
// through, fatal ones reach the application; nothing is lost or written twice.
import { Kafka, logLevel } from "kafkajs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startBroker, type TestBroker } from "../../src/testing/index.ts";
import { jsonLines, pythonClient } from "../clients/support/python.ts";
import { signal, within } from "../clients/support/wait.ts";
import { describeWith } from "../support/system-clients.ts";

let broker: TestBroker;
beforeAll(async () => {
  broker = await startBroker({ storage: "memory" });
});
afterEach(async () => {
  await broker.reset();
});
afterAll(async () => {
  await broker?.close();
});

const values = async (topic: string) => (await broker.readRecords(topic)).map((r) => r.value?.toString());

describe("faults, with KafkaJS", () => {
  const kafka = (requestTimeout = 30_000) =>
    new Kafka({ clientId: "faults", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, requestTimeout, retry: { retries: 5, initialRetryTime: 50 } });

  async function send(topic: string, value: string, options: { idempotent?: boolean; requestTimeout?: number } = {}) {
    const producer = kafka(options.requestTimeout).producer({ idempotent: options.idempotent, allowAutoTopicCreation: false });
    await producer.connect();
    try {
      return await producer.send({ topic, acks: -1, messages: [{ value }] });
    } finally {
      await producer.disconnect();
    }
  }

  it("retries a retriable error (NOT_LEADER_OR_FOLLOWER) until the fault is used up, and writes once", async () => {
    await broker.createTopics("retried");
    const fault = broker.faults.inject({ api: "Produce", topic: "retried", error: "NOT_LEADER_OR_FOLLOWER", count: 2 });
    await send("retried", "v");
    expect(fault.hits).toBe(2);
    expect(await values("retried")).toEqual(["v"]);
  });

  it("surfaces a fatal error (TOPIC_AUTHORIZATION_FAILED) to the application, for that partition only", async () => {
    await broker.createTopics({ topic: "refused", partitions: 2 });
    broker.faults.inject({ api: "Produce", topic: "refused", partition: 1, error: "TOPIC_AUTHORIZATION_FAILED", count: Infinity });
    const producer = kafka().producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await expect(producer.send({ topic: "refused", messages: [{ value: "no", partition: 1 }] })).rejects.toThrow(/authoriz/i);
      await producer.send({ topic: "refused", messages: [{ value: "yes", partition: 0 }] });
    } finally {
      await producer.disconnect();
    }
    expect(await values("refused")).toEqual(["yes"]);
  });

  it("answers late with latency; past the request timeout the client retries and idempotence keeps one copy", async () => {
    await broker.createTopics("slow");
    const fault = broker.faults.inject({ api: "Produce", topic: "slow", latencyMs: 1_500 });
    await send("slow", "v", { idempotent: true, requestTimeout: 1_000 });
    expect(fault.hits).toBe(1);
    expect(await values("slow")).toEqual(["v"]);
  });

  it("drops the connection; the client reconnects and retries", async () => {
    await broker.createTopics("dropped");
    const fault = broker.faults.inject({ api: "Produce", topic: "dropped", drop: true });
    await send("dropped", "v");
    expect(fault.hits).toBe(1);
    expect(await values("dropped")).toEqual(["v"]);
  });

  it("stops answering until restore(), which lets the held request through", async () => {
    await broker.createTopics("silent");
    const fault = broker.faults.inject({ api: "Produce", topic: "silent", stopAnswering: true });
    const client = kafka(1_000);
    const producer = client.producer({ idempotent: true, allowAutoTopicCreation: false });
    const timedOut = signal();
    producer.on(producer.events.REQUEST_TIMEOUT, () => timedOut.resolve());
    await producer.connect();
    try {
      const sent = producer.send({ topic: "silent", acks: -1, messages: [{ value: "v" }] });
      await within(timedOut.promise, 10_000, "KafkaJS to time the unanswered Produce out");
      expect(fault.hits).toBe(1);
      expect(await values("silent")).toEqual([]);
      broker.faults.restore();
      await sent;
    } finally {
      await producer.disconnect();
    }
    expect(await values("silent")).toEqual(["v"]);
  });

  it("fails a group's FindCoordinator with a retriable error and the consumer still joins", async () => {
    await broker.createTopics("grouped");
    await broker.produce("grouped", [{ value: "a" }]);
    const fault = broker.faults.inject({ api: "FindCoordinator", error: "COORDINATOR_NOT_AVAILABLE", count: 2 });
    const consumer = kafka().consumer({ groupId: "faulty-group", maxWaitTimeInMs: 100, retry: { retries: 5, initialRetryTime: 50 } });
    const got = signal<string>();
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: "grouped", fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => got.resolve(message.value!.toString()) });
      expect(await within(got.promise, 15_000, "the message")).toBe("a");
    } finally {
      await consumer.disconnect();
    }
    expect(fault.hits).toBe(2);
  });
});

describeWith(["confluent-kafka"], "faults, with librdkafka (confluent-kafka)", () => {
  const client = pythonClient("confluent_kafka_faults.py");
  const produce = async (topic: string, value: string, ...config: string[]) =>
    jsonLines<{ offset?: number; error?: string; retriable?: boolean; fatal?: boolean }>(await client.run(["produce", broker.bootstrap, topic, value, ...config]))[0];

  it("retries a retriable error (NOT_LEADER_OR_FOLLOWER) and writes once", async () => {
    await broker.createTopics("l-retried");
    const fault = broker.faults.inject({ api: "Produce", topic: "l-retried", error: "NOT_LEADER_OR_FOLLOWER", count: 2 });
    expect(await produce("l-retried", "v")).toEqual({ offset: 0 });
    expect(fault.hits).toBe(2);
    expect(await values("l-retried")).toEqual(["v"]);
  });

  it("reports a fatal error (TOPIC_AUTHORIZATION_FAILED) as a failed delivery, not retried", async () => {
    await broker.createTopics("l-refused");
    const fault = broker.faults.inject({ api: "Produce", topic: "l-refused", error: "TOPIC_AUTHORIZATION_FAILED", count: Infinity });
    expect(await produce("l-refused", "no")).toMatchObject({ error: "TOPIC_AUTHORIZATION_FAILED", retriable: false });
    expect(fault.hits).toBe(1);
    expect(await values("l-refused")).toEqual([]);
  });

  it("waits out latency on Metadata", async () => {
    await broker.createTopics({ topic: "l-slow", partitions: 2 });
    const fault = broker.faults.inject({ api: "Metadata", latencyMs: 300 });
    expect(jsonLines(await client.run(["metadata", broker.bootstrap, "l-slow"]))).toEqual([{ partitions: 2 }]);
    expect(fault.hits).toBe(1);
  });

  it("reconnects after a dropped connection and writes once", async () => {
    await broker.createTopics("l-dropped");
    const fault = broker.faults.inject({ api: "Produce", topic: "l-dropped", drop: true });
    expect(await produce("l-dropped", "v")).toEqual({ offset: 0 });
    expect(fault.hits).toBe(1);
    expect(await values("l-dropped")).toEqual(["v"]);
  });

  it("times out an unanswered Produce, reconnects and retries: written once", async () => {
    await broker.createTopics("l-silent");
    const fault = broker.faults.inject({ api: "Produce", topic: "l-silent", stopAnswering: true });
    expect(await produce("l-silent", "v", "socket.timeout.ms=1000")).toEqual({ offset: 0 });
    expect(fault.hits).toBe(1);
    expect(await values("l-silent")).toEqual(["v"]);
  });
});

describe("injecting faults", () => {
  it("refuses faults that cannot be built", () => {
    expect(() => broker.faults.inject({ api: "Produce" })).toThrow(/needs error/);
    expect(() => broker.faults.inject({ api: "Produce", drop: true, error: "NONE" as never })).toThrow(/one of them/);
    expect(() => broker.faults.inject({ api: "Produce", partition: 1, error: 6 })).toThrow(/names its topic/);
    expect(() => broker.faults.inject({ api: "ApiVersions", error: "UNKNOWN_SERVER_ERROR" })).toThrow(/not supported/);
    expect(() => broker.faults.inject({ api: "Produce", error: "NO_SUCH_ERROR" as never })).toThrow(/unknown error code/);
  });
});
