/**
 * An in-process cluster for tests: N brokers on loopback ports sharing one memory storage engine
 * (what issue 12's PostgreSQL cluster shares in the database), a registry of the live ones, and
 * partition leaders and group coordinators spread over them by the same stable hash. Unlike the
 * PostgreSQL cluster, a broker here answers only for what it leads, as a Kafka broker does:
 * NOT_LEADER_OR_FOLLOWER for another broker's partition, NOT_COORDINATOR for another broker's
 * group, so client code can be tested against leader moves and broker loss.
 *
 *   const cluster = await startCluster({ brokers: 3 });
 *   cluster.moveLeader("orders", 0, 2);
 *   await cluster.stopBroker(1); await cluster.restartBroker(1);
 */
import { type BrokerEndpoint, type BrokerRegistry, GROUP_KEY_TYPE } from "../cluster/broker-registry.ts";
import { loadCodec } from "../codec/index.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import type { RequestInterceptor } from "../server/request-interceptor.ts";
import { CLUSTER_METADATA_TOPIC_ID } from "../storage/cluster-metadata.ts";
import { CLUSTER_METADATA_TOPIC } from "../storage/log-manager.ts";
import { MemoryEngine } from "../storage/memory-engine.ts";
import type { Broker } from "../broker.ts";
import { type StartBrokerOptions, startBroker as startRunningBroker } from "../index.ts";
import { answerPartitions } from "./partition-errors.ts";
import { type Helpers, type TestBroker, committedOffsets, createTopics, produce, readRecords, resetBroker, waitForGroup, withHelpers } from "./test-broker.ts";

export interface StartClusterOptions extends Omit<StartBrokerOptions, "storage" | "nodeId" | "port" | "logDirs" | "propertiesFile"> {
  /** Default 3. */
  brokers?: number;
}

export interface TestCluster extends Helpers {
  /** The node ids of the live brokers. */
  readonly liveBrokers: number[];
  /** A live broker, by node id (1 to N). */
  broker(nodeId: number): TestBroker;
  /** The node id leading the partition now. */
  leaderOf(topic: string, partition: number): number;
  /** The node id coordinating the group now. */
  coordinatorOf(groupId: string): number;
  /** Makes a live broker the partition's leader: the old one answers NOT_LEADER_OR_FOLLOWER, Metadata names the new one. */
  moveLeader(topic: string, partition: number, toNodeId: number): void;
  /** Closes the broker (its connections drop); what it led moves to the live brokers. */
  stopBroker(nodeId: number): Promise<void>;
  /** Starts a stopped broker again, on its old port; it takes its share of leadership back. */
  restartBroker(nodeId: number): Promise<void>;
  close(): Promise<void>;
}

const LEADER_APIS = new Set(["Produce", "Fetch", "ListOffsets"]);

class ClusterRegistry implements BrokerRegistry {
  readonly live = new Map<number, BrokerEndpoint>();
  readonly assigned = new Map<string, number>();

  liveBrokers(): BrokerEndpoint[] {
    return [...this.live.values()].sort((a, b) => a.nodeId - b.nodeId);
  }

  assignedLeader(topic: string, partition: number): number | undefined {
    return this.assigned.get(`${topic}\u0000${partition}`);
  }

  /** A broker's close() closes "its" registry: the cluster's outlives every broker. */
  close(): void {}
}

export async function startCluster(options: StartClusterOptions = {}): Promise<TestCluster> {
  const { brokers: count = 3, ...brokerOptions } = options;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`a cluster needs at least one broker, not ${count}`);
  const storage = new MemoryEngine(await loadCodec(brokerOptions.codec ?? "wasm").catch(() => loadCodec("js")));
  // Created before any broker opens it, so every broker follows what the others append.
  storage.createLog(CLUSTER_METADATA_TOPIC, 0, CLUSTER_METADATA_TOPIC_ID);
  const registry = new ClusterRegistry();
  const running = new Map<number, TestBroker>();
  const ports = new Map<number, number>();

  const start = async (nodeId: number) => {
    const started = withHelpers(
      await startRunningBroker({ groupInitialRebalanceDelayMs: 0, ...brokerOptions, storage, nodeId, port: ports.get(nodeId) ?? 0 }),
    );
    started.broker.registry = registry;
    started.broker.requestInterceptors.push(leadershipInterceptor(started.broker));
    ports.set(nodeId, started.port);
    registry.live.set(nodeId, { nodeId, host: "127.0.0.1", port: started.port, rack: null });
    running.set(nodeId, started);
  };
  const live = (nodeId: number) => {
    const b = running.get(nodeId);
    if (!b) throw new Error(`broker ${nodeId} is not running (live: ${[...running.keys()].join(", ")})`);
    return b;
  };
  const any = () => running.values().next().value!.broker;
  const coordinatorOf = (groupId: string) => any().coordinatorOf(GROUP_KEY_TYPE, groupId, any().config.listeners[0], { host: "127.0.0.1", port: 0 }).nodeId;
  const leaderOf = (topic: string, partition: number) => {
    const p = any().metadata.topicByName(topic)?.partitions.get(partition);
    if (!p) throw new Error(`unknown partition ${topic}-${partition}`);
    return any().leaderOf(topic, p);
  };

  try {
    for (let nodeId = 1; nodeId <= count; nodeId++) await start(nodeId);
  } catch (err) {
    for (const b of running.values()) await b.close();
    throw err;
  }

  return {
    get bootstrap() {
      return registry.liveBrokers().map((b) => `${b.host}:${b.port}`).join(",");
    },
    get liveBrokers() {
      return registry.liveBrokers().map((b) => b.nodeId);
    },
    broker: live,
    createTopics: (...topics) => createTopics(any(), topics),
    produce: (topic, records) => produce(any(), topic, records),
    readRecords: (topic, o) => readRecords(any(), topic, o),
    committedOffsets: (groupId) => committedOffsets(live(coordinatorOf(groupId)).broker, groupId),
    waitForGroup: (groupId, o) => waitForGroup(live(coordinatorOf(groupId)).broker, groupId, o),
    async reset() {
      for (const b of running.values()) b.faults.restore();
      registry.assigned.clear();
      for (const b of running.values()) await resetBroker(b.broker);
    },
    leaderOf,
    coordinatorOf,
    moveLeader(topic, partition, toNodeId) {
      live(toNodeId);
      leaderOf(topic, partition);
      registry.assigned.set(`${topic}\u0000${partition}`, toNodeId);
    },
    async stopBroker(nodeId) {
      const b = live(nodeId);
      registry.live.delete(nodeId);
      running.delete(nodeId);
      for (const [key, leader] of registry.assigned) if (leader === nodeId) registry.assigned.delete(key);
      await b.close();
    },
    async restartBroker(nodeId) {
      if (running.has(nodeId)) throw new Error(`broker ${nodeId} is running`);
      if (!ports.has(nodeId)) throw new Error(`there is no broker ${nodeId}`);
      await start(nodeId);
    },
    async close() {
      for (const b of running.values()) await b.close();
      running.clear();
      registry.live.clear();
    },
  };
}

/**
 * A broker answers for the partitions it leads; another's get NOT_LEADER_OR_FOLLOWER. (Groups need
 * nothing here: with a registry every broker answers NOT_COORDINATOR for groups it does not own.)
 */
function leadershipInterceptor(broker: Broker): RequestInterceptor {
  const self = broker.config.nodeId;
  const notLeader = (topic: string, partition: number) => {
    const p = broker.metadata.topicByName(topic)?.partitions.get(partition);
    return p && broker.leaderOf(topic, p) !== self ? ErrorCode.NOT_LEADER_OR_FOLLOWER : undefined;
  };
  return async (ctx, handler, request, next) =>
    LEADER_APIS.has(handler.name) ? ((await answerPartitions(ctx, handler.name, request, notLeader, next)) ?? null) : next(request);
}
