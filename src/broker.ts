/** The broker: configuration, codec, storage and the API table, served over TCP. */
import type { AddressInfo } from "node:net";
import type { BrokerConfig } from "./config.ts";
import type { Codec } from "./codec/types.ts";
import type { Logger } from "./logger.ts";
import { type ApiTable, defaultApiTable } from "./handlers/api-table.ts";
import type { ClusterMetadata, TopicMetadata } from "./storage/cluster-metadata.ts";
import type { LogManager } from "./storage/log-manager.ts";
import type { UnifiedLog } from "./storage/unified-log.ts";
import { TcpServer } from "./server/tcp.ts";
import { GroupCoordinator } from "./coordinator/group-coordinator.ts";
import { GroupMetadataManager } from "./coordinator/group-metadata-manager.ts";
import { ProducerIdManager } from "./coordinator/producer-id-manager.ts";
import { ProducerStates } from "./coordinator/producer-states.ts";

export class Broker {
  readonly apis: ApiTable = defaultApiTable();
  private readonly server = new TcpServer(this);
  /** Consumer groups and their committed offsets (read back from __consumer_offsets here). */
  readonly groupCoordinator: GroupCoordinator;
  readonly producerIds: ProducerIdManager;
  /** Idempotent producers' sequences per partition, consulted by Produce. */
  readonly producerStates: ProducerStates;

  constructor(
    readonly config: BrokerConfig,
    readonly codec: Codec,
    readonly log: Logger,
    readonly metadata: ClusterMetadata,
    readonly logs: LogManager,
    readonly clusterId: string,
  ) {
    const offsets = new GroupMetadataManager(logs, codec, { numPartitions: config.offsetsTopicNumPartitions });
    this.groupCoordinator = new GroupCoordinator(config, offsets);
    this.producerIds = new ProducerIdManager(config.logDirs[0]);
    this.producerStates = new ProducerStates(this.producerIds);
  }

  listen(): Promise<AddressInfo> {
    return this.server.listen(this.config.host, this.config.port);
  }

  /** The log of a partition the cluster metadata knows, created on first use (the tester writes none for some). */
  partitionLog(topic: string, partition: number): UnifiedLog | undefined {
    const t = this.metadata.topicByName(topic);
    if (!t || !t.partitions.has(partition)) return undefined;
    return this.logs.getLog(topic, partition) ?? this.logs.createLog(topic, partition, t.topicId);
  }

  /** Records the topic in the metadata log, then creates its partition directories. */
  createTopic(name: string, numPartitions: number): TopicMetadata {
    const topic = this.metadata.createTopic(name, numPartitions, 1);
    for (const p of topic.partitions.keys()) this.logs.createLog(name, p, topic.topicId);
    return topic;
  }

  createPartitions(name: string, totalCount: number): void {
    const topic = this.metadata.createPartitions(name, totalCount);
    for (const p of topic.partitions.keys()) if (!this.logs.getLog(name, p)) this.logs.createLog(name, p, topic.topicId);
  }

  deleteTopic(name: string): void {
    this.metadata.deleteTopic(name);
    this.logs.deleteLogs(name);
  }

  /** What Metadata tells clients to connect to: advertised.listeners, else listeners, else the address they used. */
  advertisedAddress(local: { host: string; port: number }): { host: string; port: number } {
    const configured = this.config.advertisedHost ?? (isWildcard(this.config.host) ? undefined : this.config.host);
    return { host: configured ?? local.host, port: this.config.advertisedPort ?? local.port };
  }

  async close(): Promise<void> {
    this.groupCoordinator.close();
    await this.server.close();
    this.logs.close();
    this.metadata.close();
  }
}

function isWildcard(host: string): boolean {
  return host === "" || host === "0.0.0.0" || host === "::";
}
