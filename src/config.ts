/**
 * Broker configuration from a Kafka-style server.properties file (Kafka's KafkaConfig). Every
 * config the broker reads is a row of BROKER_CONFIGS (name, type, default, validator, doc), which
 * DescribeConfigs also lists; the topic-config synonyms (log.retention.hours, message.max.bytes,
 * ...) resolve into `logConfig`, the default LogConfig of every topic.
 */
import { readFileSync } from "node:fs";
import { type ListenerConfig, type SecurityConfig, listenersFromProperties, securityFromProperties } from "./security/security-config.ts";
import type { StorageEngineName } from "./storage/engine.ts";
import { ConfigException, type ConfigKey, ConfigType, type ConfigValue, atLeast, parseConfigValue } from "./config-def.ts";
import { LOG_BROKER_CONFIGS, type LogConfig, brokerLogConfig } from "./storage/log-config.ts";

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
  /** fetch.max.bytes: the most record bytes one Fetch response carries, whatever the request asks for. */
  fetchMaxBytes: number;
  autoCreateTopicsEnable: boolean;
  numPartitions: number;
  /** The defaults of every topic's configs, from their broker synonyms (log.retention.ms, log.segment.bytes, ...). */
  logConfig: LogConfig;
  /** log.flush.offset.checkpoint.interval.ms: how often the recovery-point and log-start-offset checkpoints are written. */
  logFlushOffsetCheckpointIntervalMs: number;
  /** log.retention.check.interval.ms: how often the retention task looks for segments to delete. */
  logRetentionCheckIntervalMs: number;
  logCleanerEnable: boolean;
  logCleanerBackoffMs: number;
  logCleanerDedupeBufferSize: number;
  offsetsRetentionMinutes: number;
  offsetsRetentionCheckIntervalMs: number;
  /** offsets.topic.segment.bytes: segment.bytes of __consumer_offsets. */
  offsetsTopicSegmentBytes: number;
  deleteTopicEnable: boolean;
  /** The server.properties entries as given (DescribeConfigs' STATIC_BROKER_CONFIG source). */
  staticConfigs: ReadonlyMap<string, string>;
  groupInitialRebalanceDelayMs: number;
  /** quota.window.num: the samples client quota rates are measured over. */
  quotaWindowNum: number;
  /** quota.window.size.seconds: each sample's length. */
  quotaWindowSizeSeconds: number;
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

function broker(name: string, type: ConfigType, defaultValue: string | null, doc: string, validator?: ConfigKey["validator"]): ConfigKey {
  return { name, type, default: defaultValue, doc, validator, readOnly: true };
}

/** Every broker config this broker reads, sorted by name; all read-only (set in server.properties). */
export const BROKER_CONFIGS: readonly ConfigKey[] = [
  broker("advertised.listeners", ConfigType.STRING, null, "The listeners clients are told to connect to (Metadata), if not `listeners`."),
  broker("auto.create.topics.enable", ConfigType.BOOLEAN, "true", "Create a topic when Metadata or Produce names one that does not exist."),
  broker("broker.id", ConfigType.INT, "-1", "The node id, if node.id is not set."),
  broker("broker.heartbeat.interval.ms", ConfigType.INT, "2000", "How often a broker sharing a PostgreSQL engine renews its lease.", atLeast(1)),
  broker("broker.session.timeout.ms", ConfigType.INT, "9000", "How long a broker's lease lasts without renewal (PostgreSQL engine).", atLeast(1)),
  broker("controller.listener.names", ConfigType.LIST, null, "Listeners of the controller, which clients are not served on."),
  broker("delete.topic.enable", ConfigType.BOOLEAN, "true", "Whether DeleteTopics deletes topics (otherwise it answers TOPIC_DELETION_DISABLED)."),
  broker("fetch.max.bytes", ConfigType.INT, "57671680", "The most record bytes one Fetch response carries, whatever the request asks for.", atLeast(1024)),
  broker("group.consumer.assignors", ConfigType.LIST, "uniform,range", "The server-side assignors of KIP-848 consumer groups, the first the default."),
  broker("group.consumer.heartbeat.interval.ms", ConfigType.INT, "5000", "How often KIP-848 consumer group members heartbeat.", atLeast(1)),
  broker("group.consumer.session.timeout.ms", ConfigType.INT, "45000", "How long a KIP-848 consumer group member may go without a heartbeat.", atLeast(1)),
  broker("group.share.delivery.count.limit", ConfigType.INT, "5", "How often a share group delivers a record before it is archived.", atLeast(1)),
  broker("group.share.heartbeat.interval.ms", ConfigType.INT, "5000", "How often share group members heartbeat.", atLeast(1)),
  broker("group.share.partition.max.record.locks", ConfigType.INT, "200", "The most records of one partition a share group has in flight.", atLeast(1)),
  broker("group.share.record.lock.duration.ms", ConfigType.INT, "30000", "How long a share group member holds an acquired record.", atLeast(1)),
  broker("group.share.session.timeout.ms", ConfigType.INT, "45000", "How long a share group member may go without a heartbeat.", atLeast(1)),
  broker("group.initial.rebalance.delay.ms", ConfigType.INT, "3000", "How long a new group waits for more members before its first rebalance.", atLeast(0)),
  broker("group.max.session.timeout.ms", ConfigType.INT, "1800000", "The longest session timeout a member may ask for.", atLeast(1)),
  broker("group.min.session.timeout.ms", ConfigType.INT, "6000", "The shortest session timeout a member may ask for.", atLeast(1)),
  broker("listeners", ConfigType.STRING, "PLAINTEXT://:9092", "The address the broker listens on (the first non-controller listener)."),
  broker("log.cleaner.backoff.ms", ConfigType.LONG, "15000", "How long the cleaner sleeps when there is no log to clean.", atLeast(0)),
  broker("log.cleaner.dedupe.buffer.size", ConfigType.LONG, "134217728", "The memory the cleaner uses to map keys to their latest offsets."),
  broker("log.cleaner.enable", ConfigType.BOOLEAN, "true", "Run the log cleaner, which compacts topics with cleanup.policy=compact."),
  broker("log.dir", ConfigType.STRING, "/tmp/kafka-logs", "The log directory, if log.dirs is not set."),
  broker("log.dirs", ConfigType.LIST, null, "The directories partition logs are kept in."),
  broker("log.flush.offset.checkpoint.interval.ms", ConfigType.INT, "60000", "How often each log dir's recovery-point and log-start-offset checkpoints are written.", atLeast(0)),
  broker("log.retention.check.interval.ms", ConfigType.LONG, "300000", "How often the broker looks for segments to delete by retention.", atLeast(1)),
  broker("node.id", ConfigType.INT, "-1", "This broker's id."),
  broker("num.partitions", ConfigType.INT, "1", "The partition count of topics created without one.", atLeast(1)),
  broker("offsets.retention.check.interval.ms", ConfigType.LONG, "600000", "How often committed offsets are checked for expiry.", atLeast(1)),
  broker("offsets.retention.minutes", ConfigType.INT, "10080", "How long the committed offsets of an empty group are kept.", atLeast(1)),
  broker("offsets.topic.num.partitions", ConfigType.INT, "1", "The partition count of __consumer_offsets (Kafka's default is 50, to spread groups over brokers).", atLeast(1)),
  broker("offsets.topic.segment.bytes", ConfigType.INT, "104857600", "segment.bytes of __consumer_offsets.", atLeast(1)),
  broker("quota.window.num", ConfigType.INT, "11", "How many samples client quota rates are measured over.", atLeast(1)),
  broker("quota.window.size.seconds", ConfigType.INT, "1", "How long each sample of a client quota rate lasts.", atLeast(1)),
  broker("socket.request.max.bytes", ConfigType.INT, "104857600", "The largest request the broker reads; a larger one closes the connection.", atLeast(1)),
  broker("transaction.abort.timed.out.transaction.cleanup.interval.ms", ConfigType.INT, "10000", "How often transactions past their timeout are aborted.", atLeast(1)),
  broker("transaction.max.timeout.ms", ConfigType.INT, "900000", "The longest transaction timeout a producer may ask for.", atLeast(1)),
  broker("transaction.state.log.num.partitions", ConfigType.INT, "1", "The partition count of __transaction_state (Kafka's default is 50, to spread coordinators over brokers).", atLeast(1)),
  ...LOG_BROKER_CONFIGS.map((k) => ({ ...k, readOnly: true })),
].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

export const BROKER_CONFIG_BY_NAME = new Map(BROKER_CONFIGS.map((k) => [k.name, k]));

/** The value of a broker config: from `props` if given there (and not empty), else its default; a bad value throws. */
function brokerValue<T extends ConfigValue>(props: Map<string, string>, name: string): T {
  const key = BROKER_CONFIG_BY_NAME.get(name)!;
  const raw = props.get(name);
  const value = raw === undefined || raw === "" ? key.default : raw;
  if (value === null) throw new ConfigException(`${name} has no default`);
  return parseConfigValue(key, value) as T;
}

export function configFromProperties(props: Map<string, string>, env: Record<string, string | undefined> = {}): BrokerConfig {
  const listeners = listenersFromProperties(props);
  const [first] = listeners;
  const logDirs = (props.get("log.dirs") ?? brokerValue<string>(props, "log.dir"))
    .split(",")
    .map((d) => d.trim())
    .filter(Boolean);
  const int = (name: string) => brokerValue<number>(props, name);
  const bool = (name: string) => brokerValue<boolean>(props, name);
  const nodeId = int("node.id");
  const codec = env.KAFKA_CODEC ?? props.get("codec") ?? "wasm";
  if (codec !== "wasm" && codec !== "js") throw new Error(`codec must be wasm or js, not ${codec}`);
  return {
    nodeId: nodeId >= 0 ? nodeId : int("broker.id") >= 0 ? int("broker.id") : 1,
    host: first.host,
    port: first.port,
    advertisedHost: first.advertisedHost,
    advertisedPort: first.advertisedPort,
    listeners,
    security: securityFromProperties(props),
    logDirs,
    storageEngine: storageEngineProp(props.get("storage.engine") ?? "files"),
    storagePostgresUrl: props.get("storage.postgres.url") || undefined,
    brokerSessionTimeoutMs: int("broker.session.timeout.ms"),
    brokerHeartbeatIntervalMs: int("broker.heartbeat.interval.ms"),
    socketRequestMaxBytes: int("socket.request.max.bytes"),
    fetchMaxBytes: int("fetch.max.bytes"),
    autoCreateTopicsEnable: bool("auto.create.topics.enable"),
    numPartitions: int("num.partitions"),
    logConfig: brokerLogConfig((name) => props.get(name) || undefined),
    logFlushOffsetCheckpointIntervalMs: int("log.flush.offset.checkpoint.interval.ms"),
    logRetentionCheckIntervalMs: int("log.retention.check.interval.ms"),
    logCleanerEnable: bool("log.cleaner.enable"),
    logCleanerBackoffMs: int("log.cleaner.backoff.ms"),
    logCleanerDedupeBufferSize: int("log.cleaner.dedupe.buffer.size"),
    offsetsRetentionMinutes: int("offsets.retention.minutes"),
    offsetsRetentionCheckIntervalMs: int("offsets.retention.check.interval.ms"),
    offsetsTopicSegmentBytes: int("offsets.topic.segment.bytes"),
    deleteTopicEnable: bool("delete.topic.enable"),
    staticConfigs: props,
    groupInitialRebalanceDelayMs: int("group.initial.rebalance.delay.ms"),
    quotaWindowNum: int("quota.window.num"),
    quotaWindowSizeSeconds: int("quota.window.size.seconds"),
    groupMinSessionTimeoutMs: int("group.min.session.timeout.ms"),
    groupMaxSessionTimeoutMs: int("group.max.session.timeout.ms"),
    groupConsumerHeartbeatIntervalMs: int("group.consumer.heartbeat.interval.ms"),
    groupConsumerSessionTimeoutMs: int("group.consumer.session.timeout.ms"),
    groupConsumerAssignors: brokerValue<string[]>(props, "group.consumer.assignors"),
    groupShareHeartbeatIntervalMs: int("group.share.heartbeat.interval.ms"),
    groupShareSessionTimeoutMs: int("group.share.session.timeout.ms"),
    recordLockDurationMs: int("group.share.record.lock.duration.ms"),
    deliveryCountLimit: int("group.share.delivery.count.limit"),
    maxRecordLocks: int("group.share.partition.max.record.locks"),
    // One broker coordinates every group, so one partition (Kafka's default of 50 spreads groups over brokers).
    offsetsTopicNumPartitions: int("offsets.topic.num.partitions"),
    transactionMaxTimeoutMs: int("transaction.max.timeout.ms"),
    // Kafka's default is 50, for the same reason as offsets.topic.num.partitions.
    transactionStateLogNumPartitions: int("transaction.state.log.num.partitions"),
    transactionAbortTimedOutTransactionCleanupIntervalMs: int("transaction.abort.timed.out.transaction.cleanup.interval.ms"),
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
