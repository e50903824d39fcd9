import { defineApi, type RequestContext } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import {
  ALTER_PARTITION_REASSIGNMENTS_REQUEST,
  type ReassignablePartition,
  decodeAlterPartitionReassignmentsRequest,
} from "../protocol/generated/alter-partition-reassignments-request.ts";
import {
  type AlterPartitionReassignmentsResponse,
  type ReassignablePartitionResponse,
  encodeAlterPartitionReassignmentsResponse,
} from "../protocol/generated/alter-partition-reassignments-response.ts";
import { AclOperation } from "../security/acl.ts";
import { mayOnCluster } from "./resource-access.ts";

/**
 * The only assignment a single-broker cluster can take is the one it has (this broker alone):
 * that is accepted as done at once; other brokers are INVALID_REPLICA_ASSIGNMENT, and
 * cancelling (null replicas) finds NO_REASSIGNMENT_IN_PROGRESS.
 */
export const alterPartitionReassignments = defineApi(
  "AlterPartitionReassignments",
  ALTER_PARTITION_REASSIGNMENTS_REQUEST,
  [0, 0],
  decodeAlterPartitionReassignmentsRequest,
  encodeAlterPartitionReassignmentsResponse,
  (ctx, req): AlterPartitionReassignmentsResponse =>
    mayOnCluster(ctx, AclOperation.ALTER)
      ? {
          throttleTimeMs: 0,
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          responses: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => reassign(ctx, t.name, p)) })),
        }
      : { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, responses: [] },
);

function reassign(ctx: RequestContext, topic: string, p: ReassignablePartition): ReassignablePartitionResponse {
  const result = (errorCode: number, errorMessage: string | null) => ({ partitionIndex: p.partitionIndex, errorCode, errorMessage });
  if (!ctx.broker.metadata.topicByName(topic)?.partitions.has(p.partitionIndex)) return result(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "The partition does not exist.");
  if (p.replicas === null) return result(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, "No ongoing reassignment for this partition.");
  if (p.replicas.length === 0) return result(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "The manual partition assignment includes an empty replica list.");
  if (new Set(p.replicas).size !== p.replicas.length) return result(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "The manual partition assignment includes duplicate replicas.");
  const stranger = p.replicas.find((id) => id !== ctx.broker.config.nodeId);
  if (stranger !== undefined) {
    return result(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes broker ${stranger}, but no such broker is registered.`);
  }
  return result(ErrorCode.NONE, null);
}
