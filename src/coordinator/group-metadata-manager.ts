/**
 * Kafka's GroupMetadataManager, for committed offsets: every commit is appended to the internal
 * `__consumer_offsets` topic as records keyed (group, topic, partition), and the latest value of
 * each key is kept in memory. At start-up the topic is read back, so commits survive a restart.
 *
 * The topic never enters the cluster metadata: clients do not see it in Metadata, and only this
 * module reads or writes its logs.
 */
import { randomUUID } from "node:crypto";
import type { Codec } from "../codec/types.ts";
import { Reader } from "../protocol/reader.ts";
import { Writer } from "../protocol/writer.ts";
import { decodeOffsetCommitKey, encodeOffsetCommitKey } from "../protocol/generated/coordinator/offset-commit-key.ts";
import { decodeOffsetCommitValue, encodeOffsetCommitValue } from "../protocol/generated/coordinator/offset-commit-value.ts";
import type { PartitionLog, StorageEngine } from "../storage/engine.ts";
import { brokerBatch } from "../storage/record-batches.ts";
import { SerialQueue } from "../storage/serial-queue.ts";

export const GROUP_METADATA_TOPIC_NAME = "__consumer_offsets";

/** Key versions 0 and 1 are offset commits; 2 is group metadata, which this broker does not persist. */
const OFFSET_COMMIT_KEY_VERSION = 1;
/** Value version 3 carries the leader epoch and no expire timestamp, as Kafka 2.1+ writes it. */
const OFFSET_COMMIT_VALUE_VERSION = 3;

export interface OffsetAndMetadata {
  offset: bigint;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: bigint;
}

export interface TopicPartitionOffset extends OffsetAndMetadata {
  topic: string;
  partition: number;
}

/** A group coordinator record as the log holds it: the versioned key and value. */
export interface GroupRecord {
  key: Uint8Array;
  value: Uint8Array;
}

export interface OffsetsTopicConfig {
  /**
   * offsets.topic.num.partitions. One partition is enough for a single broker (it coordinates
   * every group either way); more only spread the groups over more log directories.
   */
  numPartitions: number;
}

type PartitionKey = `${string}\u0000${number}`;

const key = (topic: string, partition: number): PartitionKey => `${topic}\u0000${partition}`;

export class GroupMetadataManager {
  private readonly offsets = new Map<string, Map<PartitionKey, TopicPartitionOffset>>();
  /**
   * The group records (key version 2+: classic group metadata, ConsumerGroup*, ShareGroup*) the
   * log holds, by group id and then key bytes: what a coordinator rebuilds its groups from, and
   * what storeGroupRecords compares against.
   */
  private readonly groupRecords = new Map<string, Map<string, GroupRecord>>();
  /** Appends leave in call order, so the log's last record of a key is the last one written. */
  private readonly appends = new SerialQueue();

  constructor(
    private readonly logs: Pick<StorageEngine, "getLog" | "createLog">,
    private readonly codec: Pick<Codec, "encodeRecordBatch" | "decodeRecordBatch">,
    private readonly config: OffsetsTopicConfig,
  ) {}

  /** Reads every partition of `__consumer_offsets` back. */
  static async load(
    logs: Pick<StorageEngine, "getLog" | "createLog">,
    codec: Pick<Codec, "encodeRecordBatch" | "decodeRecordBatch">,
    config: OffsetsTopicConfig,
  ): Promise<GroupMetadataManager> {
    const manager = new GroupMetadataManager(logs, codec, config);
    for (let p = 0; p < config.numPartitions; p++) {
      const log = await logs.getLog(GROUP_METADATA_TOPIC_NAME, p);
      if (log) await manager.load(log);
    }
    return manager;
  }

  /** Kafka's partitionFor: abs(groupId.hashCode()) % partitions, with Java's String.hashCode. */
  partitionFor(groupId: string): number {
    let hash = 0;
    for (let i = 0; i < groupId.length; i++) hash = (Math.imul(hash, 31) + groupId.charCodeAt(i)) | 0;
    return (hash & 0x7fffffff) % this.config.numPartitions;
  }

  groupIds(): Iterable<string> {
    return this.offsets.keys();
  }

  hasOffsets(groupId: string): boolean {
    return this.offsets.has(groupId);
  }

  /** Appends the commits as one batch (written before this resolves), then makes them visible. */
  async storeOffsets(groupId: string, commits: TopicPartitionOffset[]): Promise<void> {
    if (commits.length === 0) return;
    const batch = brokerBatch(
      this.codec,
      commits.map((c) => ({ key: offsetCommitKey(groupId, c.topic, c.partition), value: offsetCommitValue(c) })),
    );
    await this.append(groupId, batch);
    for (const c of commits) this.put(groupId, c);
  }

  /**
   * Writes a tombstone for each committed offset of `partitions` (every one of the group's when
   * undefined) in one batch, then forgets them.
   */
  async deleteOffsets(groupId: string, partitions?: { topic: string; partition: number }[]): Promise<void> {
    const committed = this.offsets.get(groupId);
    if (!committed) return;
    const doomed = partitions === undefined ? [...committed.values()] : partitions.filter((p) => committed.has(key(p.topic, p.partition)));
    if (doomed.length === 0) return;
    const batch = brokerBatch(
      this.codec,
      doomed.map((p) => ({ key: offsetCommitKey(groupId, p.topic, p.partition), value: null })),
    );
    await this.append(groupId, batch);
    for (const p of doomed) this.delete(groupId, p.topic, p.partition);
  }

  /** The committed offset of each partition asked for (undefined when none); null topics = all of the group's. */
  fetchOffsets(groupId: string, topics: { name: string; partitions: number[] }[] | null): Map<string, Map<number, OffsetAndMetadata | undefined>> {
    const committed = this.offsets.get(groupId);
    const result = new Map<string, Map<number, OffsetAndMetadata | undefined>>();
    if (topics === null) {
      for (const c of committed?.values() ?? []) {
        if (!result.has(c.topic)) result.set(c.topic, new Map());
        result.get(c.topic)!.set(c.partition, c);
      }
      return result;
    }
    for (const t of topics) {
      const partitions = new Map<number, OffsetAndMetadata | undefined>();
      for (const p of t.partitions) partitions.set(p, committed?.get(key(t.name, p)));
      result.set(t.name, partitions);
    }
    return result;
  }

  /** Every group's records as the log holds them, for the coordinators to rebuild their groups at start-up. */
  groupRecordsOf(groupId: string): GroupRecord[] {
    return [...(this.groupRecords.get(groupId)?.values() ?? [])];
  }

  groupsWithRecords(): Iterable<string> {
    return this.groupRecords.keys();
  }

  /**
   * Makes the log hold exactly `records` for the group: the ones that changed are appended, with
   * a tombstone for each key the group no longer has, in one batch. Resolves once written.
   */
  async storeGroupRecords(groupId: string, records: GroupRecord[]): Promise<void> {
    const stored = this.groupRecords.get(groupId) ?? new Map<string, GroupRecord>();
    const next = new Map(records.map((r) => [hex(r.key), r]));
    const changes: { key: Uint8Array; value: Uint8Array | null }[] = [];
    for (const [k, r] of next) if (!sameBytes(stored.get(k)?.value, r.value)) changes.push(r);
    for (const [k, r] of stored) if (!next.has(k)) changes.push({ key: r.key, value: null });
    if (changes.length === 0) return;
    if (next.size > 0) this.groupRecords.set(groupId, next);
    else this.groupRecords.delete(groupId);
    await this.append(groupId, brokerBatch(this.codec, changes));
  }

  private append(groupId: string, batch: Uint8Array): Promise<unknown> {
    return this.appends.run(async () => {
      const log = await this.offsetsLog(this.partitionFor(groupId));
      return log.appendAsLeader(batch);
    });
  }

  private async offsetsLog(partition: number): Promise<PartitionLog> {
    return (await this.logs.getLog(GROUP_METADATA_TOPIC_NAME, partition)) ?? this.logs.createLog(GROUP_METADATA_TOPIC_NAME, partition, randomUUID());
  }

  private put(groupId: string, c: TopicPartitionOffset): void {
    let group = this.offsets.get(groupId);
    if (!group) this.offsets.set(groupId, (group = new Map()));
    group.set(key(c.topic, c.partition), c);
  }

  private delete(groupId: string, topic: string, partition: number): void {
    const group = this.offsets.get(groupId);
    if (!group) return;
    group.delete(key(topic, partition));
    if (group.size === 0) this.offsets.delete(groupId);
  }

  private loadGroupRecord(key: Uint8Array, groupId: string, value: Uint8Array | null, malformed: boolean): void {
    if (malformed) return;
    const records = this.groupRecords.get(groupId) ?? new Map<string, GroupRecord>();
    if (value) records.set(hex(key), { key: key.slice(), value: value.slice() });
    else records.delete(hex(key));
    if (records.size > 0) this.groupRecords.set(groupId, records);
    else this.groupRecords.delete(groupId);
  }

  /** Replays the log: the last record of each key wins, a tombstone (null value) removes it. */
  private async load(log: PartitionLog): Promise<void> {
    for await (const bytes of log.batches()) {
      for (const record of this.codec.decodeRecordBatch(bytes).records) {
        if (!record.key) continue;
        const r = new Reader(record.key);
        const version = r.int16();
        if (version >= GROUP_RECORD_MIN_KEY_VERSION) {
          this.loadGroupRecord(record.key, r.string(false), record.value, r.failed);
          continue;
        }
        if (version !== 0 && version !== 1) continue;
        const k = decodeOffsetCommitKey(r, version);
        if (r.failed) continue;
        if (!record.value) {
          this.delete(k.group, k.topic, k.partition);
          continue;
        }
        const v = new Reader(record.value);
        const valueVersion = v.int16();
        if (valueVersion < 0 || valueVersion > 4) continue;
        const value = decodeOffsetCommitValue(v, valueVersion);
        if (v.failed) continue;
        this.put(k.group, {
          topic: k.topic,
          partition: k.partition,
          offset: value.offset,
          leaderEpoch: value.leaderEpoch ?? -1,
          metadata: value.metadata,
          commitTimestamp: value.commitTimestamp,
        });
      }
    }
  }
}

/** Key versions from 2 on are group records; each starts with the group id. */
const GROUP_RECORD_MIN_KEY_VERSION = 2;

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

function offsetCommitKey(group: string, topic: string, partition: number): Uint8Array {
  const w = new Writer(64).int16(OFFSET_COMMIT_KEY_VERSION);
  encodeOffsetCommitKey(w, OFFSET_COMMIT_KEY_VERSION, { group, topic, partition });
  return w.finish();
}

function offsetCommitValue(c: OffsetAndMetadata): Uint8Array {
  const w = new Writer(64).int16(OFFSET_COMMIT_VALUE_VERSION);
  encodeOffsetCommitValue(w, OFFSET_COMMIT_VALUE_VERSION, c);
  return w.finish();
}
