/**
 * The authorized-operations bit sets of Metadata, DescribeTopicPartitions, DescribeCluster,
 * DescribeGroups and ConsumerGroupDescribe: bit n set = AclOperation n allowed, as Kafka's
 * Utils.to32BitField builds them. With no authorizer every operation the resource type supports is
 * allowed, as Kafka answers; with one, the principal's own (RequestContext.authorizedOperations).
 */
import type { RequestContext } from "./api.ts";
import { ResourceType } from "../security/acl.ts";

export type AclResourceType = "TOPIC" | "GROUP" | "CLUSTER";

/** What an authorized-operations field holds when the request did not ask for it (Integer.MIN_VALUE). */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/** The operations the request's principal may perform on the resource named `name` (the cluster is "kafka-cluster"). */
export function authorizedOperations(ctx: RequestContext, resourceType: AclResourceType, name: string): number {
  return ctx.authorizedOperations(ResourceType[resourceType], name);
}

/** The bit set when `requested`, else the "not requested" value. */
export function authorizedOperationsIf(requested: boolean | undefined, ctx: RequestContext, resourceType: AclResourceType, name: string): number {
  return requested ? authorizedOperations(ctx, resourceType, name) : AUTHORIZED_OPERATIONS_OMITTED;
}

