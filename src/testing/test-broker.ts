/**
 * A broker for test suites, with the helpers a suite needs: create topics, produce and read back
 * records, list committed offsets, wait until a group is stable, reset everything between tests,
 * and inject faults. The helpers act on the broker in-process (they are the test's own setup and
 * checks, so faults never hit them); clients under test connect to `bootstrap`.
 */
import { readBatchHeader } from "../codec/batch-header.ts";
import type { GroupState } from "../coordinator/group-metadata.ts";
import { decodeBatch } from "../http/message-browser.ts";
import { type RunningBroker, type StartBrokerOptions, startBroker as startRunningBroker } from "../index.ts";
import type { Broker } from "../broker.ts";
import { OFFSET_OUT_OF_RANGE } from "../storage/engine.ts";
import { batchSpans } from "../storage/record-batches.ts";
import { partitionForKey } from "./default-partitioner.ts";
import { FaultInjector } from "./faults.ts";

export type Bytes = string | Uint8Array;

export interface TopicSpec {
  topic: string;
  /** Default 1. */
  partitions?: number;
}

export interface ProducedRecord {
  key?: Bytes | null;
  value: Bytes | null;
  headers?: Record<string, Bytes>;
  /** Default: the key's partition as the Java client's default partitioner picks it, else partition 0. */
  partition?: number;
  /** Default: now. */
  timestamp?: number | bigint;
}

export interface RecordMetadata {
  partition: number;
  offset: bigint;
}

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: bigint;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: string; value: Buffer | null }[];
}

export interface CommittedOffset {
  topic: string;
  partition: number;
  offset: bigint;
  metadata: string;
}

export interface WaitForGroupOptions {
  /** Default "Stable". */
  state?: GroupState;
  /** Also wait until the group has exactly this many members. */
  members?: number;
  /** Default 10 000. */
  timeoutMs?: number;
}

/** What a test broker and a test cluster both offer. */
export interface Helpers {
  /** What clients bootstrap from: "127.0.0.1:<port>" (a cluster: every live broker, comma-separated). */
  readonly bootstrap: string;
  createTopics(...topics: (string | TopicSpec)[]): Promise<void>;
  produce(topic: string, records: ProducedRecord[]): Promise<RecordMetadata[]>;
  readRecords(topic: string, options?: { partition?: number; fromOffset?: bigint | number; limit?: number }): Promise<ConsumedRecord[]>;
  /** As the group's coordinator has them. */
  committedOffsets(groupId: string): CommittedOffset[];
  waitForGroup(groupId: string, options?: WaitForGroupOptions): Promise<void>;
  /** Deletes every topic and every group (with its offsets), and restores faults; groups must have no members left. */
  reset(): Promise<void>;
}

export interface TestBroker extends RunningBroker, Helpers {
  readonly faults: FaultInjector;
}

/** startBroker() from the package, for tests: consumer groups rebalance at once (group.initial.rebalance.delay.ms=0). */
export async function startBroker(options: StartBrokerOptions = {}): Promise<TestBroker> {
  const running = await startRunningBroker({ groupInitialRebalanceDelayMs: 0, ...options });
  return withHelpers(running);
}

/** The helpers bound to one running broker. */
export function withHelpers(running: RunningBroker): TestBroker {
  const { broker } = running;
  const faults = new FaultInjector();
  broker.requestInterceptors.unshift(faults.interceptor);
  return {
    ...running,
    bootstrap: `127.0.0.1:${running.port}`,
    faults,
    createTopics: (...topics) => createTopics(broker, topics),
    produce: (topic, records) => produce(broker, topic, records),
    readRecords: (topic, options) => readRecords(broker, topic, options),
    committedOffsets: (groupId) => committedOffsets(broker, groupId),
    waitForGroup: (groupId, options) => waitForGroup(broker, groupId, options),
    async reset() {
      faults.restore();
      await resetBroker(broker);
    },
    close: () => {
      faults.restore();
      return running.close();
    },
  };
}

export async function createTopics(broker: Broker, topics: (string | TopicSpec)[]): Promise<void> {
  for (const t of topics) {
    const { topic, partitions = 1 } = typeof t === "string" ? { topic: t } : t;
    await broker.createTopic(topic, partitions);
  }
}

const bytes = (b: Bytes): Uint8Array => (typeof b === "string" ? Buffer.from(b) : b);

/** One batch per partition, appended as a producer with acks=all would have them appended. */
export async function produce(broker: Broker, topic: string, records: ProducedRecord[]): Promise<RecordMetadata[]> {
  const t = broker.metadata.topicByName(topic);
  if (!t) throw new Error(`unknown topic ${topic}`);
  const byPartition = new Map<number, { record: ProducedRecord; index: number }[]>();
  records.forEach((record, index) => {
    const partition = record.partition ?? (record.key != null ? partitionForKey(bytes(record.key), t.partitions.size) : 0);
    if (!t.partitions.has(partition)) throw new Error(`${topic} has no partition ${partition}`);
    byPartition.set(partition, [...(byPartition.get(partition) ?? []), { record, index }]);
  });
  const result: RecordMetadata[] = new Array(records.length);
  for (const [partition, entries] of byPartition) {
    const now = BigInt(Date.now());
    const timestamps = entries.map(({ record }) => (record.timestamp === undefined ? now : BigInt(record.timestamp)));
    const first = timestamps[0];
    const batch = broker.codec.encodeRecordBatch({
      baseOffset: 0n, partitionLeaderEpoch: -1, attributes: 0, lastOffsetDelta: entries.length - 1,
      firstTimestamp: first, maxTimestamp: timestamps.reduce((a, b) => (b > a ? b : a)),
      producerId: -1n, producerEpoch: -1, baseSequence: -1,
      records: entries.map(({ record }, i) => ({
        attributes: 0,
        timestampDelta: timestamps[i] - first,
        offsetDelta: i,
        key: record.key == null ? null : bytes(record.key),
        value: record.value === null ? null : bytes(record.value),
        headers: Object.entries(record.headers ?? {}).map(([key, value]) => ({ key, value: bytes(value) })),
      })),
    });
    const log = (await broker.partitionLog(topic, partition))!;
    const { baseOffset } = await log.appendAsLeader(batch);
    entries.forEach(({ index }, i) => (result[index] = { partition, offset: baseOffset + BigInt(i) }));
  }
  return result;
}

/** Every record from `fromOffset` (default: the log start) of one partition or of all, in partition then offset order. */
export async function readRecords(
  broker: Broker,
  topic: string,
  options: { partition?: number; fromOffset?: bigint | number; limit?: number } = {},
): Promise<ConsumedRecord[]> {
  const t = broker.metadata.topicByName(topic);
  if (!t) throw new Error(`unknown topic ${topic}`);
  const partitions = options.partition !== undefined ? [options.partition] : [...t.partitions.keys()].sort((a, b) => a - b);
  const limit = options.limit ?? Infinity;
  const out: ConsumedRecord[] = [];
  for (const partition of partitions) {
    const log = await broker.partitionLog(topic, partition);
    if (!log) throw new Error(`${topic} has no partition ${partition}`);
    const from = BigInt(options.fromOffset ?? log.logStartOffset);
    let offset = from;
    while (offset < log.logEndOffset && out.length < limit) {
      const read = await log.read(offset, 1 << 20, true);
      if (read === OFFSET_OUT_OF_RANGE || read.records.length === 0) break;
      for (const span of batchSpans(read.records)) {
        const stored = read.records.subarray(span.position, span.position + span.size);
        const header = readBatchHeader(stored);
        offset = header.baseOffset + BigInt(header.lastOffsetDelta) + 1n;
        const batch = decodeBatch(broker.codec, stored);
        if (!batch) throw new Error(`${topic}-${partition} holds a batch this kit cannot decompress (only none and gzip)`);
        for (const r of batch.records) {
          const recordOffset = batch.baseOffset + BigInt(r.offsetDelta);
          if (recordOffset < from || out.length >= limit) continue;
          out.push({
            topic,
            partition,
            offset: recordOffset,
            timestamp: batch.firstTimestamp + r.timestampDelta,
            key: r.key && Buffer.from(r.key),
            value: r.value && Buffer.from(r.value),
            headers: (r.headers ?? []).map((h) => ({ key: h.key, value: h.value && Buffer.from(h.value) })),
          });
        }
      }
    }
  }
  return out;
}

export function committedOffsets(broker: Broker, groupId: string): CommittedOffset[] {
  const found = broker.groupCoordinator.fetchOffsets(groupId, null);
  return [...found].flatMap(([topic, partitions]) =>
    [...partitions].flatMap(([partition, c]) => (c ? [{ topic, partition, offset: c.offset, metadata: c.metadata }] : [])),
  ).sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}

/** Resolves once the group is in `state` (with `members` members); rejects after the timeout saying what it saw. */
export async function waitForGroup(broker: Broker, groupId: string, options: WaitForGroupOptions = {}): Promise<void> {
  const { state = "Stable", members, timeoutMs = 10_000 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const group = broker.groupCoordinator.describeGroup(groupId);
    if (group.state === state && (members === undefined || group.members.length === members)) return;
    if (Date.now() >= deadline) {
      throw new Error(`group ${groupId} is ${group.state} with ${group.members.length} members after ${timeoutMs} ms, not ${state}${members === undefined ? "" : ` with ${members}`}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export async function resetBroker(broker: Broker): Promise<void> {
  for (const { groupId, state } of broker.groupCoordinator.listGroups()) {
    if (state !== "Empty") throw new Error(`group ${groupId} is ${state}: stop its consumers before reset()`);
    await broker.groupCoordinator.deleteGroup(groupId);
  }
  for (const t of broker.metadata.topics()) await broker.deleteTopic(t.name);
}
