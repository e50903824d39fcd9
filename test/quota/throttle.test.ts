// Byte-rate quotas set with AlterClientQuotas, as a client sees them: a Produce or Fetch over the
// quota is answered with throttle_time_ms, the connection reads nothing more until that time has
// passed, a throttled Fetch carries no records, and clients without a quota are not held back.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBroker, type TestBroker } from "../clients/support/broker.ts";
import { RawClient } from "../support/raw-client.ts";
import { ApiVersions, Fetch, Produce } from "../support/messages.ts";
import { AlterClientQuotas } from "../handlers/admin-messages.ts";
import { valuesBatch } from "../helpers/record-batch.ts";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";
import { Kafka, logLevel } from "kafkajs";

const BOUND = 10_000;
let broker: TestBroker;
const clients: RawClient[] = [];

beforeAll(async () => {
  // Two samples of 1 s: a burst is measured over 1 s, so throttles are short.
  broker = await startTestBroker({ quotaWindowNum: 2, quotaWindowSizeSeconds: 1 });
  await broker.running.broker.createTopic("metered", 1);
  const admin = await connect("admin");
  const set = await admin.request(AlterClientQuotas.request, AlterClientQuotas.response, 1, {
    entries: ["metered", "metered-kafkajs"].map((entityName) => ({
      entity: [{ entityType: "client-id", entityName }],
      ops: [
        { key: "producer_byte_rate", value: BOUND, remove: false },
        { key: "consumer_byte_rate", value: BOUND, remove: false },
      ],
    })),
    validateOnly: false,
  });
  expect(set.entries.map((e) => e.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await broker?.dispose();
});

async function connect(clientId: string): Promise<RawClient> {
  const c = await RawClient.connect(broker.port);
  c.clientId = clientId;
  clients.push(c);
  return c;
}

/** 1.5 times the bound in one batch: half a second of throttle with the 1 s window. */
const burst = () => valuesBatch(Array.from({ length: 15 }, (_, i) => `${i}`.padEnd(1000, "x")));

const produce = (c: RawClient) =>
  c.request(Produce.request, Produce.response, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: "metered", partitionData: [{ index: 0, records: burst() }] }] });

const fetchFrom = (c: RawClient, fetchOffset: bigint) =>
  c.request(Fetch.request, Fetch.response, 12, {
    replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic: "metered", partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [], rackId: "",
  });

describe("client byte-rate quotas", () => {
  it("answers a Produce over producer_byte_rate with its throttle time, and holds the connection's next request that long", async () => {
    const c = await connect("metered");
    const sent = performance.now();
    const throttled = await produce(c);
    expect(throttled.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
    // (15,000 - 10,000) / 10,000 of the 1 s window, give or take the bytes of the batch framing.
    expect(throttled.throttleTimeMs).toBeGreaterThanOrEqual(450);
    expect(throttled.throttleTimeMs).toBeLessThanOrEqual(600);
    // The throttle starts once the Produce is answered, so the next answer cannot come sooner after the Produce was sent.
    await c.request(ApiVersions.request, ApiVersions.response, 3, { clientSoftwareName: "t", clientSoftwareVersion: "1" });
    expect(performance.now() - sent).toBeGreaterThanOrEqual(throttled.throttleTimeMs!);

    // The same bytes from a client without a quota go through unthrottled.
    expect((await produce(await connect("free"))).throttleTimeMs).toBe(0);
  });

  it("caps a Fetch at what the quota allows in a window, answers one over it with no records and its throttle time, and with the records once it has waited", async () => {
    const c = await connect("metered");
    const throttled = await fetchFrom(c, 0n);
    expect(throttled.throttleTimeMs).toBeGreaterThan(0);
    expect(throttled.responses).toEqual([]);
    // The connection held this request back for the throttle time; the bytes not sent did not count.
    const served = await fetchFrom(c, 0n);
    expect(served.throttleTimeMs).toBe(0);
    // 10,000 bytes a window: one 15 KB batch (a Fetch always carries a whole first batch), not both.
    expect(served.responses[0].partitions[0].records!.length).toBe(burst().length);
  });

  it("slows a KafkaJS producer and consumer over their quota down without failing them", async () => {
    const kafka = new Kafka({ clientId: "metered-kafkajs", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    await broker.running.broker.createTopic("metered-kafkajs", 1);
    const producer = kafka.producer();
    await producer.connect();
    const values = Array.from({ length: 4 }, (_, i) => `${i}`.padEnd(15_000, "y"));
    for (const value of values) await producer.send({ topic: "metered-kafkajs", acks: -1, messages: [{ value }] });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: "metered" });
    await consumer.connect();
    await consumer.subscribe({ topic: "metered-kafkajs", fromBeginning: true });
    const received: string[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer.run({ eachMessage: async ({ message }) => {
        received.push(message.value!.toString());
        if (received.length === values.length) resolve();
      } }).catch(reject);
    });
    await consumer.disconnect();
    expect(received).toEqual(values);
  });
});
