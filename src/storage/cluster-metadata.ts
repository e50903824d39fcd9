/**
 * The cluster's topics and partitions, as the replay of the KRaft metadata log
 * `__cluster_metadata-0` (in the files engine, `<logdir>/__cluster_metadata-0`). The broker is its own controller: creating or deleting a
 * topic appends records to that log (one batch per change), then applies the log up to and including
 * them. Brokers sharing one storage engine all append to this log and apply it in the same order,
 * so they agree: of two TopicRecords for one name the first wins, and the broker that wrote the
 * second answers TopicExistsError.
 */
import { randomUUID } from "node:crypto";
import { COMPRESSION_MASK, CONTROL_BATCH, readBatchHeader } from "../codec/batch-header.ts";
import type { Codec } from "../codec/types.ts";
import type { Awaitable, PartitionLog, StorageEngine } from "./engine.ts";
import { CLUSTER_METADATA_TOPIC } from "./log-manager.ts";
import { type ClientQuotaRecord, type MetadataRecord, type PartitionChangeRecord, decodeMetadataRecord, encodeMetadataRecord } from "./metadata-records.ts";
import { ClientQuotas } from "./client-quotas.ts";
import { brokerBatch, lastOffsetOf } from "./record-batches.ts";
import { SerialQueue } from "./serial-queue.ts";
import { uuidToBase64 } from "./uuid-base64.ts";

export interface PartitionMetadata {
  partitionId: number;
  leader: number;
  leaderEpoch: number;
  partitionEpoch: number;
  replicas: number[];
  isr: number[];
  removingReplicas: number[];
  addingReplicas: number[];
  /** The log directory (id) of each replica; empty when the record predates directories (v0). */
  directories: string[];
}

/** State kept elsewhere (credentials, ACLs) that is also the replay of records in this log. */
export interface MetadataRecordListener {
  /** Called for every record, at replay and on append; ignores the record types it does not keep. */
  apply(m: MetadataRecord): void;
}

export interface TopicMetadata {
  name: string;
  topicId: string;
  partitions: Map<number, PartitionMetadata>;
}

/** Kafka's fixed topic id for `__cluster_metadata` ("AAAAAAAAAAAAAAAAAAAAAQ"). */
export const CLUSTER_METADATA_TOPIC_ID = "00000000-0000-0000-0000-000000000001";
export class TopicExistsError extends Error {
  constructor(readonly topic: string) {
    super(`topic ${topic} already exists`);
  }
}

/** ConfigRecord's resource_type, as Kafka's ConfigResource.Type numbers it. */
export const ConfigResourceType = { TOPIC: 2, BROKER: 4 } as const;

/** A config change: a value to set, or null to remove the override. */
export type ConfigChange = [name: string, value: string | null];

const NO_CONFIGS: ReadonlyMap<string, string> = new Map();

/** The epoch a lone KRaft controller elects itself with; used until the log shows another. */
const FIRST_CONTROLLER_EPOCH = 1;
/** partitionChange leader value meaning "the leader did not change". */
const NO_LEADER_CHANGE = -2;

export class ClusterMetadata {
  private readonly byName = new Map<string, TopicMetadata>();
  private readonly byId = new Map<string, TopicMetadata>();
  /** Config overrides by `<resource type>:<resource name>`, as ConfigRecords set them. */
  private readonly configsByResource = new Map<string, Map<string, string>>();
  private controllerEpoch = FIRST_CONTROLLER_EPOCH;
  /** Changes are written one at a time, each checked against the state the one before left. */
  private readonly changes = new SerialQueue();
  /** The offset after the last batch applied. */
  private appliedEnd = 0n;
  /** The quotas ClientQuotaRecords set (AlterClientQuotas). */
  readonly clientQuotas = new ClientQuotas();

  private constructor(
    private readonly storage: Pick<StorageEngine, "getLog" | "createLog">,
    private readonly codec: Codec,
    readonly nodeId: number,
    readonly directoryId: string,
    private log: PartitionLog | undefined,
    private readonly listeners: readonly MetadataRecordListener[],
  ) {}

  /**
   * Replays `__cluster_metadata-0` if it exists; otherwise the log is created by the first
   * change. PartitionRecords written later name `directoryId` (by default the storage's, from
   * `directory.id` in meta.properties for the files engine). `listeners` see every record, replayed or appended.
   */
  static async open(
    storage: Pick<StorageEngine, "getLog" | "createLog" | "directoryId">,
    codec: Codec,
    nodeId: number,
    listeners: readonly MetadataRecordListener[] = [],
    directoryId = storage.directoryId,
  ): Promise<ClusterMetadata> {
    const log = await storage.getLog(CLUSTER_METADATA_TOPIC, 0);
    const metadata = new ClusterMetadata(storage, codec, nodeId, directoryId, log, listeners);
    if (log) {
      await metadata.catchUp(log);
      metadata.follow(log);
    }
    return metadata;
  }

  /** Every topic, sorted by name (byte order, as Kafka compares names). */
  topics(): TopicMetadata[] {
    return [...this.byName.values()].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  }

  topicByName(name: string): TopicMetadata | undefined {
    return this.byName.get(name);
  }

  topicById(topicId: string): TopicMetadata | undefined {
    return this.byId.get(topicId);
  }

  /**
   * Appends a TopicRecord, its ConfigRecords (the caller validated them) and its PartitionRecords
   * in one batch, as Kafka's controller does; this broker leads every partition. Rejects with
   * TopicExistsError when the name is taken (also by a change that was still being written when
   * this one was asked for). `beforeCommit` runs once the change is checked, before anything is
   * written: where the partition logs are made, so a topic is recorded only once every one exists.
   */
  createTopic(
    name: string,
    numPartitions: number,
    replicationFactor: number,
    configs: Iterable<[string, string]> = [],
    beforeCommit: (topicId: string) => Awaitable<void> = () => {},
  ): Promise<TopicMetadata> {
    return this.changes.run(async () => {
      if (this.byName.has(name)) throw new TopicExistsError(name);
      if (!Number.isInteger(numPartitions) || numPartitions < 1) throw new RangeError(`invalid partition count ${numPartitions}`);
      if (replicationFactor !== 1) throw new RangeError(`replication factor ${replicationFactor} needs more than this one broker`);
      const topicId = this.newTopicId();
      await beforeCommit(topicId);
      await this.commit([
        { type: "TopicRecord", record: { name, topicId } },
        ...this.configRecords(ConfigResourceType.TOPIC, name, configs),
        ...this.partitionRecords(topicId, 0, numPartitions),
      ]);
      // Another broker sharing the log appended a TopicRecord for the name first.
      const topic = this.byId.get(topicId);
      if (!topic) throw new TopicExistsError(name);
      return topic;
    });
  }

  /** The config overrides of a resource (a topic by name; a broker by id, "" for the cluster default). */
  configs(resourceType: number, resourceName: string): ReadonlyMap<string, string> {
    return this.configsByResource.get(`${resourceType}:${resourceName}`) ?? NO_CONFIGS;
  }

  /** Appends one ConfigRecord per change (validated by the caller) in one batch: the changes apply together or not at all. */
  alterConfigs(resourceType: number, resourceName: string, changes: Iterable<ConfigChange>): Promise<void> {
    return this.append(this.configRecords(resourceType, resourceName, changes));
  }

  /** Appends PartitionRecords for partitions [current count, totalCount); `beforeCommit` as for createTopic. */
  createPartitions(
    name: string,
    totalCount: number,
    beforeCommit: (topic: TopicMetadata, fromPartition: number) => Awaitable<void> = () => {},
  ): Promise<TopicMetadata> {
    return this.changes.run(async () => {
      const topic = this.existingTopic(name);
      const current = topic.partitions.size;
      if (!Number.isInteger(totalCount) || totalCount <= current) throw new RangeError(`${name} already has ${current} partitions`);
      await beforeCommit(topic, current);
      await this.commit(this.partitionRecords(topic.topicId, current, totalCount));
      return topic;
    });
  }

  deleteTopic(name: string): Promise<void> {
    return this.changes.run(async () => {
      const topic = this.existingTopic(name);
      await this.commit([{ type: "RemoveTopicRecord", record: { topicId: topic.topicId } }]);
    });
  }

  /** Appends the records (one batch: all or none) and applies them. */
  alterClientQuotas(records: ClientQuotaRecord[]): Promise<void> {
    return this.append(records.map((record) => ({ type: "ClientQuotaRecord", record })));
  }

  /** Grows with every change: the epoch of the finalized features ApiVersions reports. */
  get epoch(): bigint {
    return this.log?.logEndOffset ?? 0n;
  }

  private existingTopic(name: string): TopicMetadata {
    const topic = this.byName.get(name);
    if (!topic) throw new Error(`unknown topic ${name}`);
    return topic;
  }

  /** Random, never one in use, and (like Kafka's Uuid.randomUuid) never printed with a leading '-'. */
  private newTopicId(): string {
    for (let attempt = 0; attempt < 100; attempt++) {
      const id = randomUUID();
      if (!this.byId.has(id) && id !== CLUSTER_METADATA_TOPIC_ID && !uuidToBase64(id).startsWith("-")) return id;
    }
    throw new Error("could not draw an unused topic id");
  }

  private configRecords(resourceType: number, resourceName: string, configs: Iterable<[string, string | null]>): MetadataRecord[] {
    return [...configs].map(([name, value]) => ({ type: "ConfigRecord", record: { resourceType, resourceName, name, value } }));
  }

  private partitionRecords(topicId: string, from: number, to: number): MetadataRecord[] {
    const records: MetadataRecord[] = [];
    for (let partitionId = from; partitionId < to; partitionId++) {
      records.push({
        type: "PartitionRecord",
        record: {
          partitionId,
          topicId,
          replicas: [this.nodeId],
          isr: [this.nodeId],
          removingReplicas: [],
          addingReplicas: [],
          leader: this.nodeId,
          leaderEpoch: 0,
          partitionEpoch: 0,
          directories: [this.directoryId],
        },
      });
    }
    return records;
  }

  /** Appends records that are not topics' (configs, quotas, credentials, ACLs) as one batch, in turn with every other change; none, nothing. */
  append(records: MetadataRecord[]): Promise<void> {
    return this.changes.run(async () => {
      if (records.length > 0) await this.commit(records);
    });
  }

  /**
   * Writes `records` as one batch at the log end, fsyncs it (KRaft's log is always durable), then
   * applies the log up to it (with whatever other brokers sharing the log appended before it).
   */
  private async commit(records: MetadataRecord[]): Promise<void> {
    const log = this.log ?? (await this.createLog());
    const batch = brokerBatch(this.codec, records.map((m) => ({ key: null, value: encodeMetadataRecord(m) })), this.controllerEpoch);
    await log.appendAsLeader(batch);
    await log.flush();
    await this.catchUp(log);
  }

  private async createLog(): Promise<PartitionLog> {
    const log = await this.storage.createLog(CLUSTER_METADATA_TOPIC, 0, CLUSTER_METADATA_TOPIC_ID);
    this.log = log;
    this.follow(log);
    return log;
  }

  /** Applies what other brokers sharing the storage appended and this one has not heard of yet. */
  refresh(): Promise<void> {
    return this.changes.run(async () => {
      if (!this.log) {
        // Another broker may have written the first change since this one started.
        const log = await this.storage.getLog(CLUSTER_METADATA_TOPIC, 0);
        if (!log) return;
        this.log = log;
        this.follow(log);
      }
      await this.catchUp(this.log);
    });
  }

  /** Applies what other brokers sharing the storage append, in log order between this broker's own changes. */
  private follow(log: PartitionLog): void {
    // A failed read (the database away) is retried by the next append or change.
    log.onAppend(() => void this.changes.run(() => this.catchUp(log)).catch(() => undefined));
  }

  /**
   * Applies every batch from the last one applied to the log end; offsets may have gaps and batches
   * hold any number of records. The first catch-up is the log's checked replay (a damaged batch
   * ends the log there).
   */
  private async catchUp(log: PartitionLog): Promise<void> {
    if (this.appliedEnd >= log.logEndOffset) return;
    for await (const batch of this.appliedEnd === 0n && log.replay ? log.replay() : log.batches(this.appliedEnd)) {
      const header = readBatchHeader(batch);
      this.appliedEnd = lastOffsetOf(header) + 1n;
      this.controllerEpoch = header.partitionLeaderEpoch;
      // Control batches carry Raft's own records (leader changes, snapshot markers), not metadata.
      if ((header.attributes & (CONTROL_BATCH | COMPRESSION_MASK)) !== 0) continue;
      for (const record of this.codec.decodeRecordBatch(batch).records) {
        const m = record.value && decodeMetadataRecord(record.value);
        if (m) this.apply(m);
      }
    }
  }

  private apply(m: MetadataRecord): void {
    for (const listener of this.listeners) listener.apply(m);
    switch (m.type) {
      case "TopicRecord": {
        // Only a broker racing another for the name writes a second one; the first stays, everywhere.
        if (this.byName.has(m.record.name)) return;
        const topic: TopicMetadata = { name: m.record.name, topicId: m.record.topicId, partitions: new Map() };
        this.byName.set(topic.name, topic);
        this.byId.set(topic.topicId, topic);
        return;
      }
      case "PartitionRecord": {
        const r = m.record;
        this.byId.get(r.topicId)?.partitions.set(r.partitionId, {
          partitionId: r.partitionId,
          leader: r.leader,
          leaderEpoch: r.leaderEpoch,
          partitionEpoch: r.partitionEpoch,
          replicas: r.replicas,
          isr: r.isr,
          removingReplicas: r.removingReplicas,
          addingReplicas: r.addingReplicas,
          directories: r.directories ?? [],
        });
        return;
      }
      case "PartitionChangeRecord":
        this.applyPartitionChange(m.record);
        return;
      case "ClientQuotaRecord":
        this.clientQuotas.apply(m.record);
        return;
      case "RemoveTopicRecord": {
        const topic = this.byId.get(m.record.topicId);
        if (!topic) return;
        this.byId.delete(topic.topicId);
        if (this.byName.get(topic.name) !== topic) return;
        this.byName.delete(topic.name);
        // As Kafka's controller: a deleted topic's overrides go with it, so a new topic of that name starts clean.
        this.configsByResource.delete(`${ConfigResourceType.TOPIC}:${topic.name}`);
        return;
      }
      case "ConfigRecord": {
        const { resourceType, resourceName, name, value } = m.record;
        const key = `${resourceType}:${resourceName}`;
        const configs = this.configsByResource.get(key) ?? new Map<string, string>();
        if (value === null) configs.delete(name);
        else configs.set(name, value);
        if (configs.size > 0) this.configsByResource.set(key, configs);
        else this.configsByResource.delete(key);
        return;
      }
    }
  }

  /** As Kafka's PartitionRegistration.merge: null/-2 fields are unchanged; a new leader bumps the leader epoch. */
  private applyPartitionChange(r: PartitionChangeRecord): void {
    const p = this.byId.get(r.topicId)?.partitions.get(r.partitionId);
    if (!p) return;
    if (r.leader !== undefined && r.leader !== NO_LEADER_CHANGE) {
      p.leader = r.leader;
      p.leaderEpoch++;
    }
    if (r.isr) p.isr = r.isr;
    if (r.replicas) p.replicas = r.replicas;
    if (r.removingReplicas) p.removingReplicas = r.removingReplicas;
    if (r.addingReplicas) p.addingReplicas = r.addingReplicas;
    if (r.directories) p.directories = r.directories;
    p.partitionEpoch++;
  }
}
