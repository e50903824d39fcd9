/**
 * Kafka's LogConfig: the topic-level configs a partition's log runs by, each with the broker
 * config (its synonym, from server.properties) that supplies the default. A topic's LogConfig is
 * its overrides (ConfigRecords in the metadata log) over the broker's values over Kafka's defaults.
 */
import { ConfigException, type ConfigKey, ConfigType, type ConfigValue, atLeast, between, listOf, oneOf, parseConfigValue } from "../config-def.ts";

export interface LogConfig {
  cleanupPolicy: string[];
  compressionType: string;
  deleteRetentionMs: number;
  fileDeleteDelayMs: number;
  flushMessages: number;
  flushMs: number;
  indexIntervalBytes: number;
  maxCompactionLagMs: number;
  maxMessageBytes: number;
  messageTimestampAfterMaxMs: number;
  messageTimestampBeforeMaxMs: number;
  messageTimestampType: "CreateTime" | "LogAppendTime";
  minCleanableDirtyRatio: number;
  minCompactionLagMs: number;
  minInsyncReplicas: number;
  preallocate: boolean;
  retentionBytes: number;
  retentionMs: number;
  segmentBytes: number;
  segmentIndexBytes: number;
  segmentJitterMs: number;
  segmentMs: number;
  uncleanLeaderElectionEnable: boolean;
}

/** A broker config standing in for a topic config; `msPerUnit` converts `.minutes` / `.hours` values. */
export interface BrokerSynonym {
  name: string;
  msPerUnit?: number;
}

export interface TopicConfigKey extends ConfigKey {
  field: keyof LogConfig;
  /** In order of precedence, as DescribeConfigs lists them. */
  synonyms: BrokerSynonym[];
}

/** Long.MAX_VALUE: "never" for times and counts. */
export const LONG_MAX = "9223372036854775807";
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

const COMPRESSION_TYPES = ["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"];

function topic(
  name: string,
  field: keyof LogConfig,
  type: ConfigType,
  defaultValue: string,
  synonyms: (string | BrokerSynonym)[],
  doc: string,
  validator?: ConfigKey["validator"],
): TopicConfigKey {
  return { name, field, type, default: defaultValue, doc, validator, synonyms: synonyms.map((s) => (typeof s === "string" ? { name: s } : s)) };
}

/** Every topic config this broker knows, sorted by name as Kafka lists them. */
export const TOPIC_CONFIGS: readonly TopicConfigKey[] = [
  topic("cleanup.policy", "cleanupPolicy", ConfigType.LIST, "delete", ["log.cleanup.policy"],
    'What happens to old segments: "delete" removes them past the retention limits, "compact" keeps the latest record of each key; both may be given.',
    listOf("compact", "delete")),
  topic("compression.type", "compressionType", ConfigType.STRING, "producer", ["compression.type"],
    'The compression of stored batches; "producer" keeps what the producer sent (the only one this broker stores).',
    oneOf(...COMPRESSION_TYPES)),
  topic("delete.retention.ms", "deleteRetentionMs", ConfigType.LONG, "86400000", ["log.cleaner.delete.retention.ms"],
    "How long tombstones are kept in a compacted topic before the cleaner removes them.", atLeast(0)),
  topic("file.delete.delay.ms", "fileDeleteDelayMs", ConfigType.LONG, "60000", ["log.segment.delete.delay.ms"],
    "How long a deleted segment stays on disk (renamed to .deleted) before its file is removed.", atLeast(0)),
  topic("flush.messages", "flushMessages", ConfigType.LONG, LONG_MAX, ["log.flush.interval.messages"],
    "fsync the log once this many records have been appended since the last fsync.", atLeast(1)),
  topic("flush.ms", "flushMs", ConfigType.LONG, LONG_MAX, ["log.flush.interval.ms"],
    "fsync the log once the oldest unflushed append is this old.", atLeast(0)),
  topic("index.interval.bytes", "indexIntervalBytes", ConfigType.INT, "4096", ["log.index.interval.bytes"],
    "At most this many bytes of batches lie between two offset index entries.", atLeast(0)),
  topic("max.compaction.lag.ms", "maxCompactionLagMs", ConfigType.LONG, LONG_MAX, ["log.cleaner.max.compaction.lag.ms"],
    "The longest a record may stay uncompacted.", atLeast(1)),
  topic("max.message.bytes", "maxMessageBytes", ConfigType.INT, "1048588", ["message.max.bytes"],
    "The largest record batch the topic accepts; a larger one is refused with MESSAGE_TOO_LARGE.", atLeast(0)),
  topic("message.timestamp.after.max.ms", "messageTimestampAfterMaxMs", ConfigType.LONG, LONG_MAX, ["log.message.timestamp.after.max.ms"],
    "How far in the future a CreateTime timestamp may be.", atLeast(0)),
  topic("message.timestamp.before.max.ms", "messageTimestampBeforeMaxMs", ConfigType.LONG, LONG_MAX, ["log.message.timestamp.before.max.ms"],
    "How far in the past a CreateTime timestamp may be.", atLeast(0)),
  topic("message.timestamp.type", "messageTimestampType", ConfigType.STRING, "CreateTime", ["log.message.timestamp.type"],
    'CreateTime keeps the producer\'s timestamps; LogAppendTime stamps each batch with the broker\'s clock on append.',
    oneOf("CreateTime", "LogAppendTime")),
  topic("min.cleanable.dirty.ratio", "minCleanableDirtyRatio", ConfigType.DOUBLE, "0.5", ["log.cleaner.min.cleanable.ratio"],
    "The share of a compacted log not yet cleaned above which the cleaner cleans it.", between(0, 1)),
  topic("min.compaction.lag.ms", "minCompactionLagMs", ConfigType.LONG, "0", ["log.cleaner.min.compaction.lag.ms"],
    "The least time a record stays uncompacted.", atLeast(0)),
  topic("min.insync.replicas", "minInsyncReplicas", ConfigType.INT, "1", ["min.insync.replicas"],
    "The replicas that must acknowledge a write with acks=all (this broker is the only one).", atLeast(1)),
  topic("preallocate", "preallocate", ConfigType.BOOLEAN, "false", ["log.preallocate"],
    "Preallocate the file of a new segment."),
  topic("retention.bytes", "retentionBytes", ConfigType.LONG, "-1", ["log.retention.bytes"],
    "The most bytes a partition keeps before its oldest segments are deleted; -1 for no limit.", atLeast(-1)),
  topic("retention.ms", "retentionMs", ConfigType.LONG, "604800000",
    ["log.retention.ms", { name: "log.retention.minutes", msPerUnit: MINUTE_MS }, { name: "log.retention.hours", msPerUnit: HOUR_MS }],
    "How long a segment is kept after its newest record's timestamp before it is deleted; -1 for no limit.", atLeast(-1)),
  topic("segment.bytes", "segmentBytes", ConfigType.INT, "1073741824", ["log.segment.bytes"],
    "A new segment is rolled before an append that would grow the active one past this.", atLeast(14)),
  topic("segment.index.bytes", "segmentIndexBytes", ConfigType.INT, "10485760", ["log.index.size.max.bytes"],
    "The size an offset or time index file is preallocated to.", atLeast(4)),
  topic("segment.jitter.ms", "segmentJitterMs", ConfigType.LONG, "0",
    ["log.roll.jitter.ms", { name: "log.roll.jitter.hours", msPerUnit: HOUR_MS }],
    "The most time subtracted at random from segment.ms, so segments do not all roll at once.", atLeast(0)),
  topic("segment.ms", "segmentMs", ConfigType.LONG, "604800000", ["log.roll.ms", { name: "log.roll.hours", msPerUnit: HOUR_MS }],
    "A new segment is rolled once the active one is this old (since its first append), even if it is not full.", atLeast(1)),
  topic("unclean.leader.election.enable", "uncleanLeaderElectionEnable", ConfigType.BOOLEAN, "false", ["unclean.leader.election.enable"],
    "Whether a replica out of sync may become leader (this broker is the only replica)."),
];

/**
 * The broker configs that are topic-config synonyms, with their own types and defaults: the
 * `.minutes` / `.hours` forms are INTs and the `.ms` forms have no default (the coarser one applies).
 */
export const LOG_BROKER_CONFIGS: readonly ConfigKey[] = TOPIC_CONFIGS.flatMap((t) =>
  t.synonyms.map((s, i): ConfigKey => {
    const last = i === t.synonyms.length - 1;
    const type = s.msPerUnit ? ConfigType.INT : t.type;
    const defaultValue = !last ? null : s.msPerUnit ? String(Number(t.default) / s.msPerUnit) : t.default;
    const unit = s.msPerUnit === HOUR_MS ? " (in hours)" : s.msPerUnit === MINUTE_MS ? " (in minutes)" : "";
    const validator = s.msPerUnit ? undefined : t.validator;
    return { name: s.name, type, default: defaultValue, doc: `The default of the topic config ${t.name}${unit}. ${t.doc}`, validator };
  }),
);

export const TOPIC_CONFIG_BY_NAME: ReadonlyMap<string, TopicConfigKey> = new Map(TOPIC_CONFIGS.map((k) => [k.name, k]));
const BROKER_KEY_BY_NAME = new Map(LOG_BROKER_CONFIGS.map((k) => [k.name, k]));

function assign(config: LogConfig, key: TopicConfigKey, value: ConfigValue): void {
  (config as unknown as Record<string, ConfigValue>)[key.field] = value;
}

/** Kafka's defaults, for logs opened with no broker (the metadata log, tests). */
export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze(
  TOPIC_CONFIGS.reduce((config, key) => {
    assign(config, key, parseConfigValue(key, key.default!));
    return config;
  }, {} as LogConfig),
);

/** `DEFAULT_LOG_CONFIG` with some fields changed. */
export function logConfig(changes: Partial<LogConfig> = {}): LogConfig {
  return { ...DEFAULT_LOG_CONFIG, ...changes };
}

/**
 * The broker's defaults for every topic: for each topic config the first of its synonyms that
 * `brokerValue` has (converted from minutes or hours), else Kafka's default. Throws
 * ConfigException for a value that does not parse or validate.
 */
export function brokerLogConfig(brokerValue: (name: string) => string | undefined): LogConfig {
  const config = logConfig();
  for (const key of TOPIC_CONFIGS) {
    for (const synonym of key.synonyms) {
      const raw = brokerValue(synonym.name);
      if (raw === undefined) continue;
      const value = parseConfigValue(BROKER_KEY_BY_NAME.get(synonym.name)!, raw);
      assign(config, key, synonym.msPerUnit ? (value as number) * synonym.msPerUnit : parseConfigValue(key, raw));
      break;
    }
  }
  return config;
}

/**
 * A topic's LogConfig: its overrides over the broker's defaults. Overrides were validated when
 * written; one this broker cannot use (a metadata log written by a Kafka with other configs) is skipped.
 */
export function topicLogConfig(defaults: LogConfig, overrides: Iterable<[string, string]>): LogConfig {
  const config = { ...defaults };
  for (const [name, raw] of overrides) {
    const key = TOPIC_CONFIG_BY_NAME.get(name);
    if (!key) continue;
    try {
      assign(config, key, parseConfigValue(key, raw));
    } catch (err) {
      if (!(err instanceof ConfigException)) throw err;
    }
  }
  return config;
}

/** Throws ConfigException (INVALID_CONFIG) for a name that is not a topic config or a value it does not accept. */
export function validateTopicConfig(name: string, value: string | null): void {
  const key = TOPIC_CONFIG_BY_NAME.get(name);
  if (!key) throw new ConfigException(`Unknown topic config name: ${name}`);
  if (value === null) throw new ConfigException(`Null value not supported for topic configs: ${name}`);
  parseConfigValue(key, value);
}

/** Whether a log with this policy has old segments deleted by retention. */
export function hasDeletePolicy(config: LogConfig): boolean {
  return config.cleanupPolicy.includes("delete");
}

export function hasCompactPolicy(config: LogConfig): boolean {
  return config.cleanupPolicy.includes("compact");
}
