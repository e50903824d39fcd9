// GET /metrics as Prometheus reads it: a real client (KafkaJS) produces and consumes, and the
// counters, offsets and a consumer group's lag move as they would on a Kafka broker's exporter.
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestBroker } from "../clients/support/broker.ts";
import { consumeWithGroup } from "../clients/support/kafkajs.ts";
import { httpBase, scrape, startHttpTestBroker, until } from "./support.ts";

const TOPIC = "metered";
const PARTITIONS = 2;
const COUNT = 40;

let broker: TestBroker;
let http: string;
let kafka: Kafka;

beforeAll(async () => {
  broker = await startHttpTestBroker();
  http = httpBase(broker);
  kafka = new Kafka({ clientId: "metrics-test", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
});
afterAll(async () => {
  await broker?.dispose();
});

describe("/metrics", () => {
  it("counts produced records and bytes per partition, and the log offsets and sizes follow", async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
    await admin.disconnect();
    const before = await scrape(http);
    expect(before.sum("kafka_log_log_logendoffset", { topic: TOPIC })).toBe(0);

    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    for (let i = 0; i < COUNT; i += 10) {
      await producer.send({ topic: TOPIC, messages: Array.from({ length: 10 }, (_, j) => ({ key: `k${i + j}`, value: `value-${i + j}` })) });
    }
    await producer.disconnect();

    const after = await scrape(http);
    expect(after.sum("kafka_server_brokertopicmetrics_messagesin_total", { topic: TOPIC })).toBe(COUNT);
    expect(after.sum("kafka_log_log_logendoffset", { topic: TOPIC })).toBe(COUNT);
    expect(after.sum("kafka_log_log_logstartoffset", { topic: TOPIC })).toBe(0);
    const bytesIn = after.sum("kafka_server_brokertopicmetrics_bytesin_total", { topic: TOPIC });
    expect(bytesIn).toBeGreaterThan(COUNT * "value-00".length);
    // Batches are stored as produced, so the log holds exactly the bytes that came in.
    expect(after.sum("kafka_log_log_size", { topic: TOPIC })).toBe(bytesIn);
    expect(after.sum("kafka_network_requestmetrics_requests_total", { request: "Produce" })).toBeGreaterThanOrEqual(COUNT / 10);
    expect(after.sum("kafka_network_requestmetrics_errors_total", { request: "Produce", error: "NONE" })).toBeGreaterThanOrEqual(COUNT / 10);
    // The latency histogram saw every Produce request.
    expect(after.sum("kafka_network_requestmetrics_totaltimems_count", { request: "Produce" }))
      .toBe(after.sum("kafka_network_requestmetrics_requests_total", { request: "Produce" }));
    expect(after.sum("kafka_network_requestmetrics_totaltimems_bucket", { request: "Produce", le: "+Inf" }))
      .toBe(after.sum("kafka_network_requestmetrics_requests_total", { request: "Produce" }));
    expect(after.types.get("kafka_network_requestmetrics_totaltimems")).toBe("histogram");
    expect(after.types.get("kafka_server_brokertopicmetrics_messagesin_total")).toBe("counter");
    expect(after.sum("process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(after.types.get("nodejs_eventloop_lag_seconds")).toBe("gauge");
  });

  it("reports a consumer group's lag until it has caught up, and the bytes it fetched", async () => {
    const admin = kafka.admin();
    await admin.connect();
    // A group that committed offset 0 on both partitions has every record still to read.
    await admin.setOffsets({ groupId: "billing", topic: TOPIC, partitions: [{ partition: 0, offset: "0" }, { partition: 1, offset: "0" }] });
    await admin.disconnect();
    const behind = await scrape(http);
    expect(behind.sum("kafka_consumergroup_lag", { consumergroup: "billing", topic: TOPIC })).toBe(COUNT);
    expect(behind.sum("kafka_consumergroup_current_offset", { consumergroup: "billing" })).toBe(0);

    await consumeWithGroup(kafka, "billing", TOPIC, COUNT, false);
    await until("the group's lag to reach 0", 10_000, async () =>
      (await scrape(http)).sum("kafka_consumergroup_lag", { consumergroup: "billing", topic: TOPIC }) === 0);

    const caughtUp = await scrape(http);
    expect(caughtUp.sum("kafka_consumergroup_current_offset", { consumergroup: "billing", topic: TOPIC })).toBe(COUNT);
    expect(caughtUp.sum("kafka_server_brokertopicmetrics_messagesout_total", { topic: TOPIC })).toBeGreaterThanOrEqual(COUNT);
    expect(caughtUp.sum("kafka_server_brokertopicmetrics_bytesout_total", { topic: TOPIC }))
      .toBeGreaterThanOrEqual(caughtUp.sum("kafka_server_brokertopicmetrics_bytesin_total", { topic: TOPIC }));
    expect(caughtUp.sum("kafka_network_requestmetrics_requests_total", { request: "Fetch" })).toBeGreaterThan(0);
  });

  it("counts open Kafka connections", async () => {
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic: TOPIC, messages: [{ value: "one more" }] });
    expect((await scrape(http)).sum("kafka_server_socket_server_metrics_connection_count")).toBeGreaterThan(0);
    await producer.disconnect();
    await until("the producer's connections to close", 10_000, async () =>
      (await scrape(http)).sum("kafka_server_socket_server_metrics_connection_count") === 0);
  });

  it("counts error codes by name", async () => {
    const admin = kafka.admin();
    await admin.connect();
    await expect(admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }] })).resolves.toBe(false);
    await admin.disconnect();
    expect((await scrape(http)).sum("kafka_network_requestmetrics_errors_total", { request: "CreateTopics", error: "TOPIC_ALREADY_EXISTS" }))
      .toBeGreaterThan(0);
  });
});

describe("HTTP listener authentication", () => {
  it("asks for the token or basic credentials when http.auth.* are set", async () => {
    const secured = await startHttpTestBroker({ httpAuthToken: "s3cret", httpBasicAuthUserInfo: "admin:pa55" });
    try {
      const base = httpBase(secured);
      const anonymous = await fetch(`${base}/metrics`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get("www-authenticate")).toMatch(/^Basic/);
      expect((await fetch(`${base}/api/topics`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
      await expect(scrape(base, { headers: { authorization: "Bearer s3cret" } })).resolves.toBeDefined();
      const basic = `Basic ${Buffer.from("admin:pa55").toString("base64")}`;
      expect((await fetch(`${base}/api/topics`, { headers: { authorization: basic } })).status).toBe(200);
    } finally {
      await secured.dispose();
    }
  });

  it("is off unless configured", async () => {
    const plain = await (await import("../clients/support/broker.ts")).startTestBroker();
    try {
      expect(plain.running.httpAddresses).toEqual([]);
    } finally {
      await plain.dispose();
    }
  });
});
