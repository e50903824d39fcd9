// The HTTP listener shares the broker's event loop: a long message-browser request must not hold
// up Kafka clients, and bad requests get clear HTTP answers.
import { request } from "node:http";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestBroker } from "../clients/support/broker.ts";
import { within } from "../clients/support/wait.ts";
import { runOk } from "../clients/support/process.ts";
import { describeWith } from "../support/system-clients.ts";
import { getJson, httpBase, startHttpTestBroker, until } from "./support.ts";

const BIG_VALUE_BYTES = 256 * 1024;
const BIG_RECORDS = 40;

let broker: TestBroker;
let http: string;
let kafka: Kafka;

beforeAll(async () => {
  broker = await startHttpTestBroker();
  http = httpBase(broker);
  kafka = new Kafka({ clientId: "http-listener-test", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
});
afterAll(async () => {
  await broker?.dispose();
});

describe("HTTP listener", () => {
  it("serves Kafka clients while a long message-browser response is in flight", async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "big", numPartitions: 1 }, { topic: "busy", numPartitions: 1 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < BIG_RECORDS; i++) {
      await producer.send({ topic: "big", messages: [{ key: `big-${i}`, value: Buffer.alloc(BIG_VALUE_BYTES, 0x61 + (i % 26)) }] });
    }

    // A page of every big record (10 MiB read from the log, megabytes of JSON) that the client
    // does not read: the response stays in flight, held by TCP backpressure.
    let ended = false;
    const body: Buffer[] = [];
    const response = await new Promise<import("node:http").IncomingMessage>((resolve, reject) => {
      request(`${http}/api/topics/big/partitions/0/records?offset=0&limit=${BIG_RECORDS}`, resolve).on("error", reject).end();
    });
    response.pause();
    response.on("end", () => (ended = true));

    // Meanwhile Kafka clients produce and read back.
    for (let i = 0; i < 20; i++) await within(producer.send({ topic: "busy", acks: -1, messages: [{ value: `busy ${i}` }] }), 10_000, `produce ${i}`);
    const offsets = await admin.fetchTopicOffsets("busy").catch(async () => {
      await admin.connect();
      return admin.fetchTopicOffsets("busy");
    });
    expect(offsets).toMatchObject([{ partition: 0, high: "20" }]);
    await admin.disconnect();
    await producer.disconnect();
    expect(ended).toBe(false);

    response.on("data", (chunk: Buffer) => body.push(chunk));
    response.resume();
    await within(new Promise((resolve) => response.on("end", resolve)), 20_000, "the message page");
    const page = JSON.parse(Buffer.concat(body).toString("utf8"));
    expect(page.records).toHaveLength(BIG_RECORDS);
    expect(page.records[39]).toMatchObject({ offset: "39", key: { text: "big-39" }, value: { format: "text", size: BIG_VALUE_BYTES, truncated: true } });
  });

  it("answers unknown endpoints, topics and bad input with HTTP errors and a message", async () => {
    const post = (path: string, body: string) => fetch(`${http}${path}`, { method: "POST", body, headers: { "content-type": "application/json" } });
    expect((await fetch(`${http}/api/nothing`)).status).toBe(404);
    expect((await fetch(`${http}/api/topics/no-such-topic`)).status).toBe(404);
    expect((await fetch(`${http}/api/topics/no-such-topic/partitions/0/records`)).status).toBe(404);
    expect((await post("/api/topics", "{not json")).status).toBe(400);
    const invalid = await post("/api/topics", JSON.stringify({ name: "bad name!" }));
    expect(invalid.status).toBe(400);
    expect((await invalid.json()).error).toMatch(/characters other than/);
    expect((await post("/api/topics", JSON.stringify({ name: "twice" }))).status).toBe(201);
    expect((await post("/api/topics", JSON.stringify({ name: "twice" }))).status).toBe(409);
    expect((await fetch(`${http}/metrics`, { method: "DELETE" })).status).toBe(405);
  });

  it("pages through a partition from an offset or a timestamp", async () => {
    const producer = kafka.producer();
    await producer.connect();
    const before = Date.now();
    for (let i = 0; i < 3; i++) await producer.send({ topic: "twice", messages: [{ value: `v${i}`, timestamp: String(before + i * 1000) }] });
    await producer.disconnect();
    const page = await getJson(http, "/api/topics/twice/partitions/0/records?offset=0&limit=2");
    expect(page.records.map((r: { value: { text: string } }) => r.value.text)).toEqual(["v0", "v1"]);
    expect(page.nextOffset).toBe("2");
    const fromTime = await getJson(http, `/api/topics/twice/partitions/0/records?timestamp=${before + 1000}`);
    expect(fromTime.records.map((r: { offset: string }) => r.offset)).toEqual(["1", "2"]);
    const last = await getJson(http, "/api/topics/twice/partitions/0/records?offset=-1");
    expect(last.records.map((r: { offset: string }) => r.offset)).toEqual(["2"]);
  });

  it("describes a running consumer group: its member, assignment, committed offsets and lag", async () => {
    const consumer = kafka.consumer({ groupId: "watchers", maxWaitTimeInMs: 100 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: "busy", fromBeginning: true });
      let seen = 0;
      await consumer.run({ eachMessage: async () => void seen++ });
      await until("the group to settle with its member's assignment", 20_000, async () => {
        const group = await getJson(http, "/api/groups/watchers");
        return group.state === "Stable" && group.members[0]?.assignment.length > 0;
      });
      const group = await getJson(http, "/api/groups/watchers");
      expect(group).toMatchObject({ protocolType: "consumer", members: [{ clientId: "http-listener-test", assignment: [{ topic: "busy", partitions: [0] }] }] });
      await until("the member to commit every record", 20_000, async () =>
        (await getJson(http, "/api/groups/watchers")).offsets.some((o: { committedOffset: string }) => o.committedOffset === "20"));
      expect((await getJson(http, "/api/groups/watchers")).lag).toBe(0);
      expect((await getJson(http, "/api/groups")).find((g: { groupId: string }) => g.groupId === "watchers")).toMatchObject({ members: 1, lag: 0 });
      expect(seen).toBe(20);
    } finally {
      await consumer.disconnect();
    }
  });

  it("inflates gzip batches", async () => {
    const { CompressionTypes } = await import("kafkajs");
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: "twice", compression: CompressionTypes.GZIP, messages: [{ key: "zipped", value: '{"gz":true}' }] });
    await producer.disconnect();
    const page = await getJson(http, "/api/topics/twice/partitions/0/records?offset=3");
    expect(page.records).toMatchObject([{ offset: "3", key: { text: "zipped" }, value: { format: "json", text: '{\n  "gz": true\n}' } }]);

  });
});

describeWith(["kcat"], "HTTP listener with kcat", () => {
  it("names the codec of a batch it cannot decode (snappy) instead of its records", async () => {
    await runOk("kcat", ["-b", broker.bootstrap, "-P", "-t", "twice", "-p", "0", "-z", "snappy"], { input: `${"s".repeat(4000)}\n`, timeoutMs: 20_000 });
    const snappy = await getJson(http, "/api/topics/twice/partitions/0/records?offset=4");
    expect(snappy).toMatchObject({ records: [], undecoded: [{ baseOffset: "4", lastOffset: "4", compression: "snappy", recordsCount: 1 }] });
  });
});
