/**
 * The broker's Prometheus metrics, named as Kafka's JMX exporter names Kafka's MBeans
 * (kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec,topic=t becomes
 * kafka_server_brokertopicmetrics_messagesin_total{topic="t"}), and consumer lag as
 * kafka_exporter names it. Counters move as requests complete (the RequestObserver hook);
 * log offsets, sizes, connections and lag are read from the broker when Prometheus scrapes.
 *
 * prom-client does the exposition format (escaping, histogram buckets, HELP/TYPE) and the
 * standard process and Node.js metrics (process_resident_memory_bytes, nodejs_eventloop_lag_*)
 * that dashboards already know; hand-writing those would be a second, less-tested copy.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Broker } from "../broker.ts";
import type { CompletedRequest, RequestObserver } from "../server/request-observer.ts";
import { ApiKey } from "../protocol/generated/api-keys.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import type { ProduceRequest } from "../protocol/generated/produce-request.ts";
import type { ProduceResponse } from "../protocol/generated/produce-response.ts";
import type { FetchResponse } from "../protocol/generated/fetch-response.ts";
import { readBatchHeader } from "../codec/batch-header.ts";
import { batchSpans } from "../storage/record-batches.ts";
import { committedLag, type PartitionLag } from "./group-lag.ts";
import type { PartitionLog } from "../storage/engine.ts";

export type MetricsBroker = Pick<Broker, "metadata" | "partitionLog" | "groupCoordinator" | "connectionCounts">;

/** Running totals over every topic, for the console's throughput chart. */
export interface Throughput {
  messagesIn: number;
  bytesIn: number;
  messagesOut: number;
  bytesOut: number;
}

const ERROR_NAMES = new Map<number, string>(Object.entries(ErrorCode).map(([name, code]) => [code, name]));

/** Request latency buckets in milliseconds (Kafka's RequestMetrics are in ms too). */
const LATENCY_BUCKETS_MS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

type PartitionLabels = { topic: string; partition: string };

export class BrokerMetrics implements RequestObserver {
  readonly registry = new Registry();
  readonly throughput: Throughput = { messagesIn: 0, bytesIn: 0, messagesOut: 0, bytesOut: 0 };
  private readonly messagesIn: Counter<"topic" | "partition">;
  private readonly bytesIn: Counter<"topic" | "partition">;
  private readonly messagesOut: Counter<"topic" | "partition">;
  private readonly bytesOut: Counter<"topic" | "partition">;
  private readonly requests: Counter<"request" | "version">;
  private readonly errors: Counter<"request" | "error">;
  private readonly totalTime: Histogram<"request">;

  constructor(private readonly broker: MetricsBroker) {
    const registers = [this.registry];
    const partitionCounter = (name: string, help: string) =>
      new Counter({ name, help, labelNames: ["topic", "partition"] as const, registers });
    this.messagesIn = partitionCounter("kafka_server_brokertopicmetrics_messagesin_total", "Records appended by Produce");
    this.bytesIn = partitionCounter("kafka_server_brokertopicmetrics_bytesin_total", "Record batch bytes appended by Produce");
    this.messagesOut = partitionCounter("kafka_server_brokertopicmetrics_messagesout_total", "Records sent in Fetch responses (batch record counts)");
    this.bytesOut = partitionCounter("kafka_server_brokertopicmetrics_bytesout_total", "Record batch bytes sent in Fetch responses");
    this.requests = new Counter({
      name: "kafka_network_requestmetrics_requests_total",
      help: "Requests answered, by API and version",
      labelNames: ["request", "version"] as const,
      registers,
    });
    this.errors = new Counter({
      name: "kafka_network_requestmetrics_errors_total",
      help: "Error codes in responses (every error_code field, NONE included, as Kafka counts them)",
      labelNames: ["request", "error"] as const,
      registers,
    });
    this.totalTime = new Histogram({
      name: "kafka_network_requestmetrics_totaltimems",
      help: "Time from the decoded request to the handler's response, in milliseconds",
      labelNames: ["request"] as const,
      buckets: LATENCY_BUCKETS_MS,
      registers,
    });
    this.registerScrapedGauges(registers);
    collectDefaultMetrics({ register: this.registry });
  }

  requestCompleted({ handler, apiVersion, request, response, latencyMs }: CompletedRequest): void {
    this.requests.inc({ request: handler.name, version: String(apiVersion) });
    this.totalTime.observe({ request: handler.name }, latencyMs);
    const codes = new Map<number, number>();
    countErrorCodes(response, codes);
    for (const [code, count] of codes) this.errors.inc({ request: handler.name, error: ERROR_NAMES.get(code) ?? String(code) }, count);
    if (handler.apiKey === ApiKey.Produce) this.countProduced(request as ProduceRequest, response as ProduceResponse | null);
    else if (handler.apiKey === ApiKey.Fetch) this.countFetched(response as FetchResponse);
  }

  private countProduced(request: ProduceRequest, response: ProduceResponse | null): void {
    request.topicData.forEach((t, ti) => {
      t.partitionData.forEach((p, pi) => {
        // acks=0 has no response: what was sent counts, as Kafka counts it before answering.
        const errorCode = response ? response.responses[ti]?.partitionResponses[pi]?.errorCode : ErrorCode.NONE;
        if (errorCode !== ErrorCode.NONE || !p.records) return;
        const labels = { topic: t.name, partition: String(p.index) };
        const records = recordCount(p.records);
        this.messagesIn.inc(labels, records);
        this.bytesIn.inc(labels, p.records.length);
        this.throughput.messagesIn += records;
        this.throughput.bytesIn += p.records.length;
      });
    });
  }

  private countFetched(response: FetchResponse): void {
    for (const t of response.responses) {
      const topic = t.topic ?? (t.topicId ? this.broker.metadata.topicById(t.topicId)?.name : undefined);
      if (topic === undefined) continue;
      for (const p of t.partitions) {
        if (!p.records || p.records.length === 0) continue;
        const labels = { topic, partition: String(p.partitionIndex) };
        const records = recordCount(p.records);
        this.messagesOut.inc(labels, records);
        this.bytesOut.inc(labels, p.records.length);
        this.throughput.messagesOut += records;
        this.throughput.bytesOut += p.records.length;
      }
    }
  }

  /** Gauges whose values are read from the broker at scrape time. */
  private registerScrapedGauges(registers: Registry[]): void {
    const broker = this.broker;
    // The gauges of one scrape are collected together: each set is read from the broker once for all of them.
    const logs = sharedWhileRunning(() => partitionLogs(broker));
    const lags = sharedWhileRunning(() => committedLag(broker));
    const partitionGauge = (name: string, help: string, value: (log: PartitionLog) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ["topic", "partition"] as const,
        registers,
        async collect() {
          this.reset();
          for (const { labels, log } of await logs()) this.set(labels, value(log));
        },
      });
    partitionGauge("kafka_log_log_logendoffset", "The offset the next record appended to the partition gets", (log) => Number(log.logEndOffset));
    partitionGauge("kafka_log_log_logstartoffset", "The first offset still in the partition's log", (log) => Number(log.logStartOffset));
    partitionGauge("kafka_log_log_size", "Bytes in the partition's log segments", (log) => log.size);
    new Gauge({
      name: "kafka_server_socket_server_metrics_connection_count",
      help: "Open Kafka client connections",
      labelNames: ["listener"] as const,
      registers,
      collect() {
        for (const [listener, count] of broker.connectionCounts()) this.set({ listener }, count);
      },
    });
    const lagGauge = (name: string, help: string, value: (lag: PartitionLag) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ["consumergroup", "topic", "partition"] as const,
        registers,
        async collect() {
          this.reset();
          for (const lag of await lags()) {
            this.set({ consumergroup: lag.groupId, topic: lag.topic, partition: String(lag.partition) }, value(lag));
          }
        },
      });
    lagGauge("kafka_consumergroup_lag", "Log end offset minus the group's committed offset", (l) => l.lag);
    lagGauge("kafka_consumergroup_current_offset", "The group's committed offset", (l) => Number(l.committedOffset));
  }
}

/** `compute`, its one run shared by every caller that asks while it runs. */
function sharedWhileRunning<T>(compute: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () => (running ??= compute().finally(() => (running = undefined)));
}

async function partitionLogs(broker: MetricsBroker): Promise<{ labels: PartitionLabels; log: PartitionLog }[]> {
  const logs: { labels: PartitionLabels; log: PartitionLog }[] = [];
  for (const topic of broker.metadata.topics()) {
    for (const partition of topic.partitions.keys()) {
      const log = await broker.partitionLog(topic.name, partition);
      if (log) logs.push({ labels: { topic: topic.name, partition: String(partition) }, log });
    }
  }
  return logs;
}

/** Sum of the records_count fields of the whole batches in `records` (headers only, no decoding). */
function recordCount(records: Uint8Array): number {
  let count = 0;
  for (const span of batchSpans(records)) count += readBatchHeader(records, span.position).recordsCount;
  return count;
}

/** Counts every `errorCode` field in a response, at any depth (batch bytes are skipped). */
function countErrorCodes(value: unknown, codes: Map<number, number>): void {
  if (value === null || typeof value !== "object" || ArrayBuffer.isView(value)) return;
  if (Array.isArray(value)) {
    for (const item of value) countErrorCodes(item, codes);
    return;
  }
  for (const [key, field] of Object.entries(value)) {
    if (key === "errorCode" && typeof field === "number") codes.set(field, (codes.get(field) ?? 0) + 1);
    else countErrorCodes(field, codes);
  }
}
