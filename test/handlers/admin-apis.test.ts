// The admin APIs tools call first, over the wire against an in-process broker, version by version:
// DescribeCluster, DescribeLogDirs, ElectLeaders, partition reassignments, client quotas (kept in
// the metadata log across a restart), AlterReplicaLogDirs, DeleteGroups and OffsetDelete; and the
// ApiVersions feature fields and authorized-operations bit sets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";
import { RawClient } from "../support/raw-client.ts";
import { ApiVersions, Metadata, Produce } from "../support/messages.ts";
import { startTestBroker, type TestBroker } from "../clients/support/broker.ts";
import { DescribeGroups, OffsetCommit } from "../coordinator/messages.ts";
import {
  AlterClientQuotas,
  AlterPartitionReassignments,
  AlterReplicaLogDirs,
  DeleteGroups,
  DescribeClientQuotas,
  DescribeCluster,
  DescribeLogDirs,
  ElectLeaders,
  ListPartitionReassignments,
  OffsetDelete,
} from "./admin-messages.ts";
import { encodeRecordBatch } from "../helpers/record-batch.ts";

const TOPIC = "admin-topic";
const INT32_MIN = -2147483648;
/** CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE. */
const ALL_CLUSTER_OPERATIONS = 0b1_1111_1010_0000;
/** READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS. */
const ALL_TOPIC_OPERATIONS = 0b1101_1111_1000;
/** READ, DELETE, DESCRIBE. */
const ALL_GROUP_OPERATIONS = 0b1_0100_1000;

let broker: TestBroker;
let c: RawClient;

beforeAll(async () => {
  broker = await startTestBroker();
  await broker.running.broker.createTopic(TOPIC, 2);
  c = await RawClient.connect(broker.port);
});
afterAll(async () => {
  c?.close();
  await broker?.dispose();
});

async function reconnect(): Promise<void> {
  c.close();
  c = await RawClient.connect(broker.port);
}

describe("ApiVersions", () => {
  it("v3+ reports the supported and finalized features (group.version 1 for KIP-848); v0-2 carry none", async () => {
    for (const v of [3, 4]) {
      const r = await c.request(ApiVersions.request, ApiVersions.response, v, { clientSoftwareName: "t", clientSoftwareVersion: "1" });
      expect(r.supportedFeatures).toContainEqual({ name: "group.version", minVersion: 0, maxVersion: 1 });
      expect(r.supportedFeatures).toContainEqual({ name: "metadata.version", minVersion: 7, maxVersion: 25 });
      expect(r.finalizedFeatures).toEqual([
        { name: "metadata.version", minVersionLevel: 25, maxVersionLevel: 25 },
        { name: "group.version", minVersionLevel: 1, maxVersionLevel: 1 },
      ]);
      expect(r.finalizedFeaturesEpoch).toBeGreaterThanOrEqual(0n);
    }
    const old = await c.request(ApiVersions.request, ApiVersions.response, 2, {});
    expect(old.supportedFeatures).toEqual([]);
  });
});

describe("authorized operations", () => {
  it("Metadata reports topic operations only when asked, cluster operations only when v8-10 ask", async () => {
    const ask = (v: number, cluster: boolean, topics: boolean) =>
      c.request(Metadata.request, Metadata.response, v, {
        topics: [{ name: TOPIC, topicId: "00000000-0000-0000-0000-000000000000" }],
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: cluster,
        includeTopicAuthorizedOperations: topics,
      });
    const table: [number, boolean, boolean, number, number][] = [
      [8, false, false, INT32_MIN, INT32_MIN],
      [8, true, true, ALL_CLUSTER_OPERATIONS, ALL_TOPIC_OPERATIONS],
      [10, true, false, ALL_CLUSTER_OPERATIONS, INT32_MIN],
      [12, false, true, INT32_MIN, ALL_TOPIC_OPERATIONS],
      [12, false, false, INT32_MIN, INT32_MIN],
    ];
    for (const [v, cluster, topics, clusterOps, topicOps] of table) {
      const r = await ask(v, cluster, topics);
      expect([v, r.clusterAuthorizedOperations, r.topics[0].topicAuthorizedOperations]).toEqual([v, clusterOps, topicOps]);
    }
  });

  it("DescribeGroups reports a group's operations when asked", async () => {
    for (const [asked, ops] of [[true, ALL_GROUP_OPERATIONS], [false, INT32_MIN]] as const) {
      const r = await c.request(DescribeGroups.request, DescribeGroups.response, 5, { groups: ["nobody"], includeAuthorizedOperations: asked });
      expect(r.groups[0].authorizedOperations).toBe(ops);
    }
  });
});

describe("DescribeCluster", () => {
  it("v0-v1 describe this broker as the cluster and its controller; controllers are not served on this listener", async () => {
    for (const v of [0, 1]) {
      const r = await c.request(DescribeCluster.request, DescribeCluster.response, v, { includeClusterAuthorizedOperations: true, endpointType: 1 });
      expect(r).toMatchObject({
        errorCode: ErrorCode.NONE,
        clusterId: broker.running.broker.clusterId,
        controllerId: 1,
        brokers: [{ brokerId: 1, host: "127.0.0.1", port: broker.port, rack: null }],
        clusterAuthorizedOperations: ALL_CLUSTER_OPERATIONS,
      });
    }
    const unasked = await c.request(DescribeCluster.request, DescribeCluster.response, 1, { includeClusterAuthorizedOperations: false, endpointType: 1 });
    expect(unasked.clusterAuthorizedOperations).toBe(INT32_MIN);
    const controllers = await c.request(DescribeCluster.request, DescribeCluster.response, 1, { includeClusterAuthorizedOperations: false, endpointType: 2 });
    expect(controllers.errorCode).toBe(ErrorCode.MISMATCHED_ENDPOINT_TYPE);
    const unknown = await c.request(DescribeCluster.request, DescribeCluster.response, 1, { includeClusterAuthorizedOperations: false, endpointType: 7 });
    expect(unknown.errorCode).toBe(ErrorCode.UNSUPPORTED_ENDPOINT_TYPE);
  });
});

describe("DescribeLogDirs", () => {
  it("reports each partition's size in bytes, for all topics or the ones named, v0-v4", async () => {
    const value = (s: string) => new TextEncoder().encode(s);
    const batch = encodeRecordBatch({
      baseOffset: 0n,
      partitionLeaderEpoch: -1,
      attributes: 0,
      lastOffsetDelta: 1,
      firstTimestamp: 0n,
      maxTimestamp: 0n,
      producerId: -1n,
      producerEpoch: -1,
      baseSequence: -1,
      records: ["hello", "world"].map((v) => ({ attributes: 0, timestampDelta: 0, key: null, value: value(v), headers: [] as const })),
    });
    const produced = await c.request(Produce.request, Produce.response, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5000,
      topicData: [{ name: TOPIC, partitionData: [{ index: 1, records: batch }] }],
    });
    expect(produced.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
    for (let v = 0; v <= 4; v++) {
      const r = await c.request(DescribeLogDirs.request, DescribeLogDirs.response, v, { topics: [{ topic: TOPIC, partitions: [0, 1, 9] }] });
      expect(r.results).toHaveLength(1);
      const [dir] = r.results;
      expect(dir).toMatchObject({ errorCode: ErrorCode.NONE, logDir: broker.logDir });
      expect(dir.topics).toEqual([
        {
          name: TOPIC,
          partitions: [
            { partitionIndex: 0, partitionSize: 0n, offsetLag: 0n, isFutureKey: false },
            { partitionIndex: 1, partitionSize: BigInt(batch.length), offsetLag: 0n, isFutureKey: false },
          ],
        },
      ]);
      if (v >= 4) {
        expect(dir.totalBytes).toBeGreaterThan(0n);
        expect(dir.usableBytes).toBeGreaterThan(0n);
      }
    }
    const all = await c.request(DescribeLogDirs.request, DescribeLogDirs.response, 4, { topics: null });
    expect(all.results[0].topics.map((t) => t.name)).toContain(TOPIC);
  });
});

describe("a cluster of one broker", () => {
  it("ElectLeaders: no election is ever needed; unknown partitions are named; all-partitions lists none", async () => {
    for (const v of [0, 1, 2]) {
      const r = await c.request(ElectLeaders.request, ElectLeaders.response, v, {
        electionType: 0,
        topicPartitions: [{ topic: TOPIC, partitions: [0, 5] }],
        timeoutMs: 1000,
      });
      expect(r.replicaElectionResults[0].partitionResult.map((p) => [p.partitionId, p.errorCode])).toEqual([
        [0, ErrorCode.ELECTION_NOT_NEEDED],
        [5, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ]);
    }
    const all = await c.request(ElectLeaders.request, ElectLeaders.response, 2, { electionType: 1, topicPartitions: null, timeoutMs: 1000 });
    expect(all).toMatchObject({ errorCode: ErrorCode.NONE, replicaElectionResults: [] });
  });

  it("partition reassignments: none in progress; only this broker as the replica set is accepted", async () => {
    const listed = await c.request(ListPartitionReassignments.request, ListPartitionReassignments.response, 0, { timeoutMs: 1000, topics: null });
    expect(listed).toMatchObject({ errorCode: ErrorCode.NONE, topics: [] });
    const r = await c.request(AlterPartitionReassignments.request, AlterPartitionReassignments.response, 0, {
      timeoutMs: 1000,
      topics: [
        {
          name: TOPIC,
          partitions: [
            { partitionIndex: 0, replicas: [1] },
            { partitionIndex: 1, replicas: [1, 2] },
            { partitionIndex: 0, replicas: null },
            { partitionIndex: 9, replicas: [1] },
          ],
        },
      ],
    });
    expect(r.responses[0].partitions.map((p) => p.errorCode)).toEqual([
      ErrorCode.NONE,
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      ErrorCode.NO_REASSIGNMENT_IN_PROGRESS,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ]);
  });

  it("AlterReplicaLogDirs: staying put is fine, an unknown dir or partition is refused", async () => {
    for (const v of [0, 1, 2]) {
      const r = await c.request(AlterReplicaLogDirs.request, AlterReplicaLogDirs.response, v, {
        dirs: [
          { path: broker.logDir, topics: [{ name: TOPIC, partitions: [0, 7] }] },
          { path: "/no/such/dir", topics: [{ name: TOPIC, partitions: [1] }] },
        ],
      });
      expect(r.results).toEqual([
        {
          topicName: TOPIC,
          partitions: [
            { partitionIndex: 0, errorCode: ErrorCode.NONE },
            { partitionIndex: 7, errorCode: ErrorCode.REPLICA_NOT_AVAILABLE },
            { partitionIndex: 1, errorCode: ErrorCode.LOG_DIR_NOT_FOUND },
          ],
        },
      ]);
    }
  });
});

describe("client quotas", () => {
  const user = (name: string | null) => [{ entityType: "user", entityName: name }];
  const alter = (entries: { entity: { entityType: string; entityName: string | null }[]; ops: { key: string; value: number; remove: boolean }[] }[], validateOnly = false) =>
    c.request(AlterClientQuotas.request, AlterClientQuotas.response, 1, { entries, validateOnly });
  const describeQuotas = (components: { entityType: string; matchType: number; match: string | null }[], strict = false) =>
    c.request(DescribeClientQuotas.request, DescribeClientQuotas.response, 1, { components, strict });

  it("validates each entity like Kafka, stores the valid ones, and describes them by filter", async () => {
    const r = await alter([
      { entity: user("alice"), ops: [{ key: "producer_byte_rate", value: 1024, remove: false }, { key: "request_percentage", value: 12.5, remove: false }] },
      { entity: [...user(null), { entityType: "client-id", entityName: "app" }], ops: [{ key: "consumer_byte_rate", value: 2048, remove: false }] },
      { entity: user("bob"), ops: [{ key: "producer_byte_rate", value: 1.5, remove: false }] },
      { entity: user("carol"), ops: [{ key: "no_such_quota", value: 1, remove: false }] },
      { entity: [{ entityType: "ip", entityName: "not-an-ip" }], ops: [{ key: "connection_creation_rate", value: 5, remove: false }] },
      { entity: [{ entityType: "ip", entityName: "10.0.0.1" }, ...user("dave")], ops: [{ key: "connection_creation_rate", value: 5, remove: false }] },
    ]);
    expect(r.entries.map((e) => e.errorCode)).toEqual([
      ErrorCode.NONE,
      ErrorCode.NONE,
      ErrorCode.INVALID_REQUEST,
      ErrorCode.INVALID_REQUEST,
      ErrorCode.INVALID_REQUEST,
      ErrorCode.INVALID_REQUEST,
    ]);
    const dry = await alter([{ entity: user("erin"), ops: [{ key: "producer_byte_rate", value: 1, remove: false }] }], true);
    expect(dry.entries[0].errorCode).toBe(ErrorCode.NONE);

    const exact = await describeQuotas([{ entityType: "user", matchType: 0, match: "alice" }]);
    expect(exact.entries).toEqual([{ entity: user("alice"), values: [{ key: "producer_byte_rate", value: 1024 }, { key: "request_percentage", value: 12.5 }] }]);
    const defaults = await describeQuotas([{ entityType: "user", matchType: 1, match: null }]);
    expect(defaults.entries?.map((e) => e.values)).toEqual([[{ key: "consumer_byte_rate", value: 2048 }]]);
    const strictDefaults = await describeQuotas([{ entityType: "user", matchType: 1, match: null }], true);
    expect(strictDefaults.entries).toEqual([]);
    const named = await describeQuotas([{ entityType: "user", matchType: 2, match: null }], true);
    expect(named.entries?.map((e) => e.entity[0].entityName)).toEqual(["alice"]);
    const bad = await describeQuotas([{ entityType: "user", matchType: 0, match: "a" }, { entityType: "user", matchType: 1, match: null }]);
    expect(bad).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, entries: null });
  });

  it("keeps quotas in the metadata log across a restart, and removes a key on request", async () => {
    await alter([{ entity: user("frank"), ops: [{ key: "consumer_byte_rate", value: 99, remove: false }] }]);
    await alter([{ entity: user("alice"), ops: [{ key: "request_percentage", value: 0, remove: true }] }]);
    await broker.restart();
    await reconnect();
    const r = await describeQuotas([{ entityType: "user", matchType: 2, match: null }], true);
    expect(r.entries).toEqual([
      { entity: user("alice"), values: [{ key: "producer_byte_rate", value: 1024 }] },
      { entity: user("frank"), values: [{ key: "consumer_byte_rate", value: 99 }] },
    ]);
  });
});

describe("DeleteGroups and OffsetDelete", () => {
  const commit = (groupId: string, partition: number, committedOffset: bigint) =>
    c.request(OffsetCommit.request, OffsetCommit.response, 9, {
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: "",
      groupInstanceId: null,
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: partition, committedOffset, committedMetadata: "" }] }],
    });

  it("OffsetDelete removes an empty group's offsets partition by partition; unknown groups and partitions are named", async () => {
    await commit("od-group", 0, 4n);
    await commit("od-group", 1, 6n);
    for (const groupId of ["no-such-group"]) {
      const r = await c.request(OffsetDelete.request, OffsetDelete.response, 0, { groupId, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0 }] }] });
      expect(r.errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    }
    const r = await c.request(OffsetDelete.request, OffsetDelete.response, 0, {
      groupId: "od-group",
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0 }, { partitionIndex: 8 }] }],
    });
    expect(r).toMatchObject({ errorCode: ErrorCode.NONE });
    expect(r.topics[0].partitions).toEqual([
      { partitionIndex: 0, errorCode: ErrorCode.NONE },
      { partitionIndex: 8, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
    ]);
    const left = broker.running.broker.groupCoordinator.fetchOffsets("od-group", null);
    expect([...(left.get(TOPIC)?.keys() ?? [])]).toEqual([1]);
  });

  it("DeleteGroups v0-v2 deletes an empty group with its offsets, for good (also after a restart)", async () => {
    await commit("dg-group", 0, 3n);
    for (let v = 0; v <= 2; v++) {
      const r = await c.request(DeleteGroups.request, DeleteGroups.response, v, { groupsNames: [`dg-${v}-missing`, ""] });
      expect(r.results).toEqual([
        { groupId: `dg-${v}-missing`, errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
        { groupId: "", errorCode: ErrorCode.INVALID_GROUP_ID },
      ]);
    }
    const r = await c.request(DeleteGroups.request, DeleteGroups.response, 2, { groupsNames: ["dg-group"] });
    expect(r.results).toEqual([{ groupId: "dg-group", errorCode: ErrorCode.NONE }]);
    await broker.restart();
    await reconnect();
    expect(broker.running.broker.groupCoordinator.fetchOffsets("dg-group", null).size).toBe(0);
    const again = await c.request(DeleteGroups.request, DeleteGroups.response, 2, { groupsNames: ["dg-group"] });
    expect(again.results[0].errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
  });
});
