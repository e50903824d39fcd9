/**
 * Kafka's GroupMetadataManager, for committed offsets: every commit is appended to the internal
 * `__consumer_offsets` topic as records keyed (group, topic, partition), and the latest value of
 * each key is kept in memory. At start-up the topic is read back, so commits survive a restart; what
 * other brokers sharing the storage append (a group's previous coordinator) is read as it arrives.
 *
 * Offsets committed inside a transaction (TxnOffsetCommit) are written at once as a
 * transactional batch of the producer, but stay pending, invisible to OffsetFetch, until the
 * marker that ends the transaction is written to the same partition: COMMIT makes them the
 * group's offsets, ABORT drops them. Replay follows the same rule.
 */
import type { Codec } from "../codec/types.ts";
import { decodeOffsetCommitKey, encodeOffsetCommitKey } from "../protocol/generated/coordinator/offset-commit-key.ts";
import { decodeOffsetCommitValue, encodeOffsetCommitValue } from "../protocol/generated/coordinator/offset-commit-value.ts";
import { type EndTransactionMarker, isTransactionalBatch } from "../storage/end-transaction-marker.ts";
import { SerialQueue } from "../storage/serial-queue.ts";
import { type CoordinatorLogs, type CoordinatorRecord, CoordinatorLog, readVersioned, versioned } from "./coordinator-log.ts";

export const GROUP_METADATA_TOPIC_NAME = "__consumer_offsets";

/** The topic configs Kafka creates __consumer_offsets with: compacted, never deleted by retention. */
export function offsetsTopicConfigs(segmentBytes: number): ReadonlyMap<string, string> {
  return new Map([
    ["cleanup.policy", "compact"],
    ["compression.type", "producer"],
    ["segment.bytes", String(segmentBytes)],
  ]);
}

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

interface PendingOffset extends TopicPartitionOffset {
  groupId: string;
}

export class GroupMetadataManager {
  private readonly offsets = new Map<string, Map<PartitionKey, TopicPartitionOffset>>();
  /**
   * The group records (key version 2+: classic group metadata, ConsumerGroup*, ShareGroup*) the
   * log holds, by group id and then key bytes: what a coordinator rebuilds its groups from, and
   * what storeGroupRecords compares against.
   */
  private readonly groupRecords = new Map<string, Map<string, GroupRecord>>();
  /** Transactional commits not yet decided, by producer id then offsets partition, in commit order. */
  private readonly pendingOffsets = new Map<bigint, Map<number, PendingOffset[]>>();
  /** Appends leave in call order, so the log's last record of a key is the last one written. */
  private readonly appends = new SerialQueue();
  private readonly log: CoordinatorLog;

  constructor(logs: CoordinatorLogs, codec: Pick<Codec, "encodeRecordBatch" | "decodeRecordBatch">, config: OffsetsTopicConfig) {
    this.log = new CoordinatorLog(logs, codec, GROUP_METADATA_TOPIC_NAME, config.numPartitions);
  }

  /** Reads every partition of `__consumer_offsets` back. */
  static async load(logs: CoordinatorLogs, codec: Pick<Codec, "encodeRecordBatch" | "decodeRecordBatch">, config: OffsetsTopicConfig): Promise<GroupMetadataManager> {
    const manager = new GroupMetadataManager(logs, codec, config);
    await manager.load();
    // A failed read (the database away) is retried at the next append.
    await manager.log.follow(() => void manager.appends.run(() => manager.load()).catch(() => undefined));
    return manager;
  }

  partitionFor(groupId: string): number {
    return this.log.partitionFor(groupId);
  }

  groupIds(): Iterable<string> {
    return this.offsets.keys();
  }

  hasOffsets(groupId: string): boolean {
    return this.offsets.has(groupId);
  }

  /** Appends the commits as one batch (written before this resolves), then makes them visible. */
  async storeOffsets(groupId: string, commits: TopicPartitionOffset[]): Promise<void> {
    await this.append(groupId, offsetCommitRecords(groupId, commits));
    for (const c of commits) this.put(groupId, c);
  }

  /** TxnOffsetCommit: appended as the producer's transactional batch, pending until its marker. */
  async storeTransactionalOffsets(groupId: string, producer: { producerId: bigint; producerEpoch: number }, commits: TopicPartitionOffset[]): Promise<void> {
    await this.append(groupId, offsetCommitRecords(groupId, commits), producer);
    this.addPending(producer.producerId, this.partitionFor(groupId), commits.map((c) => ({ ...c, groupId })));
  }

  /** Whether a transaction has commits of this partition pending (OffsetFetch's require_stable). */
  hasPendingOffset(groupId: string, topic: string, partition: number): boolean {
    for (const byPartition of this.pendingOffsets.values()) {
      for (const pending of byPartition.values()) {
        if (pending.some((c) => c.groupId === groupId && c.topic === topic && c.partition === partition)) return true;
      }
    }
    return false;
  }

  /** Writes the marker ending the producer's transaction to an offsets partition, then applies or drops its commits. */
  async writeTxnMarker(partition: number, marker: EndTransactionMarker): Promise<void> {
    await this.appends.run(() => this.log.appendEndTxnMarker(partition, marker));
    this.completeTransaction(partition, marker);
  }

  /**
   * Writes a tombstone for each committed offset of `partitions` (every one of the group's when
   * undefined) in one batch, then forgets them.
   */
  async deleteOffsets(groupId: string, partitions?: { topic: string; partition: number }[]): Promise<void> {
    const committed = this.offsets.get(groupId);
    if (!committed) return;
    const doomed = partitions === undefined ? [...committed.values()] : partitions.filter((p) => committed.has(key(p.topic, p.partition)));
    await this.append(groupId, doomed.map((p) => ({ key: offsetCommitKey(groupId, p.topic, p.partition), value: null })));
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
    const changes: CoordinatorRecord[] = [];
    for (const [k, r] of next) if (!sameBytes(stored.get(k)?.value, r.value)) changes.push(r);
    for (const [k, r] of stored) if (!next.has(k)) changes.push({ key: r.key, value: null });
    if (changes.length === 0) return;
    if (next.size > 0) this.groupRecords.set(groupId, next);
    else this.groupRecords.delete(groupId);
    await this.append(groupId, changes);
  }

  private append(groupId: string, records: CoordinatorRecord[], producer?: { producerId: bigint; producerEpoch: number }): Promise<void> {
    return this.appends.run(() => this.log.append(this.partitionFor(groupId), records, producer));
  }

  private addPending(producerId: bigint, partition: number, commits: PendingOffset[]): void {
    let byPartition = this.pendingOffsets.get(producerId);
    if (!byPartition) this.pendingOffsets.set(producerId, (byPartition = new Map()));
    byPartition.set(partition, [...(byPartition.get(partition) ?? []), ...commits]);
  }

  private completeTransaction(partition: number, marker: EndTransactionMarker): void {
    const byPartition = this.pendingOffsets.get(marker.producerId);
    const pending = byPartition?.get(partition);
    if (!byPartition || !pending) return;
    byPartition.delete(partition);
    if (byPartition.size === 0) this.pendingOffsets.delete(marker.producerId);
    if (marker.commit) for (const c of pending) this.put(c.groupId, c);
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

  /** Replays what is new in the log: the last record of each key wins, a tombstone (null value) removes it. */
  private async load(): Promise<void> {
    for await (const batch of this.log.load()) {
      if (batch.kind === "marker") {
        this.completeTransaction(batch.partition, batch.marker);
        continue;
      }
      const transactional = isTransactionalBatch(batch.header);
      for (const record of batch.records) {
        const { version, reader } = readVersioned(record.key);
        if (version >= GROUP_RECORD_MIN_KEY_VERSION) {
          this.loadGroupRecord(record.key, reader.string(false), record.value, reader.failed);
          continue;
        }
        const commit = decodeOffsetCommit(record);
        if (!commit) continue;
        if (transactional) this.addPending(batch.header.producerId, batch.partition, commit.value ? [{ ...commit.value, groupId: commit.group }] : []);
        else if (commit.value) this.put(commit.group, commit.value);
        else this.delete(commit.group, commit.topic, commit.partition);
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

/** An offset commit record; undefined for other keys and unreadable ones. */
function decodeOffsetCommit(record: CoordinatorRecord): { group: string; topic: string; partition: number; value?: TopicPartitionOffset } | undefined {
  const key = readVersioned(record.key);
  if (key.version !== 0 && key.version !== 1) return undefined;
  const k = decodeOffsetCommitKey(key.reader, key.version);
  if (key.reader.failed) return undefined;
  if (!record.value) return k;
  const v = readVersioned(record.value);
  if (v.version < 0 || v.version > 4) return undefined;
  const value = decodeOffsetCommitValue(v.reader, v.version);
  if (v.reader.failed) return undefined;
  return {
    ...k,
    value: {
      topic: k.topic,
      partition: k.partition,
      offset: value.offset,
      leaderEpoch: value.leaderEpoch ?? -1,
      metadata: value.metadata,
      commitTimestamp: value.commitTimestamp,
    },
  };
}

function offsetCommitKey(group: string, topic: string, partition: number): Uint8Array {
  return versioned(OFFSET_COMMIT_KEY_VERSION, (w) => encodeOffsetCommitKey(w, OFFSET_COMMIT_KEY_VERSION, { group, topic, partition }));
}

function offsetCommitRecords(group: string, commits: TopicPartitionOffset[]): CoordinatorRecord[] {
  return commits.map((c) => ({
    key: offsetCommitKey(group, c.topic, c.partition),
    value: versioned(OFFSET_COMMIT_VALUE_VERSION, (w) => encodeOffsetCommitValue(w, OFFSET_COMMIT_VALUE_VERSION, c)),
  }));
}
