/** The broker: configuration, codec, storage and the API table, served over TCP. */
import type { AddressInfo } from "node:net";
import type { BrokerConfig } from "./config.ts";
import type { Codec } from "./codec/types.ts";
import type { Logger } from "./logger.ts";
import { type ApiTable, defaultApiTable } from "./handlers/api-table.ts";
import { ClusterMetadata, type ConfigChange, ConfigResourceType, TopicExistsError, type TopicMetadata } from "./storage/cluster-metadata.ts";
import { type LogConfig, topicLogConfig } from "./storage/log-config.ts";
import type { PartitionLog, StorageEngine } from "./storage/engine.ts";
import { TcpServer } from "./server/tcp.ts";
import { type BrokerEndpoint, type BrokerRegistry, GROUP_KEY_TYPE, TRANSACTION_KEY_TYPE, coordinatorFor, leaderFor } from "./cluster/broker-registry.ts";
import type { RequestObserver } from "./server/request-observer.ts";
import type { RequestInterceptor } from "./server/request-interceptor.ts";
import { GroupCoordinator } from "./coordinator/group-coordinator.ts";
import { ConsumerGroupCoordinator } from "./coordinator/consumer-group-coordinator.ts";
import { ShareGroupCoordinator } from "./coordinator/share-group-coordinator.ts";
import { ShareStateStore } from "./coordinator/share-state-store.ts";
import { GROUP_METADATA_TOPIC_NAME, GroupMetadataManager, offsetsTopicConfigs } from "./coordinator/group-metadata-manager.ts";
import { ProducerIdManager } from "./coordinator/producer-id-manager.ts";
import { ProducerStates } from "./coordinator/producer-states.ts";
import { TransactionCoordinator } from "./coordinator/transaction-coordinator.ts";
import { TRANSACTION_STATE_TOPIC_NAME, TransactionStateManager } from "./coordinator/transaction-state-manager.ts";
import type { EndTransactionMarker } from "./storage/end-transaction-marker.ts";
import { ErrorCode } from "./protocol/generated/error-codes.ts";
import { BrokerSecurity } from "./security/broker-security.ts";
import { ClientQuotaManager } from "./quota/client-quota-manager.ts";
import type { ListenerConfig } from "./security/security-config.ts";

/** A listener, bound: its name and security protocol, and where it listens. */
export interface BoundListener {
  name: string;
  securityProtocol: string;
  host: string;
  port: number;
}

export class Broker {
  readonly apis: ApiTable = defaultApiTable();
  private readonly servers: TcpServer[];
  /** Consumer groups and their committed offsets (read back from __consumer_offsets here). */
  readonly groupCoordinator: GroupCoordinator;
  /** KIP-848 consumer groups; a group id belongs to them or to the classic coordinator, never both. */
  readonly consumerGroups: ConsumerGroupCoordinator;
  /** KIP-932 share groups and their share partitions' state. */
  readonly shareGroups: ShareGroupCoordinator;
  /** Idempotent and transactional producers' state per partition, consulted by Produce and Fetch. */
  readonly producerStates: ProducerStates;
  /** Transactional ids and their transactions (read back from __transaction_state by open). */
  readonly transactionCoordinator: TransactionCoordinator;
  readonly clusterId: string;
  /** Told about every answered request (the HTTP listener's metrics). */
  readonly requestObservers = new Set<RequestObserver>();
  /** Byte-rate quotas (producer_byte_rate, consumer_byte_rate) from the ClientQuotaRecords in the metadata. */
  readonly quotas: { produce: ClientQuotaManager; fetch: ClientQuotaManager };
  /** Empty unless a test kit installs some (wasm-kafka-broker/testing: faults, an in-process cluster). */
  readonly requestInterceptors: RequestInterceptor[] = [];

  private constructor(
    readonly config: BrokerConfig,
    readonly codec: Codec,
    readonly log: Logger,
    /** Where everything lives; nothing above the broker knows which engine it is. */
    readonly storage: StorageEngine,
    readonly metadata: ClusterMetadata,
    offsets: GroupMetadataManager,
    readonly producerIds: ProducerIdManager,
    /** Credentials, ACLs and the authorizer every handler asks. */
    readonly security: BrokerSecurity,
    shareState: ShareStateStore,
  ) {
    this.clusterId = storage.clusterId;
    this.quotas = {
      produce: new ClientQuotaManager("producer_byte_rate", metadata.clientQuotas, config),
      fetch: new ClientQuotaManager("consumer_byte_rate", metadata.clientQuotas, config),
    };
    this.servers = this.listeners().map((l) => new TcpServer(this, l));
    const onError = (message: string) => log.error(message);
    this.consumerGroups = new ConsumerGroupCoordinator(config, offsets, metadata, onError);
    // A group id belongs to one kind of group: classic, consumer (KIP-848) or share (KIP-932).
    this.shareGroups = new ShareGroupCoordinator(
      config,
      metadata,
      shareState,
      { has: (groupId) => this.groupCoordinator.hasMembers(groupId) || this.consumerGroups.has(groupId) },
      onError,
    );
    const notClassic = { has: (groupId: string) => this.consumerGroups.has(groupId) || this.shareGroups.has(groupId) };
    this.groupCoordinator = new GroupCoordinator(config, offsets, notClassic, onError);
    this.consumerGroups.classicGroups = {
      hasMembers: (groupId) => this.groupCoordinator.hasMembers(groupId) || this.shareGroups.has(groupId),
      forgetEmpty: (groupId) => this.groupCoordinator.forgetEmpty(groupId),
    };
    // A broker of a cluster coordinates nothing until it is registered (it does not know who else is live).
    const shared = storage.registerBroker !== undefined;
    const coordinates = (keyType: number) => (key: string) =>
      this.registry ? coordinatorFor(this.registry.liveBrokers(), keyType, key) === config.nodeId : !shared;
    const ownsGroup = coordinates(GROUP_KEY_TYPE);
    this.groupCoordinator.ownsGroup = ownsGroup;
    this.consumerGroups.ownsGroup = ownsGroup;
    this.producerStates = new ProducerStates(producerIds, codec);
    this.transactionCoordinator = new TransactionCoordinator(
      config,
      producerIds,
      new TransactionStateManager(storage, codec, config.transactionStateLogNumPartitions),
      { writeTxnMarker: (topic, partition, marker) => this.writeTxnMarker(topic, partition, marker) },
    );
    this.transactionCoordinator.ownsTransactionalId = coordinates(TRANSACTION_KEY_TYPE);
  }

  /** Reads the cluster metadata, committed offsets and transactions back from `storage` (producer ids are read as they are allocated). */
  static async open(config: BrokerConfig, codec: Codec, log: Logger, storage: StorageEngine): Promise<Broker> {
    const security = new BrokerSecurity(config.security, config.listeners);
    // Topic configs are in the metadata being read here; until it is, only internal topics' logs open.
    let metadata: ClusterMetadata | undefined;
    storage.useConfigRepository((topic) => logConfigFor(config, metadata, topic));
    metadata = await ClusterMetadata.open(storage, codec, config.nodeId, security.metadataListeners);
    const opened = metadata;
    await storage.removeStrayLogs?.((topic) => opened.topicByName(topic)?.topicId);
    const offsets = await GroupMetadataManager.load(storage, codec, { numPartitions: config.offsetsTopicNumPartitions });
    const producerIds = new ProducerIdManager(storage.producerIds);
    const shareState = await ShareStateStore.open(storage, codec);
    const broker = new Broker(config, codec, log, storage, metadata, offsets, producerIds, security, shareState);
    // After the offsets: completing a prepared transaction writes markers to __consumer_offsets too.
    await broker.transactionCoordinator.load();
    return broker;
  }

  /** Binds every listener; the first is the one `host`/`port` name (and where the tester connects). */
  async listen(): Promise<BoundListener[]> {
    const bound: BoundListener[] = [];
    try {
      for (const server of this.servers) {
        const { name, securityProtocol, host, port } = server.listener;
        const address: AddressInfo = await server.listen(host, port);
        bound.push({ name, securityProtocol, host: address.address, port: address.port });
      }
    } catch (err) {
      await Promise.all(this.servers.map((s) => s.close()));
      throw err;
    }
    return bound;
  }

  /** The configured listeners, the first at config.host/port (which startBroker's options may override). */
  private listeners(): ListenerConfig[] {
    const [first, ...rest] = this.config.listeners;
    const { host, port, advertisedHost, advertisedPort } = this.config;
    return [{ ...first, host, port, advertisedHost, advertisedPort }, ...rest];
  }

  /** Open client connections by listener name (Kafka's socket-server-metrics connection-count). */
  connectionCounts(): Map<string, number> {
    return new Map(this.servers.map((s) => [s.listener.name, s.connectionCount]));
  }

  /**
   * The log of a partition the cluster metadata knows, created on first use (the tester writes none
   * for some); never one left by an earlier topic of the same name (createLog replaces that).
   */
  async partitionLog(topic: string, partition: number): Promise<PartitionLog | undefined> {
    if (!(await this.hasPartition(topic, partition))) return undefined;
    return this.storage.createLog(topic, partition, this.metadata.topicByName(topic)!.topicId);
  }

  /** Whether the cluster metadata knows the partition. */
  async hasPartition(topic: string, partition: number): Promise<boolean> {
    const known = () => this.metadata.topicByName(topic)?.partitions.has(partition) ?? false;
    // A topic another broker sharing the storage created a moment ago may not have reached this one yet.
    if (this.registry && !known()) await this.metadata.refresh();
    return known();
  }

  /**
   * A partition of a transaction that was deleted since has nothing to mark, and a marker below the
   * producer's epoch there is stale. One that lost every race for the partition's end to other
   * brokers' appends is not written: the transaction stays prepared until a retry writes it.
   */
  private async writeTxnMarker(topic: string, partition: number, marker: EndTransactionMarker): Promise<void> {
    if (topic === GROUP_METADATA_TOPIC_NAME) return this.groupCoordinator.writeTxnMarker(partition, marker);
    const log = await this.partitionLog(topic, partition);
    if (!log) return;
    const error = await this.producerStates.appendEndTxnMarker(log, marker);
    if (error === ErrorCode.NOT_LEADER_OR_FOLLOWER) throw new Error(`the transaction marker of producer ${marker.producerId} lost every race for the end of ${topic}-${partition}`);
  }

  /**
   * Creates every partition log, then records the topic and its config overrides (validated by
   * the caller), which the logs then take on; if a log cannot be created (or the records cannot
   * be written) the logs made are removed and nothing is recorded. Rejects with TopicExistsError
   * if the name is taken.
   */
  async createTopic(name: string, numPartitions: number, configs: ReadonlyMap<string, string> = new Map()): Promise<TopicMetadata> {
    const topic = await this.withNewLogs(name, (made) =>
      this.metadata.createTopic(name, numPartitions, 1, configs, async (topicId) => {
        made(0);
        for (let p = 0; p < numPartitions; p++) await this.storage.createLog(name, p, topicId);
      }),
    );
    if (configs.size > 0) await this.storage.updateConfig(name);
    return topic;
  }

  /** Records changed topic overrides (validated by the caller) in the metadata log, then applies them to the topic's logs. */
  async alterTopicConfigs(name: string, changes: Iterable<ConfigChange>): Promise<void> {
    await this.metadata.alterConfigs(ConfigResourceType.TOPIC, name, changes);
    await this.storage.updateConfig(name);
  }

  /** Like createTopic: the new partitions' logs first, then their records. */
  async createPartitions(name: string, totalCount: number): Promise<void> {
    await this.withNewLogs(name, (made) =>
      this.metadata.createPartitions(name, totalCount, async (topic, from) => {
        made(from);
        for (let p = from; p < totalCount; p++) await this.storage.createLog(name, p, topic.topicId);
      }),
    );
  }

  /**
   * Runs a change that creates logs of `topic` from the partition it reports on; removes them if the
   * change fails, unless another broker sharing the storage recorded the topic first: the logs are
   * then its topic's (createLog returned them as they were), and may hold its records already.
   */
  private async withNewLogs<T>(topic: string, change: (made: (fromPartition: number) => void) => Promise<T>): Promise<T> {
    let from: number | undefined;
    try {
      return await change((fromPartition) => (from = fromPartition));
    } catch (err) {
      if (from !== undefined && !(err instanceof TopicExistsError)) await this.storage.deleteLogs(topic, from);
      throw err;
    }
  }

  async deleteTopic(name: string): Promise<void> {
    await this.metadata.deleteTopic(name);
    await this.storage.deleteLogs(name);
  }

  /** Set when brokers share the storage engine: who is live, and so who leads and coordinates what. */
  registry: BrokerRegistry | undefined;

  /** Resolves when connections may have their requests served. */
  serving: Promise<void> = Promise.resolve();

  /**
   * Holds every request until `registered` settles: a broker joining a cluster listens before it
   * can register (its address may be an ephemeral port), and until then it would answer as if it
   * were the only broker, leading every partition and coordinating every group.
   */
  holdRequestsUntil(registered: Promise<unknown>): void {
    this.serving = registered.then(
      () => undefined,
      () => undefined,
    );
  }

  /**
   * The brokers Metadata and DescribeCluster list: this one alone (at `listener`'s advertised
   * address), or every live one sharing the storage (each at the address it registered).
   */
  liveBrokers(listener: ListenerConfig, local: { host: string; port: number }): BrokerEndpoint[] {
    return this.registry?.liveBrokers() ?? [{ nodeId: this.config.nodeId, ...this.advertisedAddress(listener, local), rack: null }];
  }

  /** A partition's leader: as its PartitionRecord says alone; spread over the live brokers in a cluster (any of them serves it). */
  leaderOf(topic: string, partition: { partitionId: number; leader: number }): number {
    if (!this.registry) return partition.leader;
    return this.registry.assignedLeader?.(topic, partition.partitionId) ?? leaderFor(this.registry.liveBrokers(), topic, partition.partitionId);
  }

  /** The broker coordinating a group (key type 0) or transactional id (1). */
  coordinatorOf(keyType: number, key: string, listener: ListenerConfig, local: { host: string; port: number }): BrokerEndpoint {
    const live = this.liveBrokers(listener, local);
    const nodeId = this.registry ? coordinatorFor(live, keyType, key) : this.config.nodeId;
    return live.find((b) => b.nodeId === nodeId)!;
  }

  /**
   * What Metadata tells a client of `listener` to connect to: that listener's advertised.listeners
   * entry, else its listeners entry, else the address the client used.
   */
  advertisedAddress(listener: ListenerConfig, local: { host: string; port: number }): { host: string; port: number } {
    const configured = listener.advertisedHost ?? (isWildcard(listener.host) ? undefined : listener.host);
    return { host: configured ?? local.host, port: listener.advertisedPort ?? local.port };
  }

  async close(): Promise<void> {
    await this.registry?.close();
    this.groupCoordinator.close();
    this.consumerGroups.close();
    this.transactionCoordinator.close();
    this.shareGroups.close();
    await Promise.all(this.servers.map((s) => s.close()));
    await this.storage.close();
  }
}

/**
 * A topic's LogConfig: its overrides (ConfigRecords) over the broker's defaults; __consumer_offsets
 * and __transaction_state have the configs Kafka creates them with (compacted). Until the metadata is read, user topics get the broker's defaults.
 */
export function logConfigFor(config: BrokerConfig, metadata: ClusterMetadata | undefined, topic: string): LogConfig {
  // Kafka creates __transaction_state with the same configs (its segment.bytes default is the same 100 MiB).
  if (topic === GROUP_METADATA_TOPIC_NAME || topic === TRANSACTION_STATE_TOPIC_NAME) {
    return topicLogConfig(config.logConfig, offsetsTopicConfigs(config.offsetsTopicSegmentBytes));
  }
  return topicLogConfig(config.logConfig, metadata?.configs(ConfigResourceType.TOPIC, topic) ?? []);
}

function isWildcard(host: string): boolean {
  return host === "" || host === "0.0.0.0" || host === "::";
}
