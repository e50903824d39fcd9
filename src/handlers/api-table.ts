/** The APIs this broker implements, by api key: the dispatch table and what ApiVersions advertises. */
import type { ApiHandler } from "./api.ts";
import type { ApiVersion } from "../protocol/generated/api-versions-response.ts";
import { apiVersions } from "./api-versions.ts";
import { describeTopicPartitions } from "./describe-topic-partitions.ts";
import { fetch } from "./fetch.ts";
import { produce } from "./produce.ts";
import { metadata } from "./metadata.ts";
import { listOffsets } from "./list-offsets.ts";
import { createTopics } from "./create-topics.ts";
import { deleteTopics } from "./delete-topics.ts";
import { deleteRecords } from "./delete-records.ts";
import { describeConfigs } from "./describe-configs.ts";
import { alterConfigs } from "./alter-configs.ts";
import { incrementalAlterConfigs } from "./incremental-alter-configs.ts";
import { createPartitions } from "./create-partitions.ts";
import { findCoordinator } from "./find-coordinator.ts";
import { joinGroup } from "./join-group.ts";
import { syncGroup } from "./sync-group.ts";
import { heartbeat } from "./heartbeat.ts";
import { leaveGroup } from "./leave-group.ts";
import { offsetCommit } from "./offset-commit.ts";
import { offsetFetch } from "./offset-fetch.ts";
import { listGroups } from "./list-groups.ts";
import { describeGroups } from "./describe-groups.ts";
import { initProducerId } from "./init-producer-id.ts";
import { consumerGroupHeartbeat } from "./consumer-group-heartbeat.ts";
import { consumerGroupDescribe } from "./consumer-group-describe.ts";
import { shareGroupHeartbeat } from "./share-group-heartbeat.ts";
import { shareGroupDescribe } from "./share-group-describe.ts";
import { shareFetch } from "./share-fetch.ts";
import { shareAcknowledge } from "./share-acknowledge.ts";
import { deleteGroups } from "./delete-groups.ts";
import { offsetDelete } from "./offset-delete.ts";
import { describeCluster } from "./describe-cluster.ts";
import { describeLogDirs } from "./describe-log-dirs.ts";
import { electLeaders } from "./elect-leaders.ts";
import { listPartitionReassignments } from "./list-partition-reassignments.ts";
import { alterPartitionReassignments } from "./alter-partition-reassignments.ts";
import { describeClientQuotas } from "./describe-client-quotas.ts";
import { alterClientQuotas } from "./alter-client-quotas.ts";
import { alterReplicaLogDirs } from "./alter-replica-log-dirs.ts";
import { saslHandshake } from "./sasl-handshake.ts";
import { saslAuthenticate } from "./sasl-authenticate.ts";
import { createAcls } from "./create-acls.ts";
import { describeAcls } from "./describe-acls.ts";
import { deleteAcls } from "./delete-acls.ts";
import { describeUserScramCredentials } from "./describe-user-scram-credentials.ts";
import { alterUserScramCredentials } from "./alter-user-scram-credentials.ts";
import { addPartitionsToTxn } from "./add-partitions-to-txn.ts";
import { addOffsetsToTxn } from "./add-offsets-to-txn.ts";
import { endTxn } from "./end-txn.ts";
import { txnOffsetCommit } from "./txn-offset-commit.ts";
import { describeProducers } from "./describe-producers.ts";
import { describeTransactions } from "./describe-transactions.ts";
import { listTransactions } from "./list-transactions.ts";

export class ApiTable {
  private readonly byKey = new Map<number, ApiHandler>();

  constructor(handlers: ApiHandler<any, any>[]) {
    for (const h of handlers) this.byKey.set(h.apiKey, h);
  }

  get(apiKey: number): ApiHandler | undefined {
    return this.byKey.get(apiKey);
  }

  advertised(): ApiVersion[] {
    return [...this.byKey.values()]
      .sort((a, b) => a.apiKey - b.apiKey)
      .map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }));
  }
}

export function defaultApiTable(): ApiTable {
  return new ApiTable([
    produce,
    fetch,
    listOffsets,
    metadata,
    apiVersions,
    createTopics,
    deleteTopics,
    deleteRecords,
    describeConfigs,
    alterConfigs,
    incrementalAlterConfigs,
    createPartitions,
    describeTopicPartitions,
    findCoordinator,
    joinGroup,
    syncGroup,
    heartbeat,
    leaveGroup,
    offsetCommit,
    offsetFetch,
    listGroups,
    describeGroups,
    initProducerId,
    consumerGroupHeartbeat,
    consumerGroupDescribe,
    shareGroupHeartbeat,
    shareGroupDescribe,
    shareFetch,
    shareAcknowledge,
    deleteGroups,
    offsetDelete,
    describeCluster,
    describeLogDirs,
    electLeaders,
    listPartitionReassignments,
    alterPartitionReassignments,
    describeClientQuotas,
    alterClientQuotas,
    alterReplicaLogDirs,
    saslHandshake,
    saslAuthenticate,
    createAcls,
    describeAcls,
    deleteAcls,
    describeUserScramCredentials,
    alterUserScramCredentials,
    addPartitionsToTxn,
    addOffsetsToTxn,
    endTxn,
    txnOffsetCommit,
    describeProducers,
    describeTransactions,
    listTransactions,
  ]);
}
