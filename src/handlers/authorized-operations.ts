/**
 * The authorized-operations bit sets of Metadata, DescribeTopicPartitions, DescribeCluster,
 * DescribeGroups and ConsumerGroupDescribe: bit n set = AclOperation n allowed, as Kafka's
 * Utils.to32BitField builds them. With no authorizer every operation the resource type supports is
 * allowed, as Kafka answers; an authorizer narrows the set to the principal's own here, and
 * nowhere else.
 */
import type { RequestContext } from "./api.ts";

/** Kafka's AclOperation codes. */
export const AclOperation = {
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
} as const;

export type AclResourceType = "TOPIC" | "GROUP" | "CLUSTER";

/** Kafka's AclEntry.supportedOperations per resource type. */
const SUPPORTED_OPERATIONS: Record<AclResourceType, number[]> = {
  TOPIC: [
    AclOperation.READ,
    AclOperation.WRITE,
    AclOperation.CREATE,
    AclOperation.DESCRIBE,
    AclOperation.DELETE,
    AclOperation.ALTER,
    AclOperation.DESCRIBE_CONFIGS,
    AclOperation.ALTER_CONFIGS,
  ],
  GROUP: [AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DELETE],
  CLUSTER: [
    AclOperation.CREATE,
    AclOperation.CLUSTER_ACTION,
    AclOperation.DESCRIBE_CONFIGS,
    AclOperation.ALTER_CONFIGS,
    AclOperation.IDEMPOTENT_WRITE,
    AclOperation.ALTER,
    AclOperation.DESCRIBE,
  ],
};

/** What an authorized-operations field holds when the request did not ask for it (Integer.MIN_VALUE). */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/**
 * The operations the request's principal may perform on the resource named `name` (the cluster is
 * "kafka-cluster"). There is no authorizer yet, so that is every supported operation.
 */
export function authorizedOperations(_ctx: RequestContext, resourceType: AclResourceType, _name: string): number {
  return SUPPORTED_OPERATIONS[resourceType].reduce((bits, op) => bits | (1 << op), 0);
}

/** The bit set when `requested`, else the "not requested" value. */
export function authorizedOperationsIf(requested: boolean | undefined, ctx: RequestContext, resourceType: AclResourceType, name: string): number {
  return requested ? authorizedOperations(ctx, resourceType, name) : AUTHORIZED_OPERATIONS_OMITTED;
}

export const CLUSTER_RESOURCE_NAME = "kafka-cluster";
