/** Broker configuration from a Kafka-style server.properties file. */
import { readFileSync } from "node:fs";
import { type ListenerConfig, type SecurityConfig, listenersFromProperties, securityFromProperties } from "./security/security-config.ts";
import type { StorageEngineName } from "./storage/engine.ts";

export interface BrokerConfig {
  nodeId: number;
  /** Where the first listener listens (an override here wins over what `listeners` says). */
  host: string;
  port: number;
  /** Host and port clients of the first listener are told to connect to (Metadata); undefined = the address they reached. */
  advertisedHost?: string;
  advertisedPort?: number;
  /** Every client listener with its security protocol, TLS and SASL settings; the first is `host`:`port`. */
  listeners: ListenerConfig[];
  security: SecurityConfig;
  logDirs: string[];
  /** storage.engine: "files" (log.dirs, the default), "memory" (nothing on disk, gone when the process ends) or "postgres". */
  storageEngine: StorageEngineName;
  /** storage.postgres.url: the database brokers with storage.engine=postgres share (postgres://user:password@host:port/db). */
  storagePostgresUrl?: string;
  /** broker.session.timeout.ms: how long a broker sharing the storage stays live without renewing its lease. */
  brokerSessionTimeoutMs: number;
  /** broker.heartbeat.interval.ms: how often it renews. */
  brokerHeartbeatIntervalMs: number;
  socketRequestMaxBytes: number;
  /** message.max.bytes: the largest record batch Produce accepts (topics override it with max.message.bytes). */
  messageMaxBytes: number;
  /** fetch.max.bytes: the most record bytes one Fetch response carries, whatever the request asks for. */
  fetchMaxBytes: number;
  autoCreateTopicsEnable: boolean;
  numPartitions: number;
  logSegmentBytes: number;
  logIndexIntervalBytes: number;
  logIndexSizeMaxBytes: number;
  logFlushOffsetCheckpointIntervalMs: number;
  logFlushIntervalMessages: number;
  logFlushIntervalMs: number;
  groupInitialRebalanceDelayMs: number;
  groupMinSessionTimeoutMs: number;
  groupMaxSessionTimeoutMs: number;
  /** KIP-848 consumer groups: group.consumer.heartbeat.interval.ms, .session.timeout.ms, .assignors. */
  groupConsumerHeartbeatIntervalMs: number;
  groupConsumerSessionTimeoutMs: number;
  groupConsumerAssignors: string[];
  /** KIP-932 share groups: group.share.heartbeat.interval.ms, .session.timeout.ms, .record.lock.duration.ms, .delivery.count.limit, .partition.max.record.locks. */
  groupShareHeartbeatIntervalMs: number;
  groupShareSessionTimeoutMs: number;
  recordLockDurationMs: number;
  deliveryCountLimit: number;
  maxRecordLocks: number;
  offsetsTopicNumPartitions: number;
  offsetsRetentionMinutes: number;
  logCleanerEnable: boolean;
  logCleanerBackoffMs: number;
  logCleanerDedupeBufferSize: number;
  offsetsRetentionCheckIntervalMs: number;
  transactionMaxTimeoutMs: number;
  transactionStateLogNumPartitions: number;
  transactionAbortTimedOutTransactionCleanupIntervalMs: number;
  codec: "wasm" | "js";
  verbose: boolean;
  /** http.listeners: where /metrics, the console and /api are served (none = no HTTP listener). */
  httpListeners: HttpListener[];
  /** http.auth.token: when set, every HTTP request needs `Authorization: Bearer <token>` (or basic auth, below). */
  httpAuthToken?: string;
  /** http.auth.basic.user.info: "user:password" accepted as HTTP basic auth (what a browser asks for). */
  httpBasicAuthUserInfo?: string;
}

export interface HttpListener {
  host: string;
  port: number;
}

/** The configuration used when no properties file is given (a single-node KRaft broker). */
export const DEFAULT_PROPERTIES = `process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:9093
listeners=PLAINTEXT://:9092,CONTROLLER://:9093
controller.listener.names=CONTROLLER
log.dirs=/tmp/kraft-combined-logs
http.listeners=http://127.0.0.1:9644
`;

export function parseProperties(text: string): Map<string, string> {
  const props = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith("!")) continue;
    const eq = line.search(/[=:]/);
    if (eq < 0) props.set(line, "");
    else props.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return props;
}

/** "http://127.0.0.1:9644,http://[::1]:9645": the scheme is always http; an empty host would mean every interface. */
function parseHttpListeners(value: string | undefined): HttpListener[] {
  if (!value) return [];
  return value.split(",").map((entry) => {
    const m = /^\s*http:\/\/(\[[^\]]*\]|[^:/]*):(\d+)\/?\s*$/.exec(entry);
    if (!m) throw new Error(`http.listeners entry ${entry.trim()} is not http://host:port`);
    return { host: m[1].replace(/^\[|\]$/g, ""), port: Number(m[2]) };
  });
}

function intProp(props: Map<string, string>, key: string, fallback: number): number {
  const v = props.get(key);
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${key}=${v} is not a number`);
  return n;
}

export function configFromProperties(props: Map<string, string>, env: Record<string, string | undefined> = {}): BrokerConfig {
  const listeners = listenersFromProperties(props);
  const [first] = listeners;
  const logDirs = (props.get("log.dirs") ?? props.get("log.dir") ?? "/tmp/kafka-logs")
    .split(",")
    .map((d) => d.trim())
    .filter(Boolean);
  const codec = env.KAFKA_CODEC ?? props.get("codec") ?? "wasm";
  if (codec !== "wasm" && codec !== "js") throw new Error(`codec must be wasm or js, not ${codec}`);
  return {
    nodeId: intProp(props, "node.id", intProp(props, "broker.id", 1)),
    host: first.host,
    port: first.port,
    advertisedHost: first.advertisedHost,
    advertisedPort: first.advertisedPort,
    listeners,
    security: securityFromProperties(props),
    logDirs,
    storageEngine: storageEngineProp(props.get("storage.engine") ?? "files"),
    storagePostgresUrl: props.get("storage.postgres.url") || undefined,
    brokerSessionTimeoutMs: intProp(props, "broker.session.timeout.ms", 9000),
    brokerHeartbeatIntervalMs: intProp(props, "broker.heartbeat.interval.ms", 2000),
    socketRequestMaxBytes: intProp(props, "socket.request.max.bytes", 104857600),
    messageMaxBytes: intProp(props, "message.max.bytes", 1048588),
    fetchMaxBytes: intProp(props, "fetch.max.bytes", 57671680),
    autoCreateTopicsEnable: (props.get("auto.create.topics.enable") ?? "true") === "true",
    numPartitions: intProp(props, "num.partitions", 1),
    logSegmentBytes: intProp(props, "log.segment.bytes", 1073741824),
    logIndexIntervalBytes: intProp(props, "log.index.interval.bytes", 4096),
    logIndexSizeMaxBytes: intProp(props, "log.index.size.max.bytes", 10485760),
    logFlushOffsetCheckpointIntervalMs: intProp(props, "log.flush.offset.checkpoint.interval.ms", 60000),
    logFlushIntervalMessages: intProp(props, "log.flush.interval.messages", Number.MAX_SAFE_INTEGER),
    logFlushIntervalMs: intProp(props, "log.flush.interval.ms", Number.MAX_SAFE_INTEGER),
    groupInitialRebalanceDelayMs: intProp(props, "group.initial.rebalance.delay.ms", 3000),
    groupMinSessionTimeoutMs: intProp(props, "group.min.session.timeout.ms", 6000),
    groupMaxSessionTimeoutMs: intProp(props, "group.max.session.timeout.ms", 1800000),
    groupConsumerHeartbeatIntervalMs: intProp(props, "group.consumer.heartbeat.interval.ms", 5000),
    groupConsumerSessionTimeoutMs: intProp(props, "group.consumer.session.timeout.ms", 45000),
    groupConsumerAssignors: (props.get("group.consumer.assignors") ?? "uniform,range").split(",").map((a) => a.trim()).filter(Boolean),
    groupShareHeartbeatIntervalMs: intProp(props, "group.share.heartbeat.interval.ms", 5000),
    groupShareSessionTimeoutMs: intProp(props, "group.share.session.timeout.ms", 45000),
    recordLockDurationMs: intProp(props, "group.share.record.lock.duration.ms", 30000),
    deliveryCountLimit: intProp(props, "group.share.delivery.count.limit", 5),
    maxRecordLocks: intProp(props, "group.share.partition.max.record.locks", 200),
    // Kafka's default is 50, to spread groups over many brokers; one broker coordinates every group, so one partition.
    offsetsTopicNumPartitions: intProp(props, "offsets.topic.num.partitions", 1),
    offsetsRetentionMinutes: intProp(props, "offsets.retention.minutes", 10080),
    logCleanerEnable: (props.get("log.cleaner.enable") ?? "true") === "true",
    logCleanerBackoffMs: intProp(props, "log.cleaner.backoff.ms", 15000),
    logCleanerDedupeBufferSize: intProp(props, "log.cleaner.dedupe.buffer.size", 134217728),
    offsetsRetentionCheckIntervalMs: intProp(props, "offsets.retention.check.interval.ms", 600000),
    transactionMaxTimeoutMs: intProp(props, "transaction.max.timeout.ms", 900000),
    // Kafka's default is 50, for the same reason as offsets.topic.num.partitions.
    transactionStateLogNumPartitions: intProp(props, "transaction.state.log.num.partitions", 1),
    transactionAbortTimedOutTransactionCleanupIntervalMs: intProp(props, "transaction.abort.timed.out.transaction.cleanup.interval.ms", 10000),
    codec,
    verbose: env.KAFKA_VERBOSE === "1" || props.get("verbose") === "true",
    httpListeners: parseHttpListeners(props.get("http.listeners")),
    httpAuthToken: props.get("http.auth.token") || undefined,
    httpBasicAuthUserInfo: props.get("http.auth.basic.user.info") || undefined,
  };
}

function storageEngineProp(value: string): StorageEngineName {
  if (value !== "files" && value !== "memory" && value !== "postgres") throw new Error(`storage.engine must be files, memory or postgres, not ${value}`);
  return value;
}

export function loadConfig(path: string | undefined, env: Record<string, string | undefined> = process.env): BrokerConfig {
  const text = path ? readFileSync(path, "utf8") : DEFAULT_PROPERTIES;
  return configFromProperties(parseProperties(text), env);
}
