import { describe, expect, it } from "vitest";
import { ConfigException } from "../../src/config-def.ts";
import { configFromProperties, parseProperties, BROKER_CONFIGS } from "../../src/config.ts";
import {
  DEFAULT_LOG_CONFIG,
  LOG_BROKER_CONFIGS,
  TOPIC_CONFIGS,
  brokerLogConfig,
  topicLogConfig,
  validateTopicConfig,
} from "../../src/storage/log-config.ts";

const broker = (text: string) => configFromProperties(parseProperties(text));

describe("LogConfig", () => {
  it("has Kafka's defaults", () => {
    expect(DEFAULT_LOG_CONFIG).toMatchObject({
      cleanupPolicy: ["delete"],
      retentionMs: 604800000,
      retentionBytes: -1,
      segmentBytes: 1073741824,
      segmentMs: 604800000,
      maxMessageBytes: 1048588,
      messageTimestampType: "CreateTime",
      minCleanableDirtyRatio: 0.5,
      deleteRetentionMs: 86400000,
      fileDeleteDelayMs: 60000,
      minInsyncReplicas: 1,
    });
    expect(TOPIC_CONFIGS.map((k) => k.name)).toEqual([...TOPIC_CONFIGS.map((k) => k.name)].sort());
  });

  it("takes each topic config's default from its broker synonyms, the finest unit first", () => {
    expect(broker("log.retention.hours=1").logConfig.retentionMs).toBe(3_600_000);
    expect(broker("log.retention.hours=1\nlog.retention.minutes=2").logConfig.retentionMs).toBe(120_000);
    expect(broker("log.retention.minutes=2\nlog.retention.ms=5").logConfig.retentionMs).toBe(5);
    expect(broker("log.roll.hours=2").logConfig.segmentMs).toBe(7_200_000);
    expect(broker("message.max.bytes=2000\nlog.segment.bytes=4096\nlog.cleanup.policy=compact,delete").logConfig).toMatchObject({
      maxMessageBytes: 2000,
      segmentBytes: 4096,
      cleanupPolicy: ["compact", "delete"],
    });
    expect(broker("log.retention.check.interval.ms=250").logRetentionCheckIntervalMs).toBe(250);
    expect(broker("").logRetentionCheckIntervalMs).toBe(300000);
  });

  it("refuses a broker config that does not parse or validate, naming it", () => {
    expect(() => broker("log.retention.ms=soon")).toThrow(/log\.retention\.ms/);
    expect(() => broker("log.segment.bytes=1")).toThrow("Invalid value 1 for configuration log.segment.bytes: Value must be at least 14");
    expect(() => brokerLogConfig((n) => (n === "log.message.timestamp.type" ? "Now" : undefined))).toThrow(ConfigException);
  });

  it("lays topic overrides over the broker's defaults, skipping names it does not know", () => {
    const defaults = broker("log.retention.hours=1").logConfig;
    const config = topicLogConfig(defaults, new Map([["retention.bytes", "100"], ["segment.ms", "50"], ["remote.storage.enable", "false"]]));
    expect(config).toMatchObject({ retentionMs: 3_600_000, retentionBytes: 100, segmentMs: 50 });
  });

  it("validates topic configs with Kafka's messages", () => {
    expect(() => validateTopicConfig("retention.ms", "12")).not.toThrow();
    expect(() => validateTopicConfig("retention.ms", "abc")).toThrow("Invalid value abc for configuration retention.ms: Not a number of type LONG");
    expect(() => validateTopicConfig("retention.ms", "-2")).toThrow("Value must be at least -1");
    expect(() => validateTopicConfig("retention.ms", "9223372036854775808")).toThrow("Not a number of type LONG");
    expect(() => validateTopicConfig("max.message.bytes", "2147483648")).toThrow("Not a number of type INT");
    expect(() => validateTopicConfig("cleanup.policy", "compact,shred")).toThrow(/shred/);
    expect(() => validateTopicConfig("min.cleanable.dirty.ratio", "1.5")).toThrow(/no more than 1/);
    expect(() => validateTopicConfig("message.timestamp.type", "LogAppendTime")).not.toThrow();
    expect(() => validateTopicConfig("preallocate", "yes")).toThrow(/true or false/);
    expect(() => validateTopicConfig("no.such.config", "1")).toThrow("Unknown topic config name: no.such.config");
    expect(() => validateTopicConfig("retention.ms", null)).toThrow(ConfigException);
  });

  it("lists every broker synonym once among the broker configs, with its own type and default", () => {
    const names = BROKER_CONFIGS.map((k) => k.name);
    expect(new Set(names).size).toBe(names.length);
    for (const k of LOG_BROKER_CONFIGS) expect(names).toContain(k.name);
    const hours = BROKER_CONFIGS.find((k) => k.name === "log.retention.hours")!;
    expect(hours.default).toBe("168");
    expect(BROKER_CONFIGS.find((k) => k.name === "log.retention.ms")!.default).toBeNull();
  });
});
